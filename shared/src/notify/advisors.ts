import type { AppointmentView } from '../appointment-view';
import type { Emitter } from '../emitter';
import type { ChatView, HandoffView } from '../handoff-view';
import { ADVISOR_EVENTS, rooms, type AdvisorStatusEvent, type WaitingListRemovedEvent } from '../realtime';
import { advisorNamespace, branchAndSupervisors } from './namespaces';

/*
 * What the consoles hear about outside a chat: the waiting list and appointments of a branch
 * (its advisors and the supervisors), and what concerns one advisor (every tab of theirs).
 */

/**
 * A chat joined the waiting list, or changed on it (offered to someone, raised): the list shows
 * the view, replacing the one with the same handoffId.
 *
 * Receives: the advisors of the handoff's branch and the supervisors (`queue:added`, once each).
 * @example notifyWaitingListAdded(emitter, toHandoffView(handoff, customer));
 */
export function notifyWaitingListAdded(emitter: Emitter, view: HandoffView): void {
  branchAndSupervisors(emitter, view.branchId).emit(ADVISOR_EVENTS.queueAdded, view);
}

/**
 * A waiting chat was taken (in the console or in WeCom): the lists drop it.
 *
 * Receives: the advisors of the handoff's branch and the supervisors (`queue:removed`, once each).
 * @example notifyWaitingListRemoved(emitter, handoff.branchId, { handoffId, by: advisor.sub });
 */
export function notifyWaitingListRemoved(
  emitter: Emitter,
  branchId: string | null | undefined,
  removed: WaitingListRemovedEvent,
): void {
  branchAndSupervisors(emitter, branchId).emit(ADVISOR_EVENTS.queueRemoved, removed);
}

/**
 * A waiting chat is offered to one advisor (the router's pick), or the offer changed (raised).
 *
 * Receives: every console tab of that advisor (`offer`).
 * @example notifyOffer(emitter, advisorId, view);
 */
export function notifyOffer(emitter: Emitter, advisorId: string, view: HandoffView): void {
  advisorNamespace(emitter).to(rooms.advisor(advisorId)).emit(ADVISOR_EVENTS.offer, view);
}

/**
 * An advisor took a chat: all their console tabs join the chat's room (its messages reach them
 * from now on) and open it.
 *
 * Receives: every console tab of that advisor (`chat:opened`).
 * @example notifyChatOpened(emitter, advisor.sub, await chatView(db, conversation));
 */
export function notifyChatOpened(emitter: Emitter, advisorId: string, view: ChatView): void {
  const advisors = advisorNamespace(emitter);
  advisors.in(rooms.advisor(advisorId)).socketsJoin(rooms.advisorConversation(view.conversationId));
  advisors.to(rooms.advisor(advisorId)).emit(ADVISOR_EVENTS.chatOpened, view);
}

/**
 * A client asked for an appointment. A request without a branch reaches supervisors only, like
 * the list does.
 *
 * Receives: the advisors of the appointment's branch and the supervisors (`appointment:added`).
 * @example notifyAppointmentRequested(emitter, toAppointmentView(appointment, customer));
 */
export function notifyAppointmentRequested(emitter: Emitter, view: AppointmentView): void {
  branchAndSupervisors(emitter, view.branchId).emit(ADVISOR_EVENTS.appointmentAdded, view);
}

/**
 * An appointment was confirmed, done or cancelled.
 *
 * Receives: the advisors of the appointment's branch and the supervisors (`appointment:updated`).
 * @example notifyAppointmentUpdated(emitter, view);
 */
export function notifyAppointmentUpdated(emitter: Emitter, view: AppointmentView): void {
  branchAndSupervisors(emitter, view.branchId).emit(ADVISOR_EVENTS.appointmentUpdated, view);
}

/**
 * An advisor's status (online / busy / away) or load changed: supervisors' live list updates,
 * and the advisor's own tabs show the status they are in.
 *
 * Receives: the supervisors who see the advisor's branch (head office and the branch's own), the
 * other accounts that see every branch, and every console tab of that advisor (`advisor:status`).
 * @example notifyAdvisorStatus(emitter, { advisorId, name, branchId, status: 'busy', load: 2, capacity: 5 });
 */
export function notifyAdvisorStatus(emitter: Emitter, status: AdvisorStatusEvent): void {
  advisorNamespace(emitter)
    .to(rooms.allBranches)
    .to(rooms.branchSupervisors(status.branchId))
    .to(rooms.advisor(status.advisorId))
    .emit(ADVISOR_EVENTS.advisorStatus, status);
}

/**
 * A chat left an advisor without being closed: they transferred it, or a supervisor took it over.
 * Their tabs stop receiving the chat's messages and drop it from their list.
 *
 * Receives: every console tab of the previous owner (`chat:closed` with the reason).
 * @example notifyChatHandedOn(emitter, advisorId, conversationId, supervisor.sub, 'taken_over');
 */
export function notifyChatHandedOn(
  emitter: Emitter,
  previousOwnerId: string,
  conversationId: string,
  by: string,
  reason: 'transferred' | 'taken_over',
): void {
  const advisors = advisorNamespace(emitter);
  advisors.in(rooms.advisor(previousOwnerId)).socketsLeave(rooms.advisorConversation(conversationId));
  advisors.to(rooms.advisor(previousOwnerId)).emit(ADVISOR_EVENTS.chatClosed, { conversationId, by, reason });
}
