import type { Emitter } from './emitter';
import { ADVISOR_EVENTS, CLIENT_EVENTS, NAMESPACES, rooms } from './realtime';
import type { ConversationState } from './states';
import type { WireMessage } from './transcript';

/** Tells the client's screens who is serving them now (排队中 / 顾问 X / 智能助手). */
export function emitClientState(
  emitter: Emitter,
  conversationId: string,
  state: ConversationState,
  advisorName: string | null = null,
): void {
  emitter
    .of(NAMESPACES.client)
    .to(rooms.clientConversation(conversationId))
    .emit(CLIENT_EVENTS.state, { conversationId, state, advisorName });
}

/** A new message of a conversation, to every screen that shows it: the client's tabs and the advisors watching. */
export function emitConversationMessage(emitter: Emitter, message: WireMessage): void {
  emitter.of(NAMESPACES.client).to(rooms.clientConversation(message.conversationId)).emit(CLIENT_EVENTS.message, message);
  emitter.of(NAMESPACES.advisor).to(rooms.advisorConversation(message.conversationId)).emit(ADVISOR_EVENTS.chatMessage, message);
}
