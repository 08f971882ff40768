import type { Channel } from '../states';

/**
 * What the supervisor dashboard (看板) counts, and the counter increments each event adds. Pure:
 * the live hooks (DashboardCounter) and the rebuild from stored data (backfill) derive their
 * counts from the same events through `incrementsOf`, so both agree.
 *
 * Counts live per hour bucket (UTC hour, key "2026-12-04T20") in fields named
 * `<branch>|<channel>|<metric>` (branch "-" while a chat has none). Durations are histograms
 * over DURATION_BOUNDS_S (field `<metric>:<bin>`) plus a sum, so percentiles and SLA breaches
 * can be read from any union of buckets.
 */

/** Upper bounds (seconds) of the duration bins; the last bin is open. SLA thresholds must be one of them. */
export const DURATION_BOUNDS_S: readonly number[] = [
  ...Array.from({ length: 24 }, (_, i) => (i + 1) * 5),
  150,
  180,
  240,
  300,
  420,
  600,
  900,
  1200,
  1800,
  2700,
  3600,
  5400,
  7200,
];

/** Business days (会话 counted once per day, "today") are China Standard Time days. */
export const BUSINESS_UTC_OFFSET_MS = 8 * 3_600_000;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** The fine-grained live emotion series (近两小时): 5-minute buckets. */
export const RECENT_BUCKET_MS = 5 * 60_000;

export type AuthorKind = 'client' | 'bot' | 'advisor' | 'system';

interface Where {
  /** null/undefined: the branch the conversation's client messages were counted under (see DashboardCounter). */
  branchId?: string | null;
  conversationId: string;
  channel: Channel;
  /** Event time (ms); the hook's own time when absent. */
  at?: number;
}

export type DashboardEvent =
  | (Where & { kind: 'message'; messageId: string; author: AuthorKind })
  | (Where & { kind: 'insight'; messageId: string; emotion: string | null | undefined })
  | (Where & { kind: 'escalated'; handoffId: string; reasons: readonly string[]; afterHours: boolean })
  | (Where & { kind: 'accepted'; handoffId: string; waitMs: number })
  | (Where & { kind: 'first_response'; handoffId: string; ms: number | null })
  | (Where & { kind: 'closed'; handoffId: string; handleMs: number | null })
  | (Where & { kind: 'satisfaction'; id: string; score: number })
  | (Where & { kind: 'inspection'; id: string; total: number; failedItems: readonly string[] });

/** One idempotent batch of increments: applied at most once per `dedupe` key. */
export interface Increment {
  dedupe: string;
  /** Hour bucket key (UTC), e.g. "2026-12-04T20". */
  hour: string;
  /** 5-minute bucket key for the live emotion series, when the event has one. */
  recent?: string;
  /** Metric (without the branch|channel prefix) → amount. */
  fields: Record<string, number>;
}

export const hourKey = (ms: number): string => new Date(ms).toISOString().slice(0, 13);
export const hourStart = (key: string): number => Date.parse(`${key}:00:00.000Z`);
/** The business day (CST date, "2026-12-05") an instant falls in. */
export const businessDay = (ms: number): string => new Date(ms + BUSINESS_UTC_OFFSET_MS).toISOString().slice(0, 10);
/** Start (ms) of a business day. */
export const businessDayStart = (day: string): number => Date.parse(`${day}T00:00:00.000Z`) - BUSINESS_UTC_OFFSET_MS;
export const recentKey = (ms: number): string =>
  new Date(Math.floor(ms / RECENT_BUCKET_MS) * RECENT_BUCKET_MS).toISOString().slice(0, 16);

/** The bin of a duration (index into DURATION_BOUNDS_S; the last index is the open bin). */
export function durationBin(ms: number): number {
  const s = Math.max(0, ms) / 1000;
  const i = DURATION_BOUNDS_S.findIndex((bound) => s <= bound);
  return i === -1 ? DURATION_BOUNDS_S.length : i;
}

