import type { ChatView } from '../handoff-view';
import type { AdvisorStatus, AdvisorStatusEvent, WhisperMessage } from '../realtime';
import type { PayloadlessRequest, Request } from './ack';

/** Where a transferred chat goes: one advisor, a branch's advisors, or the advisors with a skill. */
export type TransferTarget = { advisorId: string } | { branchId: string } | { skill: string };

/** Requests on the /advisor namespace for advisor status, transfer, whisper and take-over. */
export interface RoutingRequests {
  /**
   * Sets the caller's status: `busy` and `away` get no new offers (chats they hold stay). Errors:
   * `invalid_request`.
   * @example socket.emit('advisor:status', { status: 'busy' }, (res) => …);
   */
  'advisor:status': Request<{ status: AdvisorStatus }>;
  /**
   * Supervisors: every advisor they may see, with status and load; live changes follow as
   * `advisor:status` broadcasts. Errors: `forbidden` (not a supervisor).
   */
  'advisors:list': PayloadlessRequest<{ advisors: AdvisorStatusEvent[] }>;
  /**
   * Hands a chat the caller owns to another advisor, a branch or a skill group. The receiver is
   * offered it with the note and the whole transcript; the caller's chat closes with
   * `reason: 'transferred'`; the client is told. Errors: `not_owner`, `invalid_target`,
   * `advisor_unavailable`, `invalid_request`.
   */
  'chat:transfer': Request<{ conversationId: string; to: TransferTarget; note: string }>;
  /**
   * Supervisors: a note to the advisor who owns the chat, never shown to the client. Errors:
   * `forbidden`, `not_visible`, `not_served` (nobody owns the chat now).
   */
  'chat:whisper': Request<{ conversationId: string; text: string }, { whisper: WhisperMessage }>;
  /**
   * Supervisors: take the chat over; the previous owner's chat closes with
   * `reason: 'taken_over'`. Errors: `forbidden`, `not_visible`, `not_served`.
   */
  'chat:takeover': Request<{ conversationId: string }, { chat: ChatView }>;
}
