import type { DraftSink } from '@brokerbot/flows';
import { CLIENT_EVENTS, NAMESPACES, rooms, type Services } from '@brokerbot/shared';

/**
 * Shows a bot answer to the app client while the LLM writes it (the trading app renders a
 * growing bubble). `id` is the id the finished reply will be stored under, so the client
 * replaces the draft with it; a withdrawn draft is removed. Drafts are never stored: only the
 * finished, checked answer is part of the transcript.
 */
export function clientDraft(emitter: Services['emitter'], conversationId: string, id: string): DraftSink {
  const room = emitter.of(NAMESPACES.client).to(rooms.clientConversation(conversationId));
  let shown = false;
  let over = false;
  return {
    show(text) {
      if (over) return;
      shown = true;
      room.emit(CLIENT_EVENTS.draft, { conversationId, id, text });
    },
    withdraw() {
      if (over) return;
      over = true;
      if (shown) room.emit(CLIENT_EVENTS.draft, { conversationId, id, text: '', cancelled: true });
    },
  };
}
