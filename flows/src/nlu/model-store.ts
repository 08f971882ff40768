import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TRAIN_PATH } from './dataset';
import { INTENT_KEYWORDS_PATH } from './intent-keywords';
import { intentTrainingExtras } from './intent-extras';
import { EMOTIONS, INTENT_IDS } from './labels';
import { LEXICON_PATH, MODIFIERS_PATH } from './lexicon';
import type { NluModels } from './model';
import { NLU_DATA_DIR } from './paths';
import { FINANCE_DICT_PATH } from './segment';
import { TextClassifier, type TextClassifierJSON } from './text-classifier';
import { FeatureIndex } from './vectorizer';

/**
 * The trained models, stored in flows/data/nlu/model.json so that start-up does not pay for
 * feature extraction and training (~0.8 s of CPU on this machine, several seconds when the
 * 2 cores are shared; loading the file takes ~0.1 s).
 *
 * The file records a fingerprint of everything training depends on: the train split, the
 * lexicon and keyword files, the jieba dictionary, the package versions of jieba and natural,
 * and the source files below. When anything differs, Nlu.load() silently trains at start-up
 * instead, so a stale file can never change behaviour — only make start-up slower. Regenerate
 * with `node scripts/run-ts.mjs flows/src/nlu/tools/train.ts`; a jest test fails while the
 * stored model is stale.
 */
export const MODEL_PATH = path.join(NLU_DATA_DIR, 'model.json');
const FORMAT = 1;

/** Source files whose behaviour shapes the features or the training. */
const TRAINING_SOURCES = [
  'normalize.ts',
  'traditional.ts',
  'injection.ts',
  'segment.ts',
  'units.ts',
  'lexicon.ts',
  'lexicon-score.ts',
  'sarcasm.ts',
  'patterns.ts',
  'cues.ts',
  'features.ts',
  'intent-keywords.ts',
  'preprocess.ts',
  'vectorizer.ts',
  'text-classifier.ts',
  'logreg.ts',
  'naive-bayes.ts',
  'model.ts',
  'kb-utterances.ts',
  'intent-extras.ts',
  'dataset.ts',
  'labels.ts',
  'sparse.ts',
  'random.ts',
  'binary.ts',
].map((f) => path.join(__dirname, f));

const PACKAGES = ['@node-rs/jieba/package.json', 'natural/package.json'];

interface StoredModels {
  format: number;
  fingerprint: string;
  features: string[];
  emotion: TextClassifierJSON;
  intent: TextClassifierJSON;
}

function packageVersion(spec: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(spec), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return 'missing';
  }
}

/** Hash of every input of training, in a fixed order. */
export function trainingFingerprint(): string {
  const h = createHash('sha256').update(`format ${FORMAT}\n`);
  for (const file of [TRAIN_PATH, LEXICON_PATH, MODIFIERS_PATH, INTENT_KEYWORDS_PATH, FINANCE_DICT_PATH, ...TRAINING_SOURCES]) {
    h.update(`${path.basename(file)}\n`);
    h.update(existsSync(file) ? readFileSync(file) : 'missing');
  }
  // The knowledge base's questions and the training-only supplement the intent classifier
  // learns from (answers may change freely).
  h.update(`kb ${JSON.stringify(intentTrainingExtras())}\n`);
  for (const p of PACKAGES) h.update(`${p} ${packageVersion(p)}\n`);
  return h.digest('hex');
}

export function serializeModels(models: NluModels, fingerprint = trainingFingerprint()): string {
  const stored: StoredModels = {
    format: FORMAT,
    fingerprint,
    features: models.index.features(),
    emotion: models.emotion.toJSON(),
    intent: models.intent.toJSON(),
  };
  return JSON.stringify(stored) + '\n';
}

export function writeStoredModels(models: NluModels, file = MODEL_PATH): void {
  writeFileSync(file, serializeModels(models));
}

/** The stored models when they match the current inputs, otherwise null. */
export function loadStoredModels(file = MODEL_PATH, fingerprint = trainingFingerprint()): NluModels | null {
  if (!existsSync(file)) return null;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredModels;
    if (stored.format !== FORMAT || stored.fingerprint !== fingerprint) return null;
    return {
      index: FeatureIndex.fromFeatures(stored.features),
      emotion: TextClassifier.fromJSON(stored.emotion, EMOTIONS),
      intent: TextClassifier.fromJSON(stored.intent, INTENT_IDS),
    };
  } catch {
    return null;
  }
}
