import type { DraftSink } from '@brokerbot/flows';
import { notifyClientDraft, notifyClientDraftWithdrawn, type Services } from '@brokerbot/shared';

/**
 * Shows a bot answer to the app client while the LLM writes it (the trading app renders a
 * growing bubble). `id` is the id the finished reply will be stored under, so the client
 * replaces the draft with it; a withdrawn draft is removed. Drafts are never stored: only the
 * finished, checked answer is part of the transcript.
 */
export function clientDraft(emitter: Services['emitter'], conversationId: string, id: string): DraftSink {
  let shown = false;
  let over = false;
  return {
    show(text) {
      if (over) return;
      shown = true;
      notifyClientDraft(emitter, conversationId, id, text);
    },
    withdraw() {
      if (over) return;
      over = true;
      if (shown) notifyClientDraftWithdrawn(emitter, conversationId, id);
    },
  };
}
