import type { PayloadlessRequest, Request } from './ack';

/**
 * Requests on the /advisor namespace for automatic inspection (智能质检, qa:*); supervisors only,
 * within their branch scope. Scores are made by the `quality` role (agent-console/src/quality).
 */

export type QualitySeverity = 'critical' | 'major' | 'minor';

export interface QualityEvidence {
  /** The stored message's id (WireMessage.id). */
  messageId: string;
  quote: string;
}

export interface QualityItemResult {
  /** The scorecard item's id. */
  id: string;
  /** Chinese. */
  label: string;
  kind: string;
  /** null: the item does not apply to this chat (e.g. no risky product discussed) and is left out of the total. */
  passed: boolean | null;
  severity: QualitySeverity;
  weight: number;
  /** Why, in Chinese. */
  detail: string;
  evidence: QualityEvidence[];
}

export interface QualityConfirmationView {
  itemId: string;
  verdict: 'confirmed' | 'overridden';
  note: string;
  reviewerId: string;
  reviewerName: string;
  at: string;
}

export interface QualityResult {
  scoreId: string;
  conversationId: string;
  /** The chat (human part of the conversation) that was scored. */
  handoffId: string;
  /** 0–100, the weighted share of applicable items passed; null when none applied. */
  total: number | null;
  scorecardVersion: string;
  /** 0 = automatic; each re-score on request adds one. */
  revision: number;
  items: QualityItemResult[];
  /** Distinct severities of the failed items. */
  flags: QualitySeverity[];
  closedAt: string;
  scoredAt: string;
  /** Supervisors' verdicts on this score's items. */
  confirmations: QualityConfirmationView[];
}

export interface QualityRequests {
  /** The latest inspection of the conversation's latest closed chat; `not_scored` before the first one. */
  'qa:result': Request<{ conversationId: string }, { result: QualityResult }>;
  /** A supervisor confirms or overrides one item of the latest result (a repeat replaces their verdict). */
  'qa:confirm': Request<
    { conversationId: string; itemId: string; verdict: 'confirmed' | 'overridden'; note?: string },
    { confirmation: QualityConfirmationView; confirmations: QualityConfirmationView[] }
  >;
  /** Score the conversation's latest closed chat again now (the result arrives through `qa:result`). */
  'qa:rescore': Request<{ conversationId: string }, { queued: true; revision: number }>;
  /** Branches this account may see (the 会话记录 营业部 filter). */
  'qa:branches': PayloadlessRequest<{ items: { id: string; name: string }[] }>;
}
