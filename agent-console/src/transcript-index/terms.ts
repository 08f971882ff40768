import { segmentForSearch } from '@brokerbot/flows';

/**
 * The words of 会话记录 keyword search (FerretDB has no `$text`): jieba's search-mode tokens
 * (flows' dictionary with the brokerage's terms, so 强平, 两融, 维持担保比例 stay whole), lower
 * case, at least two characters, with a letter or a Chinese character in them, function words
 * dropped. Pure; the index worker, the seed, the backfill and the query all use these.
 */

/** Words too common to search by (greetings, function words): never indexed, ignored in a query. */
const STOP_WORDS = new Set([
  '怎么',
  '怎么办',
  '怎么样',
  '什么',
  '为什么',
  '可以',
  '一下',
  '您好',
  '你好',
  '谢谢',
  '我们',
  '你们',
  '他们',
  '这个',
  '那个',
  '就是',
  '还是',
  '已经',
  '没有',
  '请问',
  '好的',
  '如果',
  '因为',
  '所以',
  '但是',
  '的话',
]);
/** Longest word kept (a pasted URL or number string is not a word anyone searches by). */
const MAX_TERM_LENGTH = 24;
const HAS_LETTER = /\p{L}/u;

function keep(token: string): string | null {
  const t = token.trim().toLowerCase();
  const length = [...t].length;
  if (length < 2 || length > MAX_TERM_LENGTH || !HAS_LETTER.test(t) || STOP_WORDS.has(t)) return null;
  return t;
}

/** The distinct words of a message, as indexed. */
export function termsOf(text: string): string[] {
  const out = new Set<string>();
  for (const token of segmentForSearch(text)) {
    const t = keep(token);
    if (t) out.add(t);
  }
  return [...out];
}

/** At most this many words count in one query. */
export const MAX_QUERY_TERMS = 5;

/**
 * The words a query asks for (all of them must occur in a conversation): the query's indexed
 * words, minus each word that contains another one of them (维持担保比例 asks for 维持, 担保 and
 * 比例, which every message with the long word was indexed under too, and so do messages that
 * wrote the parts apart). Empty when the query has no searchable word.
 */
export function queryTerms(q: string): string[] {
  const terms = termsOf(q);
  const minimal = terms.filter((t) => !terms.some((other) => other !== t && t.includes(other)));
  return minimal.slice(0, MAX_QUERY_TERMS);
}

/** Who said what is indexed: clients and advisors (the bot's and the system's texts are the knowledge base's and notices, the same in thousands of chats). */
export const INDEXED_AUTHORS: readonly string[] = ['client', 'advisor'];
