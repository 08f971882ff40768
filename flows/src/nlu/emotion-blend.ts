import type { EmotionModel } from './emotion-model';
import { NEGATIVE_INDICES, negativeProbability } from './emotion-model';
import { EMOTIONS, type Emotion } from './labels';
import { softmaxInPlace } from './sparse';

/**
 * The emotion the NLU reports: the public-corpus model (emotion-model.ts) and the brokerage
 * lexicon + classifier posterior (emotion.ts) combined as a product of experts,
 *     score[e] = logit_model[e] + w · ln P_lexicon+classifier(e),
 *     w = oldWeight (+ lexiconWeight when the lexicon resolved a negated sentiment word:
 *         its negation scope — 没失望, 不是很满意, 不担心 — is what n-grams get wrong)
 *     P(e)     = softmax(score / temperature)
 * with the weights, `temperature` and the negative threshold stored in the model file and
 * fitted by `npm run train` on out-of-fold predictions (scripts/train.ts). P is calibrated:
 * `intensity` is P(emotion) of the reported emotion (0 for calm), so the escalation policy's
 * thresholds are probabilities, chosen for a stated false-escalation rate.
 */
export interface EmotionReading {
  emotion: Emotion;
  negative: boolean;
  /** Calibrated probability of `emotion`; 0 for calm. */
  intensity: number;
  /** Calibrated probabilities in EMOTIONS order. */
  probs: Float64Array;
}

export function blendedScores(modelLogits: ArrayLike<number>, oldProbs: ArrayLike<number>, oldWeight: number): Float64Array {
  const z = new Float64Array(EMOTIONS.length);
  for (let k = 0; k < z.length; k++) z[k] = (modelLogits[k] ?? 0) + oldWeight * Math.log((oldProbs[k] ?? 0) + 1e-4);
  return z;
}

export function calibratedProbs(scores: ArrayLike<number>, temperature: number): Float64Array {
  return softmaxInPlace(Float64Array.from(scores, (v) => v / temperature));
}

const CALM = EMOTIONS.indexOf('calm');
const POSITIVE = EMOTIONS.indexOf('positive');

/** Negative when P(anxious ∪ angry ∪ sad) ≥ the threshold; then the likeliest of the three. */
export function readEmotion(probs: Float64Array, negativeThreshold: number): EmotionReading {
  const negative = negativeProbability(probs) >= negativeThreshold;
  const candidates = negative ? NEGATIVE_INDICES : [CALM, POSITIVE];
  let best = candidates[0] ?? CALM;
  for (const k of candidates) if ((probs[k] ?? 0) > (probs[best] ?? 0)) best = k;
  const emotion = EMOTIONS[best] ?? 'calm';
  const intensity = emotion === 'calm' ? 0 : Math.round((probs[best] ?? 0) * 100) / 100;
  return { emotion, negative, intensity, probs };
}

export function blendedEmotion(
  model: EmotionModel,
  modelLogits: ArrayLike<number>,
  oldProbs: ArrayLike<number>,
  negation: boolean,
): EmotionReading {
  const scores = blendedScores(modelLogits, oldProbs, model.oldWeight + (negation ? model.lexiconWeight : 0));
  return readEmotion(calibratedProbs(scores, model.temperature), model.negativeThreshold);
}
