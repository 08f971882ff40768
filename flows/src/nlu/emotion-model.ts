import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EMOTIONS, type Emotion } from './labels';
import { float32View } from './intent-model';
import { seededRandom } from './random';
import { softmaxInPlace, type SparseVector } from './sparse';

/**
 * The emotion model: multinomial logistic regression over hashed character/word n-grams
 * (hashed-features.ts), trained by `npm run train` (scripts/train.ts) on public Chinese
 * corpora (SMP2020-EWECT, FinFE) plus the project's own brokerage utterances, and stored in
 * flows/models/emotion.bin. Its probabilities are calibrated (temperature scaling fitted on
 * out-of-fold predictions), so P(angry) = 0.8 means "angry about 80 % of the time" on data
 * like the training corpora. The NLU blends it with the lexicon (emotion-blend.ts).
 *
 * Labels may be sets: a FinFE "negative" post is anxious, angry or sad without saying which,
 * so its loss is −ln P(anxious ∪ angry ∪ sad) and the model spreads it over the three.
 */
export const EMOTION_MODEL_PATH = path.join(__dirname, '..', '..', 'models', 'emotion.bin');

const MAGIC = 'BBEMO1';
const K = EMOTIONS.length;
export const NEGATIVE_INDICES = [EMOTIONS.indexOf('anxious'), EMOTIONS.indexOf('angry'), EMOTIONS.indexOf('sad')];

/** A bit per EMOTIONS index. */
export type LabelMask = number;
export const maskOf = (...emotions: Emotion[]): LabelMask => emotions.reduce((m, e) => m | (1 << EMOTIONS.indexOf(e)), 0);
export const NEGATIVE_MASK = maskOf('anxious', 'angry', 'sad');

export interface TrainingSample {
  x: SparseVector;
  labels: LabelMask;
  weight: number;
}

export interface EmotionTrainOptions {
  bits: number;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

/** Everything besides the weights: how the model was made and how it is read. */
export interface EmotionModelMeta {
  bits: number;
  bias: number[];
  /** Weight of the lexicon + classifier posterior in the blend (emotion-blend.ts). */
  oldWeight: number;
  /** Added to oldWeight when the lexicon resolved a negated sentiment word (不担心, 没失望). */
  lexiconWeight?: number;
  /** Blended scores are divided by this before the softmax (fitted on out-of-fold predictions). */
  temperature: number;
  /** The message is negative when P(anxious) + P(angry) + P(sad) ≥ this. */
  negativeThreshold: number;
  /** Free-form provenance: corpora, sizes, options, dev figures. */
  provenance?: unknown;
}

export class EmotionModel {
  readonly weights: Float32Array;
  readonly bias: Float64Array;
  oldWeight = 0;
  lexiconWeight = 0;
  temperature = 1;
  negativeThreshold = 0.5;
  provenance: unknown = undefined;

  constructor(
    readonly bits: number,
    weights?: Float32Array,
  ) {
    this.weights = weights ?? new Float32Array((1 << bits) * K);
    this.bias = new Float64Array(K);
  }

  logits(x: SparseVector, out = new Float64Array(K)): Float64Array {
    out.set(this.bias);
    const w = this.weights;
    for (let j = 0; j < x.idx.length; j++) {
      const base = x.idx[j]! * K;
      const v = x.val[j]!;
      for (let k = 0; k < K; k++) out[k] = out[k]! + v * w[base + k]!;
    }
    return out;
  }

  /** The model's own (uncalibrated) probabilities over EMOTIONS; the NLU uses the blend. */
  predict(x: SparseVector): Float64Array {
    return softmaxInPlace(this.logits(x));
  }

  static train(samples: readonly TrainingSample[], opts: EmotionTrainOptions): EmotionModel {
    const m = new EmotionModel(opts.bits);
    const W = m.weights;
    const B = m.bias;
    const gW = new Float32Array(W.length).fill(1e-6);
    const gB = new Float64Array(K).fill(1e-6);
    const order = samples.map((_, i) => i);
    const rand = seededRandom(opts.seed);
    const p = new Float64Array(K);
    const g = new Float64Array(K);
    const lr = opts.learningRate;
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const n of order) {
        const s = samples[n]!;
        m.logits(s.x, p);
        softmaxInPlace(p);
        let inSet = 0;
        for (let k = 0; k < K; k++) if (s.labels & (1 << k)) inSet += p[k]!;
        inSet = Math.max(inSet, 1e-12);
        for (let k = 0; k < K; k++) g[k] = s.weight * (p[k]! - (s.labels & (1 << k) ? p[k]! / inSet : 0));
        for (let k = 0; k < K; k++) {
          const gk = g[k]!;
          if (gk > -1e-4 && gk < 1e-4) continue;
          gB[k] = gB[k]! + gk * gk;
          B[k] = B[k]! - (lr * gk) / Math.sqrt(gB[k]!);
          for (let j = 0; j < s.x.idx.length; j++) {
            const w = s.x.idx[j]! * K + k;
            const grad = gk * s.x.val[j]! + opts.l2 * W[w]!;
            gW[w] = gW[w]! + grad * grad;
            W[w] = W[w]! - (lr * grad) / Math.sqrt(gW[w]!);
          }
        }
      }
    }
    return m;
  }

  meta(): EmotionModelMeta {
    return {
      bits: this.bits,
      bias: [...this.bias],
      oldWeight: this.oldWeight,
      lexiconWeight: this.lexiconWeight,
      temperature: this.temperature,
      negativeThreshold: this.negativeThreshold,
      provenance: this.provenance,
    };
  }

  /** MAGIC, a 4-byte header length, the JSON header, padding to 4 bytes, Float32 weights. */
  serialize(): Buffer {
    const header = Buffer.from(JSON.stringify(this.meta()), 'utf8');
    const head = Buffer.alloc(MAGIC.length + 4);
    head.write(MAGIC, 0, 'ascii');
    head.writeUInt32LE(header.length, MAGIC.length);
    const pad = Buffer.alloc((4 - ((head.length + header.length) % 4)) % 4, 0x20);
    return Buffer.concat([head, header, pad, Buffer.from(this.weights.buffer, this.weights.byteOffset, this.weights.byteLength)]);
  }

  save(file = EMOTION_MODEL_PATH): void {
    writeFileSync(file, this.serialize());
  }

  static deserialize(buf: Buffer): EmotionModel {
    if (buf.toString('ascii', 0, MAGIC.length) !== MAGIC) throw new Error('not an emotion model file');
    const len = buf.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    const meta = JSON.parse(buf.toString('utf8', start, start + len)) as EmotionModelMeta;
    let offset = start + len;
    offset += (4 - (offset % 4)) % 4;
    const n = (1 << meta.bits) * K;
    if (buf.length - offset !== n * 4) throw new Error('emotion model file is truncated');
    const weights = float32View(buf, offset, n);
    const m = new EmotionModel(meta.bits, weights);
    m.bias.set(meta.bias);
    m.oldWeight = meta.oldWeight;
    m.lexiconWeight = meta.lexiconWeight ?? 0;
    m.temperature = meta.temperature;
    m.negativeThreshold = meta.negativeThreshold;
    m.provenance = meta.provenance;
    return m;
  }

  static load(file = EMOTION_MODEL_PATH): EmotionModel | null {
    return existsSync(file) ? EmotionModel.deserialize(readFileSync(file)) : null;
  }
}

/** P(anxious) + P(angry) + P(sad). */
export function negativeProbability(p: ArrayLike<number>): number {
  return NEGATIVE_INDICES.reduce((s, k) => s + (p[k] ?? 0), 0);
}
