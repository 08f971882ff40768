import type { Emitter } from './emitter';
import { ADVISOR_EVENTS, CLIENT_EVENTS, NAMESPACES, rooms } from './realtime';
import type { ConversationState } from './states';
import type { MessageDoc } from './models/schemas';
import { insightOf, toAdvisorWire, toWire } from './transcript';

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

/**
 * A new or changed message of a conversation, to every screen that shows it: the client's tabs
 * (the client's view) and the advisors on the chat (with the bot's insight).
 */
export function emitConversationMessage(emitter: Emitter, message: MessageDoc): void {
  emitter.of(NAMESPACES.client).to(rooms.clientConversation(message.conversationId)).emit(CLIENT_EVENTS.message, toWire(message));
  emitter
    .of(NAMESPACES.advisor)
    .to(rooms.advisorConversation(message.conversationId))
    .emit(ADVISOR_EVENTS.chatMessage, toAdvisorWire(message));
}

/** What the bot made of a client's message, once its turn is done, to the advisors on the chat. */
export function emitMessageInsight(
  emitter: Emitter,
  message: Pick<MessageDoc, 'conversationId' | 'channelMessageId' | 'direction' | 'meta'>,
): void {
  const insight = message.direction === 'in' ? insightOf(message.meta) : null;
  if (!insight) return;
  emitter
    .of(NAMESPACES.advisor)
    .to(rooms.advisorConversation(message.conversationId))
    .emit(ADVISOR_EVENTS.chatInsight, { conversationId: message.conversationId, messageId: message.channelMessageId, insight });
}
