import { enforceReplyPolicy } from '../compliance';

/** Where a draft may be cut: the end of a sentence, so a guardrail phrase is never shown half-written. */
const SENTENCE_END = /[。！？!?；;\n]/g;
const SOURCE_TAG = /【来源[:：]\s*[\w-]+】/g;

/**
 * What of a streamed answer may be shown to the client so far: the complete sentences, with
 * source tags removed and PII masked, or null when nothing may be shown (no full sentence yet,
 * the model is declining to answer, or the text so far breaks a guardrail — the caller then
 * withdraws the draft and the finished answer is judged as a whole).
 */
export function showableDraft(streamed: string): string | null {
  let cut = -1;
  for (const m of streamed.matchAll(SENTENCE_END)) cut = m.index! + 1;
  if (cut <= 0) return null;
  const sentences = streamed
    .slice(0, cut)
    .replace(SOURCE_TAG, '')
    .replace(/【[^】]*$/, '')
    .trim();
  if (!sentences || sentences.includes('无法回答')) return null;
  const checked = enforceReplyPolicy(sentences);
  return checked.violations.length > 0 ? null : checked.text;
}

/** Receives a streamed answer's showable text as it grows; `withdraw` when it will not be used. */
export interface DraftSink {
  show(text: string): void;
  withdraw(): void;
}
