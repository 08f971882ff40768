import type { Utterance } from './dataset';
import { intentTrainingExtras } from './intent-extras';
import type { KbUtterance } from './kb-utterances';
import { EMOTIONS, INTENT_IDS, type Emotion, type IntentId } from './labels';
import type { Preprocessor } from './preprocess';
import { TextClassifier, type TrainOptions } from './text-classifier';
import { FeatureIndex } from './vectorizer';

/**
 * The two trained classifiers over one shared feature index with per-task class-IDF
 * weighting: emotion = softmax regression (balanced class weights), intent = multinomial
 * naive Bayes. Training on the shipped split takes a few hundred ms of CPU, so the models are
 * trained at start-up from train.jsonl rather than shipped as a serialized blob that could
 * drift from the data and the feature code.
 */
export interface NluModels {
  index: FeatureIndex;
  emotion: TextClassifier<Emotion>;
  intent: TextClassifier<IntentId>;
}

export const EMOTION_TRAINING: TrainOptions = {
  algorithm: 'logreg',
  epochs: 10,
  learningRate: 0.4,
  l2: 1e-4,
  seed: 7,
  balanced: true,
};
export const INTENT_TRAINING: TrainOptions = { algorithm: 'naive-bayes', alpha: 0.7, temperature: 0.25, uniformPrior: true };

/**
 * The intent classifier also learns from the knowledge base's questions and variants and the
 * training-only supplement (intent-extras.ts; `extraIntent`, default all of them). The emotion
 * classifier learns from the labelled utterances only.
 */
export function trainModels(
  pre: Preprocessor,
  data: readonly Utterance[],
  opts?: { emotion?: TrainOptions; intent?: TrainOptions; extraIntent?: readonly KbUtterance[] },
): NluModels {
  const docs = data.map((u) => pre.run(u.text).features);
  const extra = opts?.extraIntent ?? intentTrainingExtras();
  const extraDocs = extra.map((u) => pre.run(u.text).features);
  const index = FeatureIndex.fit([...docs, ...extraDocs]);
  const counts = docs.map((d) => index.counts(d));
  return {
    index,
    emotion: TextClassifier.train(
      index,
      docs,
      counts,
      data.map((u) => u.emotion),
      EMOTIONS,
      opts?.emotion ?? EMOTION_TRAINING,
    ),
    intent: TextClassifier.train(
      index,
      [...docs, ...extraDocs],
      [...counts, ...extraDocs.map((d) => index.counts(d))],
      [...data.map((u) => u.intent), ...extra.map((u) => u.intent)],
      INTENT_IDS,
      opts?.intent ?? INTENT_TRAINING,
    ),
  };
}
