import type { Preprocessed } from './preprocess';
import type { SparseVector } from './sparse';

/**
 * Hashed features of the emotion model (emotion-model.ts), computed from the preprocessed
 * message so that training and analysis see exactly the same thing:
 *   character 1-, 2- and 3-grams of the normalised text (punctuation and emoji included:
 *     ？？, 。。。 and [泪] carry emotion),
 *   jieba units and unit bigrams (lexicon-aware, see units.ts),
 *   the NLU's own evidence: lexicon hits by emotion and term (negated hits apart), negated
 *     units, sarcasm, arousal cues and domain keywords (k:<intent>) — so the model learns how
 *     far to trust them.
 * Every string is hashed (FNV-1a, 32 bit) into 2^bits buckets; the value is 1 + ln(count),
 * and the vector is L2-normalised.
 */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The feature strings of a message (exposed for tests and inspection). */
export function emotionFeatureStrings(pre: Preprocessed): string[] {
  const out: string[] = [];
  const chars = [...pre.text.replace(/\s+/g, ' ').trim()];
  for (let i = 0; i < chars.length; i++) {
    const a = chars[i]!;
    if (a !== ' ') out.push(`1${a}`);
    if (i + 1 < chars.length) out.push(`2${a}${chars[i + 1]}`);
    if (i + 2 < chars.length) out.push(`3${a}${chars[i + 1]}${chars[i + 2]}`);
  }
  let prev = '^';
  for (const u of pre.units) {
    out.push(`w${u.text}`, `b${prev}|${u.text}`);
    prev = u.text;
  }
  // Lexicon hits after negation (没失望 is a positive hit, negated) and the negation-marked units
  // of the brokerage classifier (n:担心 in 不担心), so that 不X and X are different features.
  for (const h of pre.lex.hits) {
    const sign = h.negator ? '-' : '+';
    out.push(`L${sign}${h.emotion}`, `T${sign}${h.emotion}${h.term}`);
  }
  if (pre.sarcasm) out.push('Xsarcasm');
  const c = pre.cues;
  if (c.question >= 2) out.push('P??');
  else if (c.question === 1) out.push('P?');
  if (c.exclamation >= 2) out.push('P!!');
  else if (c.exclamation === 1) out.push('P!');
  if (c.ellipsis) out.push('P...');
  if (c.repetition.length) out.push('Prep');
  for (const f of pre.features) {
    if (f.startsWith('k:')) out.push(`K${f.slice(2)}`);
    else if (f.startsWith('n:')) out.push(`N${f.slice(2)}`);
  }
  return out;
}

export function hashFeatures(strings: readonly string[], bits: number): SparseVector {
  const mask = (1 << bits) - 1;
  const counts = new Map<number, number>();
  for (const s of strings) {
    const h = fnv1a(s) & mask;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  const idx = new Int32Array(counts.size);
  const val = new Float64Array(counts.size);
  let k = 0;
  let norm = 0;
  for (const [i, n] of counts) {
    const v = 1 + Math.log(n);
    idx[k] = i;
    val[k] = v;
    norm += v * v;
    k++;
  }
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < val.length; j++) val[j] = val[j]! / norm;
  return { idx, val };
}
