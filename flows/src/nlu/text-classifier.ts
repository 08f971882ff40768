import { SoftmaxRegression, type LogRegJSON, type LogRegOptions } from './logreg';
import { MultinomialNB, type NaiveBayesJSON } from './naive-bayes';
import { argmax } from './sparse';
import { Vectorizer, type FeatureIndex, type TermCounts } from './vectorizer';

/**
 * Class-IDF weighting plus a probabilistic model over a fixed label list: softmax logistic
 * regression (emotion) or multinomial naive Bayes (intent — as accurate as the regression
 * in 4-fold CV, 0.838 vs 0.827, and it trains in one counting pass instead of ~0.2 s).
 */
export interface Prediction<L extends string> {
  label: L;
  confidence: number;
  probs: Float64Array;
}

interface Common {
  /** Feature prefixes this model ignores (e.g. length buckets for emotion). */
  excludePrefixes?: readonly string[];
}
export type TrainOptions =
  | (Common & LogRegOptions & { algorithm: 'logreg'; balanced?: boolean })
  | (Common & { algorithm: 'naive-bayes'; alpha: number; temperature: number; uniformPrior: boolean });

type Model = SoftmaxRegression | MultinomialNB;

export interface TextClassifierJSON {
  labels: string[];
  idf: string;
  model: ({ kind: 'logreg' } & LogRegJSON) | ({ kind: 'naive-bayes' } & NaiveBayesJSON);
}

export class TextClassifier<L extends string> {
  constructor(
    readonly labels: readonly L[],
    readonly vectorizer: Vectorizer,
    readonly model: Model,
  ) {}

  static train<L extends string>(
    index: FeatureIndex,
    docs: readonly (readonly string[])[],
    counts: readonly TermCounts[],
    y: readonly L[],
    labels: readonly L[],
    opts: TrainOptions,
  ): TextClassifier<L> {
    const skip = opts.excludePrefixes;
    const vectorizer = Vectorizer.fit(index, docs, y, skip?.length ? (f) => skip.some((p) => f.startsWith(p)) : undefined);
    const X = counts.map((c) => vectorizer.vector(c));
    const yi = y.map((l) => labels.indexOf(l));
    if (yi.some((i) => i < 0)) throw new Error('label outside the label list');
    if (opts.algorithm === 'naive-bayes') {
      const nb = new MultinomialNB(index.size, labels.length);
      nb.train(X, yi, opts.alpha, opts.uniformPrior);
      nb.temperature = opts.temperature;
      return new TextClassifier(labels, vectorizer, nb);
    }
    const model = new SoftmaxRegression(index.size, labels.length);
    let classWeights: Float64Array | undefined;
    if (opts.balanced) {
      const n = new Float64Array(labels.length);
      for (const i of yi) n[i] = (n[i] ?? 0) + 1;
      // Square root of the balanced weights n / (k * n_c): minority emotions count more
      // without making the majority class (calm) unusable.
      classWeights = n.map((c) => (c ? Math.sqrt(yi.length / (labels.length * c)) : 0));
    }
    model.train(X, yi, { ...opts, ...(classWeights ? { classWeights } : {}) });
    return new TextClassifier(labels, vectorizer, model);
  }

  toJSON(): TextClassifierJSON {
    const model =
      this.model instanceof MultinomialNB
        ? { kind: 'naive-bayes' as const, ...this.model.toJSON() }
        : { kind: 'logreg' as const, ...this.model.toJSON() };
    return { labels: [...this.labels], idf: this.vectorizer.toJSON(), model };
  }

  static fromJSON<L extends string>(j: TextClassifierJSON, labels: readonly L[]): TextClassifier<L> {
    if (j.labels.join() !== labels.join()) throw new Error('stored model has different labels');
    const { kind, ...rest } = j.model;
    const model =
      kind === 'naive-bayes' ? MultinomialNB.fromJSON(rest as NaiveBayesJSON) : SoftmaxRegression.fromJSON(rest as LogRegJSON);
    return new TextClassifier(labels, Vectorizer.fromJSON(j.idf), model);
  }

  predict(counts: TermCounts): Prediction<L> {
    const probs = this.model.predict(this.vectorizer.vector(counts));
    const best = argmax(probs);
    return { label: this.labels[best] as L, confidence: probs[best] ?? 0, probs };
  }
}
