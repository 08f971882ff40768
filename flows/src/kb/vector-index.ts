import type { Analyzed } from './text';

/**
 * Sparse lexical index over KB entries with two feature channels (jieba words, character
 * bigrams). Each entry is one document made of its canonical question and client variants, its
 * keywords (up-weighted) and its answer (down-weighted), scored two ways:
 *  - TF-IDF cosine (log tf, L2-normalised);
 *  - BM25-style query coverage: the IDF-weighted share of the query's terms the entry contains,
 *    with tf saturation and length normalisation — robust for short queries against long entries,
 *    and a direct measure of how much of the client's message the entry explains.
 * IDF is computed over entries, BM25 form: ≈0 for a term in every entry, ln(2N+2) for a term in
 * none; unknown query terms get the latter, so mostly-unknown text cannot look like a match.
 *
 * (A per-sentence nearest-neighbour component — best cosine over an entry's variants — was tried
 * and dropped: on its own it reached 43 % leave-one-out top-1 vs ~65 % for each entry-level
 * component, and the weight search gave it 0.)
 */

export interface AnalyzedEntry {
  sentences: Analyzed[];
  keywords: Analyzed[];
  /** The answer text; contributes (down-weighted) to the entry document only. */
  answer?: Analyzed;
}

type Channel = 'words' | 'bigrams';

/** How much a keyword / an answer token counts in the entry document vs. one sentence occurrence. */
export const KEYWORD_TF = 2;
export const ANSWER_TF = 0.5;
/** BM25 saturation parameters for the coverage score. */
const BM25_K1 = 1.2;
const BM25_B = 0.5;

function idfOf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

function countsOf(tokens: readonly string[], weight = 1, into = new Map<string, number>()): Map<string, number> {
  for (const t of tokens) into.set(t, (into.get(t) ?? 0) + weight);
  return into;
}

/** Per-query component buffers (one value per entry). */
export interface ChannelScores {
  entryCos: Float64Array;
  cover: Float64Array;
}

/** Leave-one-out support for the calibration script: score as if this sentence were not in the KB. */
export interface Exclusion {
  entry: number;
  sentence: number; // index into that entry's sentences
}

class ChannelIndex {
  private readonly idf = new Map<string, number>();
  private readonly df = new Map<string, number>();
  /** Terms of the curated vocabulary: canonical questions and keywords (not client variants). */
  private readonly anchors = new Set<string>();
  private readonly unseenIdf: number;
  /** term → parallel arrays of (entry, normalised tf-idf weight, BM25 saturation in 0..1) */
  private readonly entryPostings = new Map<string, { doc: number[]; w: number[]; sat: number[] }>();
  private readonly entryCounts: Map<string, number>[];
  private readonly sentCounts: Map<string, number>[];
  private readonly sentenceStart: number[];
  private readonly avgLen: number;

  constructor(
    entries: readonly AnalyzedEntry[],
    private readonly channel: Channel,
  ) {
    const n = entries.length;
    const df = this.df;
    this.sentCounts = [];
    this.sentenceStart = [];
    this.entryCounts = entries.map((e) => {
      this.sentenceStart.push(this.sentCounts.length);
      const c = new Map<string, number>();
      for (const s of e.sentences) {
        const sc = countsOf(s[channel]);
        this.sentCounts.push(sc);
        for (const [t, k] of sc) c.set(t, (c.get(t) ?? 0) + k);
      }
      for (const k of e.keywords) countsOf(k[channel], KEYWORD_TF, c);
      for (const t of e.sentences[0]?.[channel] ?? []) this.anchors.add(t);
      for (const k of e.keywords) for (const t of k[channel]) this.anchors.add(t);
      if (e.answer) countsOf(e.answer[channel], ANSWER_TF, c);
      for (const t of c.keys()) df.set(t, (df.get(t) ?? 0) + 1);
      return c;
    });
    for (const [t, d] of df) this.idf.set(t, idfOf(n, d));
    this.unseenIdf = idfOf(n, 0);
    this.avgLen = this.entryCounts.reduce((t, c) => t + ChannelIndex.lengthOf(c), 0) / Math.max(1, n);

    this.entryCounts.forEach((c, ei) => {
      const norm = 1 - BM25_B + (BM25_B * ChannelIndex.lengthOf(c)) / this.avgLen;
      for (const [t, w] of this.weigh(c, 0)) {
        let p = this.entryPostings.get(t);
        if (!p) this.entryPostings.set(t, (p = { doc: [], w: [], sat: [] }));
        p.doc.push(ei);
        p.w.push(w);
        p.sat.push(this.saturate(c.get(t) ?? 0, norm));
      }
    });
  }

