import { loadSupplement } from './dataset';
import { kbUtterances, type KbUtterance } from './kb-utterances';

/**
 * Extra intent training text beyond the own train split: the knowledge base's questions and
 * variants (kb-utterances.ts) and the training-only supplement (flows/data/nlu/supplement,
 * hand-written for confusable intent pairs). Both intent classifiers (naive Bayes and the
 * hashed-feature model) learn from them; the emotion classifiers and the test split do not.
 */
export function intentTrainingExtras(): KbUtterance[] {
  return [...kbUtterances(), ...loadSupplement().map((u) => ({ text: u.text, intent: u.intent }))];
}
