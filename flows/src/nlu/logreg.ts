import { base64ToF64, f32ToBase64 } from './binary';
import { seededRandom } from './random';
import { softmaxInPlace, type SparseVector } from './sparse';

/**
 * Multinomial (softmax) logistic regression on sparse vectors, trained with AdaGrad SGD and
 * L2 regularisation (applied to the weights a sample touches). Written here because
 * natural's LogisticRegressionClassifier builds a dense 0/1 vector over the whole vocabulary
 * for every document and trains one-vs-rest by batch gradient descent: measured on our train
 * split (see scripts/eval.ts --natural) it takes minutes where this takes well under a second.
 */
/** Gradients smaller than this are skipped. */
const SKIP_GRADIENT = 1e-3;

export interface LogRegOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  /** Per-class loss weights (e.g. balanced: n / (k * n_c)). */
  classWeights?: Float64Array;
  seed: number;
}

export interface LogRegJSON {
  nFeatures: number;
  nClasses: number;
  /** Float32 weights, base64. */
  weights: string;
  bias: number[];
}

export class SoftmaxRegression {
  readonly weights: Float64Array;
  readonly bias: Float64Array;

  constructor(
    readonly nFeatures: number,
    readonly nClasses: number,
  ) {
    this.weights = new Float64Array(nFeatures * nClasses);
    this.bias = new Float64Array(nClasses);
  }

  logits(x: SparseVector, out = new Float64Array(this.nClasses)): Float64Array {
    const K = this.nClasses;
    out.set(this.bias);
    for (let j = 0; j < x.idx.length; j++) {
      const f = x.idx[j] ?? 0;
      const v = x.val[j] ?? 0;
      const base = f * K;
      for (let k = 0; k < K; k++) out[k] = (out[k] ?? 0) + v * (this.weights[base + k] ?? 0);
    }
    return out;
  }

  predict(x: SparseVector): Float64Array {
    return softmaxInPlace(this.logits(x));
  }

  train(X: readonly SparseVector[], y: readonly number[], opts: LogRegOptions): void {
    const K = this.nClasses;
    const gW = new Float64Array(this.weights.length).fill(1e-8);
    const gB = new Float64Array(K).fill(1e-8);
    const order = X.map((_, i) => i);
    const rand = seededRandom(opts.seed);
    const p = new Float64Array(K);
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
      }
      for (const n of order) {
        const x = X[n];
        const label = y[n];
        if (!x || label === undefined) continue;
        this.logits(x, p);
        softmaxInPlace(p);
        const cw = opts.classWeights?.[label] ?? 1;
        for (let k = 0; k < K; k++) {
          const g = cw * ((p[k] ?? 0) - (k === label ? 1 : 0));
          // Classes the model already rules out contribute nothing worth an update (sparse
          // softmax updates: most of the 37 intents after the first epochs).
          if (g > -SKIP_GRADIENT && g < SKIP_GRADIENT) continue;
          gB[k] = (gB[k] ?? 0) + g * g;
          this.bias[k] = (this.bias[k] ?? 0) - (opts.learningRate * g) / Math.sqrt(gB[k] ?? 1);
          for (let j = 0; j < x.idx.length; j++) {
            const w = (x.idx[j] ?? 0) * K + k;
            const grad = g * (x.val[j] ?? 0) + opts.l2 * (this.weights[w] ?? 0);
            gW[w] = (gW[w] ?? 0) + grad * grad;
            this.weights[w] = (this.weights[w] ?? 0) - (opts.learningRate * grad) / Math.sqrt(gW[w] ?? 1);
          }
        }
      }
    }
  }

  toJSON(): LogRegJSON {
    return { nFeatures: this.nFeatures, nClasses: this.nClasses, weights: f32ToBase64(this.weights), bias: [...this.bias] };
  }

  static fromJSON(j: LogRegJSON): SoftmaxRegression {
    const m = new SoftmaxRegression(j.nFeatures, j.nClasses);
    m.weights.set(base64ToF64(j.weights));
    m.bias.set(j.bias);
    return m;
  }
}