  private static lengthOf(c: Map<string, number>): number {
    let l = 0;
    for (const v of c.values()) l += v;
    return l;
  }

  private saturate(tf: number, norm: number): number {
    return tf / (tf + BM25_K1 * norm);
  }

  /** log-scaled tf × idf, L2-normalised; terms without a known IDF get `unseen`. */
  private weigh(counts: Map<string, number>, unseen: number): Map<string, number> {
    const v = new Map<string, number>();
    let norm = 0;
    for (const [t, c] of counts) {
      const w = Math.log1p(c) * (this.idf.get(t) ?? unseen);
      if (w <= 0) continue;
      v.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [t, w] of v) v.set(t, w / norm);
    return v;
  }

  /** Adds this channel's components for `query` into `out` (buffers must be zeroed by the caller). */
  score(query: Analyzed, out: ChannelScores, exclude?: Exclusion): void {
    const counts = countsOf(query[this.channel]);
    if (counts.size === 0) return;
    const q = this.weigh(counts, this.unseenIdf);
    let qIdf = 0;
    for (const t of counts.keys()) qIdf += this.idf.get(t) ?? this.unseenIdf;
    for (const [t, qw] of q) {
      const ep = this.entryPostings.get(t);
      if (!ep) continue;
      const idf = this.idf.get(t) as number;
      for (let i = 0; i < ep.doc.length; i++) {
        const d = ep.doc[i] as number;
        out.entryCos[d] = (out.entryCos[d] as number) + qw * (ep.w[i] as number);
        out.cover[d] = (out.cover[d] as number) + (idf * (ep.sat[i] as number)) / qIdf;
      }
    }
    if (exclude) this.rescoreWithout(exclude, q, counts, qIdf, out);
  }

  /**
   * IDF-weighted share of the query's terms that occur nowhere in the KB (0..1; 0 for an empty
   * query). With `exclude`, a term only the held-out sentence contained counts as unknown.
   */
  unknownShare(query: Analyzed, exclude?: Exclusion): number {
    const terms = new Set(query[this.channel]);
    if (terms.size === 0) return 0;
    let held: Map<string, number> | undefined;
    let rest: Map<string, number> | undefined;
    if (exclude) {
      held = this.sentCounts[(this.sentenceStart[exclude.entry] as number) + exclude.sentence];
      rest = this.entryCounts[exclude.entry];
    }
    let unknown = 0;
    let total = 0;
    for (const t of terms) {
      const df = this.df.get(t) ?? 0;
      let known = df > 0;
      // held-out-only term: df counts exclude.entry once and nothing else contains it
      if (known && df === 1 && held && rest && held.has(t) && (rest.get(t) ?? 0) - (held.get(t) ?? 0) <= 1e-9) known = false;
      const w = known ? (this.idf.get(t) as number) : this.unseenIdf;
      total += w;
      if (!known) unknown += w;
    }
    return total > 0 ? unknown / total : 0;
  }

  /** Highest IDF (normalised to 0..1) among the query's terms that are curated KB vocabulary. */
  anchorStrength(query: Analyzed): number {
    let best = 0;
    for (const t of query[this.channel]) {
      if (!this.anchors.has(t)) continue;
      const v = (this.idf.get(t) ?? 0) / this.unseenIdf;
      if (v > best) best = v;
    }
    return best;
  }

