import type { Emitter } from '../emitter';
import { CLIENT_EVENTS, rooms, type ClientQueueEvent, type ClientSurveyEvent } from '../realtime';
import type { ConversationState } from '../states';
import { clientNamespace } from './namespaces';

/*
 * What the client's screens (every tab / device of the trading app on the conversation, room
 * rooms.clientConversation) hear about, besides the messages themselves (see conversation.ts).
 */

const clientRoom = (emitter: Emitter, conversationId: string) =>
  clientNamespace(emitter).to(rooms.clientConversation(conversationId));

/**
 * Tells the client's screens who is serving them now (排队中 / 顾问 X / 智能助手).
 *
 * Receives: the client's sockets on the conversation (`state`).
 * @example emitClientState(emitter, conversationId, 'human', advisor.name);
 */
export function emitClientState(
  emitter: Emitter,
  conversationId: string,
  state: ConversationState,
  advisorName: string | null = null,
): void {
  clientRoom(emitter, conversationId).emit(CLIENT_EVENTS.state, { conversationId, state, advisorName });
}

/**
 * The advisor who owns the chat started or stopped typing ("顾问正在输入…").
 *
 * Receives: the client's sockets on the conversation (`typing`, from 'advisor').
 * @example notifyAdvisorTyping(emitter, conversationId, true);
 */
export function notifyAdvisorTyping(emitter: Emitter, conversationId: string, typing: boolean): void {
  clientRoom(emitter, conversationId).emit(CLIENT_EVENTS.typing, { conversationId, from: 'advisor', typing });
}

/**
 * The bot's answer as written so far (never stored); the `message` with the same id replaces it.
 *
 * Receives: the client's sockets on the conversation (`draft`).
 * @example notifyClientDraft(emitter, conversationId, replyId, '您好，');
 */
export function notifyClientDraft(emitter: Emitter, conversationId: string, id: string, text: string): void {
  clientRoom(emitter, conversationId).emit(CLIENT_EVENTS.draft, { conversationId, id, text });
}

/**
 * The bot withdrew the answer it was writing: the client's screens remove the draft.
 *
 * Receives: the client's sockets on the conversation (`draft` with `cancelled: true`).
 * @example notifyClientDraftWithdrawn(emitter, conversationId, replyId);
 */
export function notifyClientDraftWithdrawn(emitter: Emitter, conversationId: string, id: string): void {
  clientRoom(emitter, conversationId).emit(CLIENT_EVENTS.draft, { conversationId, id, text: '', cancelled: true });
}

/**
 * The waiting client's place in the queue and expected wait changed (the app shows it; every
 * channel also gets a short text message, see the router's queue-position sweep).
 *
 * Receives: the client's sockets on the conversation (`queue`).
 * @example notifyQueuePosition(emitter, { conversationId, position: 2, expectedWaitS: 180 });
 */
export function notifyQueuePosition(emitter: Emitter, queue: ClientQueueEvent): void {
  clientRoom(emitter, queue.conversationId).emit(CLIENT_EVENTS.queue, queue);
}

/**
 * The trading-app client is asked to rate the advisor who just served them (buttons 1–5 and an
 * optional comment; the answer comes back as `survey:answer`). Also sent again on reconnect while
 * the survey is pending.
 *
 * Receives: the client's sockets on the conversation (`survey`).
 * @example notifySatisfactionSurvey(emitter, toSurveyEvent(survey));
 */
export function notifySatisfactionSurvey(emitter: Emitter, survey: ClientSurveyEvent): void {
  clientRoom(emitter, survey.conversationId).emit(CLIENT_EVENTS.survey, survey);
}
