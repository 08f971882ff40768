import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EMOTIONS, INTENT_IDS, type Emotion, type IntentId } from './labels';
import { NLU_DATA_DIR } from './paths';
import { seededRandom } from './random';

/**
 * The labelled utterance set: hand-written sources (flows/data/nlu/source/*.txt, compact
 * format described in that folder's README) and the committed train/test JSONL split.
 */
export const SOURCE_DIR = path.join(NLU_DATA_DIR, 'source');
export const PROBE_DIR = path.join(NLU_DATA_DIR, 'probe');
/** A second probe, written after the lexicon and never used for tuning. */
export const HOLDOUT_PROBE_DIR = path.join(NLU_DATA_DIR, 'probe-holdout');
export const TRAIN_PATH = path.join(NLU_DATA_DIR, 'train.jsonl');
export const TEST_PATH = path.join(NLU_DATA_DIR, 'test.jsonl');
/**
 * Training-only utterances (same line format as source/), written after the split for
 * confusable intent pairs and the short social intents: never split, never in test.jsonl.
 * Used as extra intent training text, like the knowledge base's questions.
 */
export const SUPPLEMENT_DIR = path.join(NLU_DATA_DIR, 'supplement');

export const utteranceSchema = z
  .object({
    text: z.string(),
    emotion: z.enum(EMOTIONS),
    intent: z.enum(INTENT_IDS as [IntentId, ...IntentId[]]),
    escalate: z.boolean(),
    note: z.string().min(1).optional(),
  })
  .strict();
export type Utterance = z.infer<typeof utteranceSchema>;

/** A probe line has no intent (general-domain text). */
export interface ProbeUtterance {
  text: string;
  emotion: Emotion;
  domain: string;
  note?: string;
}

const EMOTION_CODES: Record<string, Emotion> = { calm: 'calm', anx: 'anxious', ang: 'angry', sad: 'sad', pos: 'positive' };
const LINE = /^(calm|anx|ang|sad|pos)(!?) (.+?)(?:\s+## (.+))?$/;

interface RawLine {
  emotion: Emotion;
  escalate: boolean;
  text: string;
  note?: string;
  group: string;
}

function parseCompact(content: string, file: string, groupTag: '@intent' | '@domain'): RawLine[] {
  const out: RawLine[] = [];
  let group: string | null = null;
  content.split(/\r?\n/).forEach((line, i) => {
    const where = `${path.basename(file)}:${i + 1}`;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('@')) {
      const [tag, value] = trimmed.split(/\s+/);
      if (tag !== groupTag || !value) throw new Error(`${where}: expected "${groupTag} <id>"`);
      group = value;
      return;
    }
    const m = LINE.exec(trimmed);
    if (!m) throw new Error(`${where}: cannot parse "${trimmed}"`);
    if (!group) throw new Error(`${where}: utterance before any ${groupTag} line`);
    const emotion = EMOTION_CODES[m[1] ?? ''];
    if (!emotion) throw new Error(`${where}: unknown emotion`);
    out.push({ emotion, escalate: m[2] === '!', text: m[3] ?? '', ...(m[4] ? { note: m[4] } : {}), group });
  });
  return out;
}

function txtFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Every utterance of the hand-written sources, in file order. Throws on malformed lines. */
export function loadSources(dir = SOURCE_DIR): Utterance[] {
  const out: Utterance[] = [];
  for (const file of txtFiles(dir)) {
    for (const raw of parseCompact(readFileSync(file, 'utf8'), file, '@intent')) {
      const { group, ...rest } = raw;
      const parsed = utteranceSchema.safeParse({ ...rest, intent: group });
      if (!parsed.success) throw new Error(`${path.basename(file)}: ${raw.text}: ${parsed.error.issues[0]?.message}`);
      out.push(parsed.data);
    }
  }
  return out;
}

/** The training-only supplement (SUPPLEMENT_DIR); empty when the folder is absent. */
export function loadSupplement(dir = SUPPLEMENT_DIR): Utterance[] {
  return existsSync(dir) ? loadSources(dir) : [];
}

/** The general-domain probe set (never used for training). */
export function loadProbe(dir = PROBE_DIR): ProbeUtterance[] {
  return txtFiles(dir).flatMap((file) =>
    parseCompact(readFileSync(file, 'utf8'), file, '@domain').map(({ group, text, emotion, note }) => ({
      text,
      emotion,
      domain: group,
      ...(note ? { note } : {}),
    })),
  );
}

export function readJsonl(file: string): Utterance[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l, i) => {
      const parsed = utteranceSchema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${path.basename(file)}:${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

export function toJsonl(items: readonly Utterance[]): string {
  return items
    .map((u) =>
      JSON.stringify({
        text: u.text,
        emotion: u.emotion,
        intent: u.intent,
        escalate: u.escalate,
        ...(u.note ? { note: u.note } : {}),
      }),
    )
    .join('\n')
    .concat('\n');
}

export const SPLIT_SEED = 20240611;
export const TEST_SHARE = 0.2;

/**
 * Stratified split: within each intent the items are shuffled (seeded), ordered by emotion
 * (so every emotion of the intent is spread over both sides), and every k-th item from a
 * seeded offset goes to test. Exactly round(n * share) test items per intent.
 */
export function stratifiedSplit(
  items: readonly Utterance[],
  share = TEST_SHARE,
  seed = SPLIT_SEED,
): { train: Utterance[]; test: Utterance[] } {
  const rand = seededRandom(seed);
  const byIntent = new Map<string, Utterance[]>();
  for (const u of items) {
    const list = byIntent.get(u.intent) ?? [];
    list.push(u);
    byIntent.set(u.intent, list);
  }
  const testSet = new Set<Utterance>();
  for (const intent of [...byIntent.keys()].sort()) {
    const list = byIntent.get(intent) ?? [];
    const shuffled = list.map((u) => ({ u, r: rand() })).sort((a, b) => a.r - b.r);
    const order = EMOTIONS as readonly string[];
    shuffled.sort((a, b) => order.indexOf(a.u.emotion) - order.indexOf(b.u.emotion) || a.r - b.r);
    const nTest = Math.round(list.length * share);
    const step = list.length / Math.max(nTest, 1);
    const offset = rand() * step;
    for (let k = 0; k < nTest; k++) {
      const pick = shuffled[Math.min(list.length - 1, Math.floor(offset + k * step))];
      if (pick) testSet.add(pick.u);
    }
  }
  return { train: items.filter((u) => !testSet.has(u)), test: items.filter((u) => testSet.has(u)) };
}
