import type { Emitter } from '../emitter';
import type { MessageDoc } from '../models/schemas';
import {
  ADVISOR_EVENTS,
  CHANNEL_EVENTS,
  CLIENT_EVENTS,
  rooms,
  type BudgetEvent,
  type ChannelSessionEvent,
  type DeliveryFailedEvent,
  type NoteMessage,
  type WhisperMessage,
} from '../realtime';
import { insightOf, toAdvisorWire, toWire } from '../transcript';
import { advisorNamespace, clientNamespace } from './namespaces';

/*
 * What happens on one conversation. The advisor room (rooms.advisorConversation) holds the
 * advisor who owns the chat and the supervisors watching it; the client room, the client's tabs.
 */

const chatRoom = (emitter: Emitter, conversationId: string) =>
  advisorNamespace(emitter).to(rooms.advisorConversation(conversationId));

/**
 * A new or changed message of a conversation, to every screen that shows it: the client's tabs
 * (the client's view) and the advisors on the chat (with the bot's insight).
 *
 * Receives: the client room (`message`) and the chat's advisor room (`chat:message`).
 * @example emitConversationMessage(emitter, { ...message, status: 'sent' });
 */
export function emitConversationMessage(emitter: Emitter, message: MessageDoc): void {
  clientNamespace(emitter).to(rooms.clientConversation(message.conversationId)).emit(CLIENT_EVENTS.message, toWire(message));
  chatRoom(emitter, message.conversationId).emit(ADVISOR_EVENTS.chatMessage, toAdvisorWire(message));
}

/**
 * What the bot made of a client's message, once its turn is done (nothing for an outgoing message
 * or one without an insight).
 *
 * Receives: the chat's advisor room (`chat:insight`).
 * @example emitMessageInsight(emitter, message);
 */
export function emitMessageInsight(
  emitter: Emitter,
  message: Pick<MessageDoc, 'conversationId' | 'channelMessageId' | 'direction' | 'meta'>,
): void {
  const insight = message.direction === 'in' ? insightOf(message.meta) : null;
  if (!insight) return;
  chatRoom(emitter, message.conversationId).emit(ADVISOR_EVENTS.chatInsight, {
    conversationId: message.conversationId,
    messageId: message.channelMessageId,
    insight,
  });
}

/**
 * A person's chat ended (closed by its advisor, or ended in WeCom): the consoles close it.
 *
 * Receives: the chat's advisor room (`chat:closed`).
 * @example notifyChatClosed(emitter, conversationId, advisor.sub);
 */
export function notifyChatClosed(emitter: Emitter, conversationId: string, by: string): void {
  chatRoom(emitter, conversationId).emit(ADVISOR_EVENTS.chatClosed, { conversationId, by });
}

/**
 * A stored message could not be delivered: the chat shows it failed (the client's view of the
 * message, status 'failed' and its error), then why.
 *
 * Receives: the chat's advisor room (`chat:message`, then `delivery:failed`).
 * @example notifyDeliveryFailed(emitter, { ...message, status: 'failed', error }, '会话已超过48小时', 4);
 */
export function notifyDeliveryFailed(emitter: Emitter, failed: MessageDoc, reason: string, code: number | null): void {
  const room = chatRoom(emitter, failed.conversationId);
  room.emit(ADVISOR_EVENTS.chatMessage, toWire(failed));
  const event: DeliveryFailedEvent = {
    conversationId: failed.conversationId,
    messageId: failed.channelMessageId,
    channel: failed.channel,
    reason,
    code,
  };
  room.emit(CHANNEL_EVENTS.deliveryFailed, event);
}

/**
 * What may still be sent to a WeCom / mini-program client changed (48 h / 5 messages).
 *
 * Receives: the chat's advisor room (`channel:budget`).
 * @example notifyChannelBudget(emitter, { conversationId, channel: 'wecom', remaining: 4, limit: 5, windowEndsAt });
 */
export function notifyChannelBudget(emitter: Emitter, budget: BudgetEvent): void {
  chatRoom(emitter, budget.conversationId).emit(CHANNEL_EVENTS.budget, budget);
}

/**
 * The client recalled a message (it stays in the transcript, marked).
 *
 * Receives: the chat's advisor room (`chat:recalled`).
 * @example notifyMessageRecalled(emitter, message.conversationId, message.channelMessageId);
 */
export function notifyMessageRecalled(emitter: Emitter, conversationId: string, messageId: string): void {
  chatRoom(emitter, conversationId).emit(CHANNEL_EVENTS.recalled, { conversationId, messageId });
}

/**
 * Someone moved the client's WeCom kf session (took it from the pool, transferred or ended it).
 *
 * Receives: the chat's advisor room (`channel:session`).
 * @example notifyWecomSessionChanged(emitter, { conversationId, changeType: 3, servicerUserId: null });
 */
export function notifyWecomSessionChanged(emitter: Emitter, session: ChannelSessionEvent): void {
  chatRoom(emitter, session.conversationId).emit(CHANNEL_EVENTS.session, session);
}

/**
 * A supervisor whispered to the advisor who owns a chat. Never to the client, and not to the chat
 * room (other watchers): the owner's tabs and the whispering supervisor's own tabs only.
 *
 * Receives: every console tab of the owner and of the supervisor (`chat:message` with `kind: 'whisper'`).
 * @example notifyWhisper(emitter, conversation.advisorId, supervisor.sub, whisper);
 */
export function notifyWhisper(emitter: Emitter, ownerId: string, supervisorId: string, whisper: WhisperMessage): void {
  advisorNamespace(emitter).to(rooms.advisor(ownerId)).to(rooms.advisor(supervisorId)).emit(ADVISOR_EVENTS.chatMessage, whisper);
}

/**
 * An advisor or supervisor left an internal note on a chat. Never to the client: only the chat's
 * advisor room (its owner, supervisors watching) hears it.
 *
 * Receives: the chat's advisor room (`chat:message` with `kind: 'note'`).
 * @example notifyChatNote(emitter, toNoteMessage(note));
 */
export function notifyChatNote(emitter: Emitter, note: NoteMessage): void {
  chatRoom(emitter, note.conversationId).emit(ADVISOR_EVENTS.chatMessage, note);
}
