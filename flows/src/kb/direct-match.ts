import { analyze, normalize } from './text';

/**
 * A client who types (nearly) exactly one of the knowledge base's own questions gets its answer
 * at once, never a menu listing the very question they asked. Retrieval scores cannot be relied
 * on for this: 怎么开户 scores 开户收费吗？ above 怎么开户？ (both share 开户, the rest are stop
 * words), and 新股申购中签了怎么缴款？ ranks 怎么申购新股？ first. So the decision is made on the
 * text itself, before any score:
 *
 * - exact: the message equals a question or variant of exactly one entry once punctuation,
 *   spaces and filler (请问, 了, 吗 …) are removed;
 * - near: the two strings share most of their characters in order (2·LCS / (|a|+|b|) ≥
 *   NEAR_MIN_SIMILARITY), the message is at least NEAR_MIN_CHARS long (a one-character change
 *   in 怎么销户 vs 怎么开户 changes everything), every content word (two characters or more) of the message is found in
 *   that entry (its sentence, topic or keywords: 资金密码 never matches 交易密码忘了怎么办),
 *   and no other entry comes within NEAR_MIN_LEAD.
 */
export const NEAR_MIN_SIMILARITY = 0.8;
export const NEAR_MIN_CHARS = 6;
export const NEAR_MIN_LEAD = 0.1;

export interface MatchableEntry {
  id: string;
  topic: string;
  question: string;
  variants: string[];
  keywords?: string[];
}

export interface DirectMatch {
  id: string;
  kind: 'exact' | 'near';
  /** 2·LCS / (|a|+|b|) on the compacted strings; 1 for an exact match. */
  similarity: number;
}

/** Filler that does not change what is asked: polite openers and sentence-final particles. */
const FILLER = /请问一下|请问|我想问一下|我想问下|想问一下|想问下|问一下|您好|你好|麻烦问下|麻烦|一下|[了吗呢吧啊呀哦嘛的]/g;

/** The message reduced to what it asks: normalised, without punctuation, spaces or filler. */
export function compact(text: string): string {
  return normalize(text)
    .replace(/[\p{P}\p{S}\s]/gu, '')
    .replace(FILLER, '');
}

/** Length of the longest common subsequence of two strings (by UTF-16 unit; both are short). */
function lcs(a: string, b: string): number {
  if (!a || !b) return 0;
  let prev = new Uint16Array(b.length + 1);
  let row = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      row[j] = ca === b.charCodeAt(j - 1) ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    }
    [prev, row] = [row, prev];
  }
  return prev[b.length]!;
}

export function similarity(a: string, b: string): number {
  if (a === b) return a ? 1 : 0;
  return (2 * lcs(a, b)) / (a.length + b.length);
}

interface Prepared {
  id: string;
  sentences: string[];
  /** Everything the entry is about, compacted: its sentences, topic and keywords. */
  vocabulary: string;
  /** The same, as the retrieval's content words (synonyms folded: 钱 → 资金). */
  words: Set<string>;
}

/** Precomputes the compacted sentences of every entry (once per knowledge base). */
export class DirectMatcher {
  private readonly prepared: Prepared[];
  private readonly exact = new Map<string, Set<string>>();
  /** Every sentence once: its entry (index into `prepared`) and text. */
  private readonly sentences: { entry: number; text: string }[] = [];
  /** Character → the sentences holding it, with how often: their overlap with a message bounds its LCS. */
  private readonly postings = new Map<string, { sentence: number; count: number }[]>();

  constructor(entries: readonly MatchableEntry[]) {
    this.prepared = entries.map((e) => {
      const sentences = [e.question, ...e.variants].map(compact).filter(Boolean);
      for (const s of sentences) {
        const ids = this.exact.get(s) ?? new Set<string>();
        ids.add(e.id);
        this.exact.set(s, ids);
      }
      const about = [e.question, ...e.variants, e.topic, ...(e.keywords ?? [])];
      return {
        id: e.id,
        sentences,
        vocabulary: about.map(compact).join('|'),
        words: new Set(about.flatMap((t) => analyze(t).words)),
      };
    });
    this.prepared.forEach((p, entry) => {
      for (const text of p.sentences) {
        const sentence = this.sentences.push({ entry, text }) - 1;
        const chars = new Map<string, number>();
        for (const ch of text) chars.set(ch, (chars.get(ch) ?? 0) + 1);
        for (const [ch, count] of chars) {
          const list = this.postings.get(ch) ?? [];
          list.push({ sentence, count });
          this.postings.set(ch, list);
        }
      }
    });
  }

  /** The one entry the message asks for verbatim (or nearly), or null when it is not that clear. */
  match(text: string): DirectMatch | null {
    const q = compact(text);
    if (!q) return null;
    const exact = this.exact.get(q);
    if (exact) return exact.size === 1 ? { id: [...exact][0]!, kind: 'exact', similarity: 1 } : null;
    if (q.length < NEAR_MIN_CHARS) return null;
    // Characters in common bound the common subsequence; a sentence whose bound is below this can
    // neither match nor come close enough to spoil a match, so its LCS is never computed.
    const floor = NEAR_MIN_SIMILARITY - NEAR_MIN_LEAD;
    const qChars = new Map<string, number>();
    for (const ch of q) qChars.set(ch, (qChars.get(ch) ?? 0) + 1);
    const common = new Map<number, number>();
    for (const [ch, k] of qChars) {
      for (const { sentence, count } of this.postings.get(ch) ?? []) {
        common.set(sentence, (common.get(sentence) ?? 0) + Math.min(k, count));
      }
    }
    const simByEntry = new Map<number, number>();
    for (const [sentence, n] of common) {
      const { entry, text } = this.sentences[sentence]!;
      if ((2 * n) / (q.length + text.length) < floor) continue;
      simByEntry.set(entry, Math.max(simByEntry.get(entry) ?? 0, similarity(q, text)));
    }
    let best: { id: string; sim: number } | null = null;
    let runnerUp = 0;
    for (const [entry, sim] of simByEntry) {
      if (!best || sim > best.sim) {
        if (best) runnerUp = Math.max(runnerUp, best.sim);
        best = { id: this.prepared[entry]!.id, sim };
      } else runnerUp = Math.max(runnerUp, sim);
    }
    if (!best || best.sim < NEAR_MIN_SIMILARITY || best.sim - runnerUp < NEAR_MIN_LEAD) return null;
    const bestId = best.id;
    const entry = this.prepared.find((p) => p.id === bestId)!;
    // Single characters (该, 下) are function words the stop list lacks; a content word has two or more.
    const covered = analyze(text)
      .words.filter((w) => [...w].length > 1)
      .every((w) => entry.words.has(w) || entry.vocabulary.includes(compact(w)));
    return covered ? { id: bestId, kind: 'near', similarity: best.sim } : null;
  }
}
