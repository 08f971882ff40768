/** Requests on the /advisor namespace for the supervisor dashboard (看板, dashboard:*). */
import type { Request } from './ack';

/** A time range and branch scope; `from`/`to` are ISO instants, counted by whole hours ([from, to), at most 32 days). */
export interface DashboardRange {
  from: string;
  to: string;
  /** One branch; absent: every branch the supervisor may see. */
  branchId?: string;
}

/** Percentiles of a duration, in seconds (null when nothing was measured). */
export interface DurationStats {
  count: number;
  p50: number | null;
  p90: number | null;
  avg: number | null;
}

export interface DashboardCountRow {
  messages: number;
  conversations: number;
  escalations: number;
  /** Conversations the bot handled without a person (0..1; null without conversations). */
  botResolvedShare: number | null;
}

export interface DashboardSummary {
  from: string;
  to: string;
  /** The branches counted (the one asked for, or every visible one; "-" for chats not yet bound to a branch). */
  branches: string[];
  /** Conversations with at least one client message, counted once per business day (CST). */
  conversations: number;
  /** Of those, the ones no person was asked to take that day. */
  botResolved: number;
  botResolvedShare: number | null;
  /** Hand-overs to a person (one per handoff), and how many came outside business hours (call-backs). */
  escalations: number;
  escalationsAfterHours: number;
  messages: { client: number; bot: number; advisor: number; system: number; total: number };
  byReason: { reason: string; count: number }[];
  byChannel: ({ channel: string } & DashboardCountRow)[];
  byBranch: ({ branchId: string } & DashboardCountRow)[];
  /** Escalation → an advisor accepted. */
  queueWait: DurationStats;
  /** Accepted → the advisor's first reply. */
  firstResponse: DurationStats;
  /** Accepted → the advisor closed the chat. */
  handleTime: DurationStats;
  sla: {
    waitThresholdS: number;
    waitBreaches: number;
    firstResponseThresholdS: number;
    firstResponseBreaches: number;
  };
  /** Client messages by the emotion the bot read (calm, anxious, angry, sad, positive). */
  emotions: Record<string, number>;
  satisfaction: { count: number; avg: number | null; byScore: Record<string, number> };
  inspection: { count: number; avg: number | null; failedItems: { item: string; count: number }[] };
}

export interface DashboardBucket {
  /** Start of the bucket (ISO). */
  at: string;
  messagesByChannel: Record<string, number>;
  conversations: number;
  escalations: number;
  emotions: Record<string, number>;
}

export interface DashboardSeries {
  /** 'hour' for ranges up to two days, else 'day' (business days, CST). */
  step: 'hour' | 'day';
  buckets: DashboardBucket[];
  /** The last two hours in 5-minute buckets (client messages by emotion), for surges as they happen. */
  recent: { at: string; emotions: Record<string, number> }[];
}

export interface DashboardRequests {
  /** Totals and distributions for a range; supervisors only (`not_a_supervisor`), `not_visible` for a branch outside theirs. */
  'dashboard:summary': Request<DashboardRange, { summary: DashboardSummary }>;
  /** Time series for the charts; same rules. */
  'dashboard:series': Request<DashboardRange, { series: DashboardSeries }>;
}
