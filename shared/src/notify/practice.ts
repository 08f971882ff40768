import type { Emitter } from '../emitter';
import type { PracticeMessageView, PracticeOutcome } from '../protocol/advisor-practice';
import { ADVISOR_EVENTS, rooms, type ChatClosedEvent } from '../realtime';
import { advisorNamespace } from './namespaces';

/*
 * What happens on a practice chat (智能陪练). Only the advisor's own consoles hear about it: a
 * practice has no client room and is never delivered to a channel.
 */

const practiceRoom = (emitter: Emitter, conversationId: string) =>
  advisorNamespace(emitter).to(rooms.advisorConversation(conversationId));

/**
 * A message of a practice chat (the simulated client's or the advisor's own), marked `practice: true`.
 *
 * Receives: the practice chat's advisor room (`chat:message`).
 * @example notifyPracticeMessage(emitter, { ...toWire(message), practice: true });
 */
export function notifyPracticeMessage(emitter: Emitter, message: PracticeMessageView): void {
  practiceRoom(emitter, message.conversationId).emit(ADVISOR_EVENTS.chatMessage, message);
}

/**
 * A practice chat ended (by its rules, or closed by the advisor); its result is stored by now, so
 * `practice:result` answers. `by` is 'practice' when the scenario's rules ended it.
 *
 * Receives: the practice chat's advisor room (`chat:closed` with `practice: true` and the outcome).
 * @example notifyPracticeEnded(emitter, conversationId, 'practice', 'calmed');
 */
export function notifyPracticeEnded(emitter: Emitter, conversationId: string, by: string, outcome: PracticeOutcome): void {
  const closed: ChatClosedEvent = { conversationId, by, practice: true, outcome };
  practiceRoom(emitter, conversationId).emit(ADVISOR_EVENTS.chatClosed, closed);
}
