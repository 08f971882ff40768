/**
 * Requests on the /advisor namespace for canned replies (快捷回复), internal notes, the client
 * panel, and what comes with the core requests: chat:send's compliance warning and chat:close's
 * wrap-up and unanswered-client warning (their payloads are in ./advisor-core.ts). Registered by
 * agent-console/src/requests/service.ts.
 */
import type { CannedReplyScope } from '../models/schemas';
import type { NoteMessage } from '../realtime';
import type { SatisfactionView } from '../satisfaction';
import type { AckFailure, Request } from './ack';

/** A compliance rule a text breaks (个股推荐, 承诺收益, 价格预测, 不当用语). */
export interface ComplianceRuleHit {
  /** e.g. `advice:trade`, `promise:returns`, `prediction:price`, `language:abusive`. */
  id: string;
  /** Chinese, for the advisor. */
  label: string;
}

/**
 * chat:send's answer when the text breaks a compliance rule: nothing was sent. Sending the same
 * payload again with `confirm: true` sends it and records the override for review.
 */
export type ComplianceWarning = AckFailure & { error: 'compliance_warning'; rules: ComplianceRuleHit[] };

/** chat:close's errors besides `not_owner`: `wrap_up_required` (no or unknown category) and `client_unanswered` (resend with `confirm: true`). */
export type CloseWarning = AckFailure & { error: 'wrap_up_required' | 'client_unanswered' };

/** A canned reply; `text` may hold {客户称呼} and {顾问姓名}, which the console fills before sending. */
export interface CannedReplyView {
  id: string;
  keyword: string;
  text: string;
  scope: CannedReplyScope;
  /** The branch of a `branch` reply. */
  branchId?: string;
  updatedAt: string;
}

/** canned:save: a new reply (no id) or a change to one. `branchId` only for supervisors of every branch (default: their own). */
export interface CannedReplySavePayload {
  id?: string;
  keyword: string;
  text: string;
  scope: CannedReplyScope;
  branchId?: string;
}

/** One past conversation of the client, in the client panel (newest first). */
export interface PastConversationView {
  conversationId: string;
  /** One advisor's part of the conversation (a conversation lasts across chats). */
  handoffId: string;
  channel: string;
  advisorName: string | null;
  acceptedAt: string | null;
  closedAt: string | null;
  wrapUp: { category: string; note: string } | null;
  satisfaction: SatisfactionView | null;
}

/** chat:client: who the client is, for the advisor serving them. Phone masked (138****1001). */
export interface ClientPanelView {
  customerId: string | null;
  name: string | null;
  tier: string | null;
  branchId: string | null;
  branchName: string | null;
  ownAdvisorName: string | null;
  phoneMasked: string | null;
  channel: string;
  past: PastConversationView[];
}

export interface ServiceRequests {
  /**
   * Canned replies the caller may use: global ones and their branch's (every branch for accounts
   * that see all), `q` matching keyword or text.
   * @example socket.emit('canned:list', { q: '开户' }, (res) => res.ok && show(res.items));
   */
  'canned:list': Request<{ q?: string }, { items: CannedReplyView[] }>;
  /**
   * Supervisors: adds or changes a canned reply. Errors: `forbidden` (advisors; a branch supervisor
   * writing a global reply or another branch's), `compliance_violation` (the text breaks a rule:
   * `rules` names them), `not_found`, `invalid_request`.
   */
  'canned:save': Request<CannedReplySavePayload, { item: CannedReplyView }>;
  /** Supervisors: removes a canned reply. Errors: `forbidden`, `not_found`. */
  'canned:delete': Request<{ id: string }, { id: string }>;
  /**
   * An internal note on a chat the caller owns (or, for supervisors, may see): stored once per
   * clientMessageId, shown to the chat's advisors and supervisors as `chat:message` with
   * `kind: 'note'`, never to the client. Errors: `not_owner`, `invalid_request`.
   */
  'chat:note': Request<{ conversationId: string; clientMessageId: string; text: string }, { note: NoteMessage }>;
  /** The notes of a chat, oldest first (a console reopening the chat). Errors: `not_visible`. */
  'chat:notes': Request<{ conversationId: string }, { notes: NoteMessage[] }>;
  /** The client panel of a chat in the caller's branches. Errors: `not_visible`. */
  'chat:client': Request<{ conversationId: string }, { client: ClientPanelView }>;
}