/** Field-safe: no '.', '$' or '|' (the prefix separator) in a metric name taken from data. */
export const safeName = (s: string): string => s.replace(/[.$|\s]/g, '_').slice(0, 60);

/**
 * The reason an escalation is counted under: the policy's kind (explicit_request, distress,
 * complaint, anger …), with the detail kept where it names what happened (high_risk_intent:
 * account_frozen, tier:vip) rather than the words the client used (distress:爆仓).
 */
export function reasonKey(reason: string): string {
  const i = reason.indexOf(':');
  const kind = i >= 0 ? reason.slice(0, i) : reason;
  return safeName(kind === 'high_risk_intent' || kind === 'tier' ? reason : kind);
}

function duration(fields: Record<string, number>, metric: string, ms: number | null): void {
  if (ms === null || !Number.isFinite(ms)) return;
  fields[`${metric}:${durationBin(ms)}`] = 1;
  fields[`${metric}Ms`] = Math.max(0, Math.round(ms));
  fields[`${metric}N`] = 1;
}

/** The increments one event adds. Every event counts once however often its hook runs (the dedupe key). */
export function incrementsOf(event: DashboardEvent, now = Date.now()): Increment[] {
  const at = event.at ?? now;
  const hour = hourKey(at);
  switch (event.kind) {
    case 'message': {
      const out: Increment[] = [
        { dedupe: `m:${event.messageId}`, hour, fields: { [event.author === 'client' ? 'in' : `out:${event.author}`]: 1 } },
      ];
      // A conversation counts once per business day in which its client wrote (会话数).
      if (event.author === 'client')
        out.push({ dedupe: `c:${event.conversationId}:${businessDay(at)}`, hour, fields: { conv: 1 } });
      return out;
    }
    case 'insight':
      if (!event.emotion) return [];
      return [{ dedupe: `e:${event.messageId}`, hour, recent: recentKey(at), fields: { [`emo:${safeName(event.emotion)}`]: 1 } }];
    case 'escalated': {
      const fields: Record<string, number> = { esc: 1 };
      if (event.afterHours) fields.escAfterHours = 1;
      for (const r of new Set(event.reasons.map(reasonKey))) fields[`reason:${r}`] = 1;
      return [
        { dedupe: `x:${event.handoffId}`, hour, fields },
        // The bot did not resolve this conversation today (bot-resolved = conversations − these).
        { dedupe: `xc:${event.conversationId}:${businessDay(at)}`, hour, fields: { escConv: 1 } },
      ];
    }
    case 'accepted': {
      const fields: Record<string, number> = { acc: 1 };
      duration(fields, 'wait', event.waitMs);
      return [{ dedupe: `a:${event.handoffId}`, hour, fields }];
    }
    case 'first_response': {
      const fields: Record<string, number> = { fr: 1 };
      duration(fields, 'first', event.ms);
      return [{ dedupe: `f:${event.handoffId}`, hour, fields }];
    }
    case 'closed': {
      const fields: Record<string, number> = { closed: 1 };
      duration(fields, 'handle', event.handleMs);
      return [{ dedupe: `k:${event.handoffId}`, hour, fields }];
    }
    case 'satisfaction': {
      const score = Math.round(event.score);
      if (!(score >= 1 && score <= 5)) return [];
      return [{ dedupe: `s:${event.id}`, hour, fields: { sat: 1, satSum: score, [`sat:${score}`]: 1 } }];
    }
    case 'inspection': {
      const total = Math.max(0, Math.min(100, Math.round(event.total)));
      const fields: Record<string, number> = { qa: 1, qaSum: total, [`qa:${Math.min(9, Math.floor(total / 10))}`]: 1 };
      for (const item of new Set(event.failedItems.map(safeName))) fields[`qaFail:${item}`] = 1;
      return [{ dedupe: `q:${event.id}`, hour, fields }];
    }
  }
}
