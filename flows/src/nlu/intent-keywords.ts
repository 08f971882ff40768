import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isIntentId, type IntentId } from './labels';
import { NLU_DATA_DIR } from './paths';

/**
 * Per-intent domain keywords (flows/data/nlu/intent-keywords.txt). They become classifier
 * features ("k:<intent>"), not rules: the model still learns how much each one counts.
 */
export const INTENT_KEYWORDS_PATH = path.join(NLU_DATA_DIR, 'intent-keywords.txt');

export type IntentKeywords = ReadonlyArray<{ intent: IntentId; words: readonly string[] }>;

export function parseIntentKeywords(content: string): IntentKeywords {
  const out: Array<{ intent: IntentId; words: string[] }> = [];
  content.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const m = /^([a-z_]+):\s*(.+)$/.exec(t);
    if (!m || !m[1] || !m[2] || !isIntentId(m[1])) throw new Error(`intent-keywords.txt:${i + 1}: bad line`);
    out.push({ intent: m[1], words: m[2].split(/\s+/).map((w) => w.normalize('NFKC').toLowerCase()) });
  });
  return out;
}

export function loadIntentKeywords(file = INTENT_KEYWORDS_PATH): IntentKeywords {
  return parseIntentKeywords(readFileSync(file, 'utf8'));
}

const escape = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const compiled = new WeakMap<IntentKeywords, Array<{ feature: string; re: RegExp }>>();

/** "k:<intent>" for every intent with a keyword in the text (one regex test per intent). */
export function keywordFeatures(text: string, keywords: IntentKeywords): string[] {
  let tests = compiled.get(keywords);
  if (!tests) {
    tests = keywords.map(({ intent, words }) => ({ feature: `k:${intent}`, re: new RegExp(words.map(escape).join('|')) }));
    compiled.set(keywords, tests);
  }
  const out: string[] = [];
  for (const { feature, re } of tests) if (re.test(text)) out.push(feature);
  return out;
}
