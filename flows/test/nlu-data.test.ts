import { readFileSync } from 'node:fs';
import {
  TEST_PATH,
  TRAIN_PATH,
  loadProbe,
  loadSources,
  loadSupplement,
  readJsonl,
  stratifiedSplit,
  toJsonl,
} from '../src/nlu/dataset';
import { PROBE_SPLITS, inconsistentLabels, loadGeneralProbe } from '../src/nlu/general-probe';
import { EMOTIONS, INTENT_IDS } from '../src/nlu/labels';

describe('labelled utterance set', () => {
  const all = loadSources();

  it('has at least 1,500 utterances over every emotion and every intent', () => {
    expect(all.length).toBeGreaterThanOrEqual(1500);
    for (const e of EMOTIONS) expect(all.filter((u) => u.emotion === e).length).toBeGreaterThanOrEqual(100);
    expect(INTENT_IDS.length).toBeGreaterThanOrEqual(30);
    for (const i of INTENT_IDS) expect(all.filter((u) => u.intent === i).length).toBeGreaterThanOrEqual(15);
  });

  it('has no duplicate texts', () => {
    expect(new Set(all.map((u) => u.text)).size).toBe(all.length);
  });

  it('contains the hard cases', () => {
    for (const note of ['sarcasm', 'negation', 'short', 'typo', 'injection', 'colloquial', 'mixed', 'distress']) {
      expect(all.filter((u) => u.note === note).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('the committed split is exactly what the seeded stratified split produces', () => {
    const { train, test } = stratifiedSplit(all);
    expect(readFileSync(TRAIN_PATH, 'utf8')).toBe(toJsonl(train));
    expect(readFileSync(TEST_PATH, 'utf8')).toBe(toJsonl(test));
  });

  it('the split is 80/20, disjoint and stratified by intent', () => {
    const train = readJsonl(TRAIN_PATH);
    const test = readJsonl(TEST_PATH);
    expect(train.length + test.length).toBe(all.length);
    expect(test.length / all.length).toBeCloseTo(0.2, 1);
    const trainTexts = new Set(train.map((u) => u.text));
    expect(test.some((u) => trainTexts.has(u.text))).toBe(false);
    for (const i of INTENT_IDS) {
      const n = all.filter((u) => u.intent === i).length;
      expect(test.filter((u) => u.intent === i).length).toBe(Math.round(n * 0.2));
    }
  });

  it('the training-only supplement parses and shares no utterance with the sources (so none with the test split)', () => {
    const supplement = loadSupplement();
    expect(supplement.length).toBeGreaterThan(0);
    // Punctuation, spaces and case do not make a different utterance.
    const key = (t: string) =>
      t
        .normalize('NFKC')
        .toLowerCase()
        .replace(/[\p{P}\p{S}\s]/gu, '');
    const keys = supplement.map((u) => key(u.text));
    expect(new Set(keys).size).toBe(supplement.length);
    const sources = new Set(all.map((u) => key(u.text)));
    expect(supplement.filter((u) => sources.has(key(u.text))).map((u) => u.text)).toEqual([]);
    // The split is made from the sources alone.
    const train = new Set(readJsonl(TRAIN_PATH).map((u) => u.text));
    expect(supplement.some((u) => train.has(u.text))).toBe(false);
  });

  it('the general-domain probe set parses and is separate from training data', () => {
    const probe = loadProbe();
    expect(probe.length).toBeGreaterThan(50);
    const texts = new Set(all.map((u) => u.text));
    expect(probe.some((p) => texts.has(p.text))).toBe(false);
  });

  it('the general probe (flows/eval/probe-general.jsonl) has two comparable halves, apart from all other data', () => {
    const probe = loadGeneralProbe();
    expect(probe.length).toBeGreaterThanOrEqual(400);
    expect(new Set(probe.map((p) => p.text)).size).toBe(probe.length);
    expect(inconsistentLabels(probe)).toEqual([]);
    for (const split of PROBE_SPLITS) {
      const half = probe.filter((p) => p.split === split);
      expect(half.length).toBeGreaterThanOrEqual(probe.length * 0.45);
      for (const e of EMOTIONS) expect(half.filter((p) => p.emotion === e).length).toBeGreaterThanOrEqual(20);
    }
    const elsewhere = new Set([...all.map((u) => u.text), ...loadProbe().map((p) => p.text)]);
    expect(probe.filter((p) => elsewhere.has(p.text))).toEqual([]);
  });
});
