/**
 * Knowledge base: operator-editable Q&A files (flows/data/kb/*.json) and their retrieval.
 *
 *   const kb = KnowledgeBase.load();
 *   const r = kb.answer('银证转账一直失败');   // { kind: 'answer' | 'clarify' | 'none', … }
 *   kb.byId('bank-transfer-failed');          // a clarify-menu click sends the id back
 */
export {
  KnowledgeBase,
  type KbEntry,
  type KbCandidate,
  type KbAnswer,
  ANSWER_MIN_CONFIDENCE,
  ANSWER_MIN_MARGIN,
  CLARIFY_MIN_CONFIDENCE,
  MIN_IN_DOMAIN,
  CLARIFY_RELATIVE_SCORE,
  CLARIFY_MAX_OPTIONS,
  MIN_CANDIDATE_SCORE,
} from './knowledge-base';
export { DEFAULT_KB_DIR, KbValidationError, MAX_ANSWER_CHARS, parseKbFile } from './load';
export { DirectMatcher, compact, type DirectMatch } from './direct-match';
