/** Requests on the /advisor namespace for transcript keyword search, export, audit log and retention (records:*, transcripts:* additions). */
// See ./advisor.ts for the composed map. Export, audit log and legal hold: agent-console/src/records.
import type { Request } from './ack';

/** What a person (or the retention job) did with a conversation's record; insert-only. */
export type AuditAction = 'open' | 'review' | 'export' | 'qa_confirm' | 'watch' | 'legal_hold' | 'purge';

export interface AuditEntryView {
  id: string;
  /** Advisor id, or null for the system (the retention purge). */
  actorId: string | null;
  actorName: string;
  role: 'advisor' | 'supervisor' | 'system';
  action: AuditAction;
  conversationId: string;
  branchId: string | null;
  /** ISO time. */
  at: string;
  /** Per action: review verdict, quality item, hold and reason, purged counts … */
  details: Record<string, unknown>;
}

/** audit:list's filters (all optional); `before` is the previous page's `next`. */
export interface AuditListPayload {
  conversationId?: string;
  advisorId?: string;
  before?: string;
}

/** A conversation's legal hold (诉讼保全/监管调查保留): while held, the retention purge skips it. */
export interface LegalHoldView {
  held: boolean;
  reason: string;
  byName: string | null;
  /** ISO time of the last change, null when never held. */
  at: string | null;
}

export interface RecordsRequests {
  /** Audit entries newest first, 50 a page, within the supervisor's branch scope. */
  'audit:list': Request<AuditListPayload, { items: AuditEntryView[]; next: string | null }>;
  /** A printable, self-contained HTML page of the transcript (escaped, no scripts); audited as `export`. */
  'transcripts:export': Request<{ conversationId: string }, { html: string; filename: string }>;
  /** Places (hold: true) or lifts a legal hold; `reason` required; audited as `legal_hold`. */
  'transcripts:hold': Request<{ conversationId: string; hold: boolean; reason: string }, { legalHold: LegalHoldView }>;
}
