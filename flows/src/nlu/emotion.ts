import { EMOTIONS, isNegativeEmotion, type Emotion } from './labels';
import { emptyScores } from './lexicon-score';
import type { Preprocessed } from './preprocess';
import { argmax, softmaxInPlace } from './sparse';

/**
 * Emotion decision: the trained classifier's probabilities and the lexicon evidence are
 * combined log-linearly,
 *     score[e] = clfWeight * coverage * ln P_clf(e) + lexWeight * lexicon[e] (+ cue evidence)
 * so that strong general-language evidence (气死我了, 非常失望, [泪]) wins over a classifier
 * that has only seen brokerage talk, while domain phrasing the lexicon cannot know
 * (钱怎么还没到, 三天了还没处理) comes from the classifier. `coverage` is the share of the
 * message's units the classifier saw in training: out-of-domain text leans on the lexicon.
 */
export interface EmotionParams {
  clfWeight: number;
  lexWeight: number;
  /** ??? with no other evidence counts as this much anger. */
  questionBurst: number;
  /** Added to calm in proportion to the units the classifier never saw (1 - coverage). */
  oodCalm: number;
  /**
   * Added to calm when the message has neither lexicon evidence nor any brokerage keyword:
   * the classifier alone then only knows brokerage talk and guesses (a book review read as
   * sad), so it must be sure to override calm.
   */
  noEvidenceCalm: number;
}

export const DEFAULT_EMOTION_PARAMS: EmotionParams = {
  clfWeight: 1,
  lexWeight: 5,
  questionBurst: 0.35,
  oodCalm: 1.5,
  noEvidenceCalm: 2,
};

export interface EmotionOutcome {
  emotion: Emotion;
  negative: boolean;
  intensity: number;
  /** Combined posterior per emotion (rounded, for evidence). */
  posterior: Record<Emotion, number>;
  /** The same posterior unrounded, in EMOTIONS order (input of the emotion-model blend). */
  probs: Float64Array;
  /** Lexicon + cue evidence per emotion. */
  evidence: Record<Emotion, number>;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const CALM = EMOTIONS.indexOf('calm');

// Intent keywords of the social intents (你好, 谢谢, 好的 …) say nothing about the domain.
const SOCIAL = new Set(['k:greeting', 'k:thanks', 'k:goodbye', 'k:acknowledgement', 'k:chitchat', 'k:loss_concern']);
const isDomainKeyword = (f: string) => f.startsWith('k:') && !SOCIAL.has(f);

export function cueEvidence(pre: Preprocessed, params: EmotionParams): Record<Emotion, number> {
  const ev = { ...pre.lex.scores };
  const negative = ev.angry + ev.anxious + ev.sad;
  if (pre.cues.question >= 2) {
    if (ev.anxious > ev.angry) ev.anxious += params.questionBurst * 0.6;
    else ev.angry += negative > 0 ? params.questionBurst * 0.6 : params.questionBurst;
  }
  if (pre.cues.exclamation >= 2 && negative > 0) {
    for (const e of ['angry', 'anxious', 'sad'] as const) ev[e] *= pre.cues.exclamation >= 3 ? 1.3 : 1.15;
  }
  if (pre.cues.repetition.length && negative > 0) {
    for (const e of ['angry', 'anxious', 'sad'] as const) ev[e] *= 1.15;
  }
  return ev;
}

export function decideEmotion(
  pre: Preprocessed,
  clfProbs: ArrayLike<number>,
  coverage: number,
  params = DEFAULT_EMOTION_PARAMS,
): EmotionOutcome {
  const evidence = cueEvidence(pre, params);
  const z = new Float64Array(EMOTIONS.length);
  EMOTIONS.forEach((e, k) => {
    z[k] = params.clfWeight * coverage * Math.log((clfProbs[k] ?? 0) + 1e-4) + params.lexWeight * evidence[e];
  });
  z[CALM] = (z[CALM] ?? 0) + params.oodCalm * (1 - coverage);
  const evidenceTotal = evidence.anxious + evidence.angry + evidence.sad + evidence.positive;
  if (evidenceTotal === 0 && !pre.features.some(isDomainKeyword)) z[CALM] = (z[CALM] ?? 0) + params.noEvidenceCalm;
  softmaxInPlace(z);
  const emotion = EMOTIONS[argmax(z)] ?? 'calm';
  const posterior = emptyScores();
  EMOTIONS.forEach((e, k) => (posterior[e] = round2(z[k] ?? 0)));
  return {
    emotion,
    negative: isNegativeEmotion(emotion),
    intensity: intensityOf(emotion, pre, evidence, z[EMOTIONS.indexOf(emotion)] ?? 0),
    posterior,
    probs: z,
    evidence,
  };
}

/**
 * 0..1 strength of the chosen emotion (calm is 0): lexicon strength (saturating), the
 * combined probability, and arousal cues — !!/!!!, ??/???, repetition, long bursts.
 */
export function intensityOf(emotion: Emotion, pre: Preprocessed, evidence: Record<Emotion, number>, probability: number): number {
  if (emotion === 'calm') return 0;
  const lexPart = 1 - Math.exp(-evidence[emotion]);
  let x = 0.1 + 0.55 * lexPart + 0.2 * probability;
  const { cues } = pre;
  if (cues.exclamation >= 3) x += 0.2;
  else if (cues.exclamation === 2) x += 0.12;
  else if (cues.exclamation === 1) x += 0.04;
  if (cues.question >= 3) x += 0.15;
  else if (cues.question === 2) x += 0.1;
  if (cues.repetition.length) x += 0.1;
  if (cues.lengthBurst) x += 0.06;
  if (emotion === 'sad' && cues.ellipsis) x += 0.04;
  return Math.min(1, Math.max(0, round2(x)));
}
