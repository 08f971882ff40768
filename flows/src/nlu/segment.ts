import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';

/**
 * Chinese word segmentation: jieba's default dictionary plus our brokerage terms
 * (flows/data/nlu/finance-dict.txt, jieba's "word freq tag" format), so that 两融, 强平,
 * 维持担保比例 … come out as single tokens. One instance per process; loading takes ~100 ms.
 */
export const FINANCE_DICT_PATH = path.join(__dirname, '..', '..', 'data', 'nlu', 'finance-dict.txt');

let jieba: Jieba | null = null;

function instance(): Jieba {
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    jieba.loadDict(readFileSync(FINANCE_DICT_PATH));
  }
  return jieba;
}

/**
 * Tokens of a message, whitespace dropped. HMM on (default) guesses new words such as names;
 * HMM off leaves unknown spans as single characters, which the NLU prefers: HMM merges like
 * 烫得, 汤洒, 差太多 hide sentiment words from the lexicon.
 */
export function segment(text: string, hmm = true): string[] {
  return instance()
    .cut(text, hmm)
    .filter((t) => t.trim().length > 0);
}

/**
 * Tokens for a search index: jieba's search mode, which also yields the dictionary words inside a
 * longer one (维持担保比例 → 维持, 担保, 比例, 维持担保比例), HMM off (the same text always gives
 * the same tokens, so a query segmented the same way finds what was indexed).
 */
export function segmentForSearch(text: string): string[] {
  return instance()
    .cutForSearch(text, false)
    .filter((t) => t.trim().length > 0);
}
