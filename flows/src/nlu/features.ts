import type { Cues } from './cues';
import type { Unit } from './units';

/**
 * Classifier features of a message (strings; weighted by TF-IDF in vectorizer.ts):
 *   w:<unit>      lexicon-aware jieba units
 *   n:<unit>      the unit follows a negator in its clause (不担心 ≠ 担心)
 *   c:<bigram>    character bigrams of Han runs (robust to typos such as 开护, 转人公)
 *   u:<char>      single Han characters (added in preprocess.ts; +3 points intent accuracy in CV)
 *   k:<intent>    a domain keyword of that intent occurs (intent-keywords.ts)
 *   p:!! p:?? …   punctuation cues;  len:xs|s|l  message length bucket
 * Numbers are folded into shape tokens (#num6 for a stock code, #num for amounts).
 */
export function featureTokens(units: readonly Unit[], text: string, negators: ReadonlyMap<string, number>, cues: Cues): string[] {
  const out: string[] = [];
  units.forEach((u, i) => {
    const t = /^\d+(\.\d+)?$/.test(u.text) ? (u.text.length === 6 ? '#num6' : '#num') : u.text;
    out.push(`w:${t}`);
    const prev = units[i - 1];
    const prev2 = units[i - 2];
    if (
      (prev && prev.clause === u.clause && negators.has(prev.text)) ||
      (prev2 && prev2.clause === u.clause && negators.has(prev2.text))
    ) {
      out.push(`n:${t}`);
    }
  });
  for (const run of text.match(/\p{Script=Han}+/gu) ?? []) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) out.push(`c:${chars[i]}${chars[i + 1]}`);
  }
  if (cues.exclamation >= 2) out.push('p:!!');
  else if (cues.exclamation === 1) out.push('p:!');
  if (cues.question >= 2) out.push('p:??');
  else if (cues.question === 1) out.push('p:?');
  if (cues.ellipsis) out.push('p:...');
  if (cues.length <= 2) out.push('len:xs');
  else if (cues.length <= 6) out.push('len:s');
  else if (cues.length >= 40) out.push('len:l');
  return out;
}
