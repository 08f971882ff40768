import type { CorpusText } from './corpora';
import type { Utterance } from './dataset';
import {
  EmotionModel,
  NEGATIVE_MASK,
  maskOf,
  negativeProbability,
  type EmotionTrainOptions,
  type TrainingSample,
} from './emotion-model';
import { emotionFeatureStrings, hashFeatures } from './hashed-features';
import { EMOTIONS } from './labels';
import type { Preprocessor } from './preprocess';
import { seededRandom } from './random';
import { softmaxInPlace } from './sparse';

/**
 * Training recipe of the emotion model (used by scripts/train.ts): which texts with which
 * weights, the fixed options, k-fold out-of-fold predictions, temperature scaling and the
 * negative threshold. Everything is seeded: the same corpora give the same model file.
 */
/** Options and weights below were picked by comparing about a dozen settings on the dev report halves. */
export const EMOTION_TRAIN_OPTIONS: EmotionTrainOptions = { bits: 18, epochs: 3, learningRate: 0.2, l2: 1e-6, seed: 11 };

/** Per-source sample weights: the own brokerage utterances and general Weibo count more. */
export const SOURCE_WEIGHTS = { own: 8, 'smp-general': 4, 'smp-epidemic': 1, finfe: 2 } as const;
export const CV_FOLDS = 4;

export interface LabelledText {
  text: string;
  labels: number;
  source: keyof typeof SOURCE_WEIGHTS;
  /** The source's own label (corpus label or own emotion). */
  label: string;
}

export function fromCorpus(t: CorpusText): LabelledText {
  return { text: t.text, labels: t.labels, source: t.corpus, label: t.label };
}

export function fromOwn(u: Utterance): LabelledText {
  return { text: u.text, labels: maskOf(u.emotion), source: 'own', label: u.emotion };
}

export function toSamples(
  pre: Preprocessor,
  texts: readonly LabelledText[],
  bits = EMOTION_TRAIN_OPTIONS.bits,
): TrainingSample[] {
  return texts.map((t) => ({
    x: hashFeatures(emotionFeatureStrings(pre.run(t.text)), bits),
    labels: t.labels,
    weight: SOURCE_WEIGHTS[t.source],
  }));
}

/** Raw (uncalibrated) logits of every sample from a model that did not train on it. */
export function outOfFoldLogits(
  samples: readonly TrainingSample[],
  opts = EMOTION_TRAIN_OPTIONS,
  folds = CV_FOLDS,
): Float64Array[] {
  return outOfFold(samples, opts, folds).logits;
}

/**
 * The same, with each sample's fold and the fold models (model f never saw fold f), so that
 * other parts trained on the own utterances can be held out on the same folds (scripts/train.ts).
 */
export function outOfFold(
  samples: readonly TrainingSample[],
  opts = EMOTION_TRAIN_OPTIONS,
  folds = CV_FOLDS,
): { logits: Float64Array[]; fold: number[]; models: EmotionModel[] } {
  const rand = seededRandom(opts.seed + 1);
  const fold = samples.map(() => Math.floor(rand() * folds));
  const out: Float64Array[] = new Array(samples.length);
  const models: EmotionModel[] = [];
  for (let f = 0; f < folds; f++) {
    const model = EmotionModel.train(
      samples.filter((_, i) => fold[i] !== f),
      opts,
    );
    samples.forEach((s, i) => {
      if (fold[i] === f) out[i] = model.logits(s.x);
    });
    models.push(model);
  }
  return { logits: out, fold, models };
}

/**
 * The answerable-message threshold (policy answerableEmotionThresholds; one value for anxiety
 * and anger, step 0.01, 1 at most): the lowest at which the share of the own utterances labelled
 * "no escalation" that escalate for any reason stays within `budget`. `escalatesAt(t)` applies
 * the policy with that threshold to those utterances (out-of-fold readings).
 */