  /** Entry-level scores of exclude.entry recomputed with one sentence removed (IDF kept as is). */
  private rescoreWithout(
    ex: Exclusion,
    q: Map<string, number>,
    counts: Map<string, number>,
    qIdf: number,
    out: ChannelScores,
  ): void {
    const c = new Map(this.entryCounts[ex.entry]);
    const sid = (this.sentenceStart[ex.entry] as number) + ex.sentence;
    for (const [t, k] of this.sentCounts[sid] as Map<string, number>) {
      const left = (c.get(t) ?? 0) - k;
      if (left > 1e-9) c.set(t, left);
      else c.delete(t);
    }
    const v = this.weigh(c, 0);
    let cos = 0;
    for (const [t, qw] of q) cos += qw * (v.get(t) ?? 0);
    const norm = 1 - BM25_B + (BM25_B * ChannelIndex.lengthOf(c)) / this.avgLen;
    let cover = 0;
    for (const t of counts.keys()) {
      const tf = c.get(t);
      if (tf) cover += ((this.idf.get(t) ?? 0) * this.saturate(tf, norm)) / qIdf;
    }
    out.entryCos[ex.entry] = cos;
    out.cover[ex.entry] = cover;
  }
}

/** Weights of the four components in the raw score (they sum to 1, so raw ∈ [0, 1]). */
export interface ScoreWeights {
  wordEntry: number;
  wordCover: number;
  bigramEntry: number;
  bigramCover: number;
}

export const COMPONENTS = ['wordEntry', 'wordCover', 'bigramEntry', 'bigramCover'] as const;
export type Components = Record<(typeof COMPONENTS)[number], Float64Array>;

/**
 * Chosen by leave-one-variant-out accuracy over the KB (calibrate.ts, coordinate search in
 * steps of 0.05). Bigrams get slightly more weight than words: they absorb segmentation
 * mismatches, typos and words missing from the jieba dictionary.
 */
export const DEFAULT_WEIGHTS: ScoreWeights = {
  wordEntry: 0.1,
  wordCover: 0.35,
  bigramEntry: 0.3,
  bigramCover: 0.25,
};

export class VectorIndex {
  private readonly words: ChannelIndex;
  private readonly bigrams: ChannelIndex;
  private readonly nEntries: number;

  constructor(
    entries: readonly AnalyzedEntry[],
    private readonly weights: ScoreWeights = DEFAULT_WEIGHTS,
  ) {
    this.words = new ChannelIndex(entries, 'words');
    this.bigrams = new ChannelIndex(entries, 'bigrams');
    this.nEntries = entries.length;
  }

  get size(): number {
    return this.nEntries;
  }

  /** All score components per entry (fresh arrays); `exclude` is for leave-one-out calibration. */
  components(query: Analyzed, exclude?: Exclusion): Components {
    const n = this.nEntries;
    const w = { entryCos: new Float64Array(n), cover: new Float64Array(n) };
    const b = { entryCos: new Float64Array(n), cover: new Float64Array(n) };
    this.words.score(query, w, exclude);
    this.bigrams.score(query, b, exclude);
    return { wordEntry: w.entryCos, wordCover: w.cover, bigramEntry: b.entryCos, bigramCover: b.cover };
  }

  /**
   * Share of the query's words (IDF-weighted) that the KB has never seen: high for off-topic text
   * that merely shares a word with the KB (支付宝账户被冻结了). Words only: character bigrams that
   * straddle two words (天几, 点开) are unseen even in on-topic text. A calibration feature.
   */
  unknownShare(query: Analyzed, exclude?: Exclusion): number {
    return this.words.unknownShare(query, exclude);
  }

  /**
   * How specific the most specific curated KB word in the query is (0..1): normalised IDF of the
   * best query word found in a canonical question or keyword. 客户经理, 强赎, 佣金 score high;
   * incidental words from client variants (附近, 今天) are not curated and score 0.
   */
  anchorStrength(query: Analyzed): number {
    return this.words.anchorStrength(query);
  }

  /** Raw score per entry, in [0, 1]. */
  score(query: Analyzed): Float64Array {
    return combine(this.components(query), this.weights);
  }
}

export function combine(c: Components, w: ScoreWeights): Float64Array {
  const n = c.wordEntry.length;
  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    raw[i] =
      w.wordEntry * (c.wordEntry[i] as number) +
      w.wordCover * (c.wordCover[i] as number) +
      w.bigramEntry * (c.bigramEntry[i] as number) +
      w.bigramCover * (c.bigramCover[i] as number);
  }
  return raw;
}
