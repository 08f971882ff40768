import TfIdf from 'natural/lib/natural/tfidf/tfidf';
import { base64ToF64, f32ToBase64 } from './binary';
import type { SparseVector } from './sparse';

/**
 * Feature vocabulary (shared by the emotion and intent models, so a message is looked up
 * once) and class-based TF-IDF weighting.
 *
 * IDF comes from natural's TfIdf, fed with our already-segmented token arrays (its own
 * tokenizer returns [] for Chinese, measured), one document per class (all training features
 * of that label concatenated): idf = 1 + ln(K / (1 + number of classes using the feature)).
 * Features spread over every class (的, 我, 吗) weigh little, class-specific ones (强平, 销户)
 * most. Per-utterance documents are not used because natural's idf() rescans every document
 * for every term: measured 10 s for 8k features × 1.3k utterances, versus ~30 ms with K ≤ 37.
 * Class IDF also beat no IDF by 5 points of intent accuracy in 4-fold CV on the train split.
 */
export interface TermCounts {
  idx: Int32Array;
  /** 1 + ln(term frequency). */
  logTf: Float64Array;
}

export class FeatureIndex {
  private readonly scratch = new Map<number, number>();

  private constructor(private readonly index: ReadonlyMap<string, number>) {}

  get size(): number {
    return this.index.size;
  }

  /** Features seen in at least `minDocs` training documents. */
  static fit(docs: readonly (readonly string[])[], minDocs = 1): FeatureIndex {
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
    const kept = [...df].filter(([, n]) => n >= minDocs).map(([f]) => f);
    return new FeatureIndex(new Map(kept.sort().map((f, i) => [f, i])));
  }

  /** Known features of a message with their sublinear term frequency; unknown ones dropped. */
  counts(tokens: readonly string[]): TermCounts {
    // One scratch map per index, cleared per call: analyze() runs at ~10k calls/s and a
    // fresh Map each time was a visible share of the garbage-collection time.
    const tf = this.scratch;
    tf.clear();
    for (const t of tokens) {
      const i = this.index.get(t);
      if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
    }
    const idx = new Int32Array(tf.size);
    const logTf = new Float64Array(tf.size);
    let k = 0;
    for (const [i, n] of tf) {
      idx[k] = i;
      logTf[k] = 1 + Math.log(n);
      k++;
    }
    return { idx, logTf };
  }

  /** Share of the tokens the training data has seen (an out-of-domain signal). */
  coverage(tokens: readonly string[]): number {
    if (!tokens.length) return 0;
    let known = 0;
    for (const t of tokens) if (this.index.has(t)) known++;
    return known / tokens.length;
  }

  features(): string[] {
    const out: string[] = [];
    for (const [f, i] of this.index) out[i] = f;
    return out;
  }

  static fromFeatures(features: readonly string[]): FeatureIndex {
    return new FeatureIndex(new Map(features.map((f, i) => [f, i])));
  }
}

export class Vectorizer {
  private constructor(private readonly idf: Float64Array) {}

  /**
   * Class-document IDF over the index, via natural's TfIdf. Features for which `exclude`
   * returns true get weight 0, i.e. this model ignores them.
   */
  static fit(
    index: FeatureIndex,
    docs: readonly (readonly string[])[],
    labels: readonly string[],
    exclude?: (feature: string) => boolean,
  ): Vectorizer {
    const byClass = new Map<string, string[]>();
    docs.forEach((d, i) => {
      const label = labels[i] ?? '';
      const classDoc = byClass.get(label) ?? [];
      for (const t of d) classDoc.push(t);
      byClass.set(label, classDoc);
    });
    const tfidf = new TfIdf();
    for (const classDoc of byClass.values()) tfidf.addDocument(classDoc);
    const idf = new Float64Array(index.size);
    index.features().forEach((f, i) => (idf[i] = exclude?.(f) ? 0 : tfidf.idf(f)));
    return new Vectorizer(idf);
  }

  toJSON(): string {
    return f32ToBase64(this.idf);
  }

  static fromJSON(idf: string): Vectorizer {
    return new Vectorizer(base64ToF64(idf));
  }

  /** (1 + ln tf) * idf per feature, L2-normalised. */
  vector(c: TermCounts): SparseVector {
    const val = new Float64Array(c.idx.length);
    let norm = 0;
    for (let k = 0; k < val.length; k++) {
      const v = (c.logTf[k] ?? 0) * (this.idf[c.idx[k] ?? 0] ?? 1);
      val[k] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < val.length; k++) val[k] = (val[k] ?? 0) / norm;
    return { idx: c.idx, val };
  }
}