export function chooseAnswerableThreshold(escalatesAt: (t: number) => readonly boolean[], budget: number, from = 0.5): number {
  let t = Math.round(from * 100);
  const rate = (x: readonly boolean[]) => x.filter(Boolean).length / Math.max(1, x.length);
  while (t < 100 && rate(escalatesAt(t / 100)) > budget) t++;
  return t / 100;
}

export function probsAt(logits: Float64Array, temperature: number): Float64Array {
  const z = Float64Array.from(logits, (v) => v / temperature);
  return softmaxInPlace(z);
}

/** Mean negative log-likelihood of the label sets at a temperature. */
function nll(logits: readonly Float64Array[], masks: readonly number[], temperature: number): number {
  let sum = 0;
  logits.forEach((l, i) => {
    const p = probsAt(l, temperature);
    let inSet = 0;
    for (let k = 0; k < EMOTIONS.length; k++) if (masks[i]! & (1 << k)) inSet += p[k]!;
    sum -= Math.log(Math.max(inSet, 1e-12));
  });
  return sum / Math.max(1, logits.length);
}

/** Temperature scaling: the T in [0.2, 5] that minimises the NLL (golden-section search on ln T). */
export function fitTemperature(logits: readonly Float64Array[], masks: readonly number[]): number {
  let a = Math.log(0.2);
  let b = Math.log(5);
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 40; i++) {
    const c = b - phi * (b - a);
    const d = a + phi * (b - a);
    if (nll(logits, masks, Math.exp(c)) < nll(logits, masks, Math.exp(d))) b = d;
    else a = c;
  }
  return Math.round(Math.exp((a + b) / 2) * 1000) / 1000;
}

export interface BinaryScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export function binaryScore(truth: readonly boolean[], predicted: readonly boolean[]): BinaryScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  truth.forEach((t, i) => {
    if (t && predicted[i]) tp++;
    else if (!t && predicted[i]) fp++;
    else if (t && !predicted[i]) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { tp, fp, fn, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** The P(negative) threshold (0.20 … 0.80, step 0.01) with the best negative F1. */
export function chooseNegativeThreshold(probs: readonly Float64Array[], masks: readonly number[]): number {
  const truth = masks.map((m) => (m & ~NEGATIVE_MASK) === 0);
  let best = { t: 0.5, f1: -1 };
  for (let t = 0.2; t <= 0.8001; t += 0.01) {
    const f1 = binaryScore(
      truth,
      probs.map((p) => negativeProbability(p) >= t),
    ).f1;
    if (f1 > best.f1) best = { t: Math.round(t * 100) / 100, f1 };
  }
  return best.t;
}

/**
 * Escalation thresholds on calibrated intensity, chosen on out-of-fold predictions of
 * neutral/happy SMP texts for a stated false-escalation rate: `otherEscalates[i]` says whether
 * the policy escalates text i for another reason (complaint words, explicit request …). The
 * anger/anxiety threshold (one value for both, step 0.01) is the lowest at which the share of
 * those texts escalated for any reason stays within `totalBudget − sadBudget`; the sad threshold
 * the lowest whose sadness escalations stay within `sadBudget` (sadness alone is not an
 * escalation target).
 */
export function chooseEmotionThresholds(
  readings: ReadonlyArray<{ emotion: string; intensity: number }>,
  otherEscalates: readonly boolean[],
  totalBudget: number,
  sadBudget: number,
): { anxious: number; angry: number; sad: number } {
  const n = Math.max(1, readings.length);
  const rate = (pick: (r: { emotion: string; intensity: number }, i: number) => boolean) => readings.filter(pick).length / n;
  // Whole hundredths, so that the threshold written is the one that was checked.
  let t = 30;
  const angerOrOther = (r: { emotion: string; intensity: number }, i: number) =>
    otherEscalates[i] === true || ((r.emotion === 'angry' || r.emotion === 'anxious') && r.intensity >= t / 100);
  while (t < 99 && rate(angerOrOther) > totalBudget - sadBudget) t++;
  let s = 30;
  while (s < 99 && rate((r) => r.emotion === 'sad' && r.intensity >= s / 100) > sadBudget) s++;
  return { anxious: t / 100, angry: t / 100, sad: s / 100 };
}
