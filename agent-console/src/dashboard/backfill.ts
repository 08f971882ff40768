import {
  DAY_MS,
  HOUR_MS,
  businessDay,
  businessDayStart,
  hourStart,
  incrementsOf,
  type Channel,
  type DashboardEvent,
  type Db,
} from '@brokerbot/shared';
import type { Model } from 'mongoose';
import { SEAL_GRACE_MS, addCounts, forgetSealedRollups, hoursOf, rollupModels, type DayRollup, type HourRollup } from './rollups';

/**
 * Rebuilding the dashboard's rollups from stored data: after Redis lost its live counters, after
 * a sealer was down longer than they are kept, or to fill the dashboard for data stored before
 * it existed (the benchmark's seeded million messages). The events are derived from the stored
 * documents exactly as the live hooks derive them (`incrementsOf`), so both count alike:
 * client and outgoing messages (by author), the emotion the bot read, escalations (handoffs not
 * cancelled) with their reasons, accept (queue wait), the advisor's first reply after the accept,
 * close (handle time), satisfaction answers with a score, and each chat's first inspection score.
 */

type Where = { branchId: string | null; channel: Channel };

/** Accumulates counts per hour bucket from events (pure; dedupes the per-day conversation counts as Redis does). */
export class RollupBuilder {
  readonly hours = new Map<string, Record<string, number>>();
  private readonly seen = new Set<string>();

  add(event: DashboardEvent): void {
    for (const inc of incrementsOf(event)) {
      // Only the per-day conversation keys can repeat; every other event has its own id.
      if (inc.dedupe.startsWith('c:') || inc.dedupe.startsWith('xc:')) {
        if (this.seen.has(inc.dedupe)) continue;
        this.seen.add(inc.dedupe);
      }
      let counts = this.hours.get(inc.hour);
      if (!counts) this.hours.set(inc.hour, (counts = {}));
      const prefix = `${event.branchId ?? '-'}|${event.channel}|`;
      for (const [metric, n] of Object.entries(inc.fields)) counts[prefix + metric] = (counts[prefix + metric] ?? 0) + n;
    }
  }
}

export interface StoredMessage {
  _id: unknown;
  conversationId: string;
  direction: 'in' | 'out';
  author: { kind: string };
  createdAt: Date;
  meta?: unknown;
}

export interface StoredHandoff {
  _id: unknown;
  conversationId: string;
  branchId?: string | null;
  status: string;
  reasons?: string[] | null;
  afterHours?: boolean | null;
  createdAt: Date;
  acceptedAt?: Date | null;
  closedAt?: Date | null;
}

/** The events of one stored message (its own count, and the emotion the bot read for a client message). */
export function eventsOfMessage(m: StoredMessage, where: Where): DashboardEvent[] {
  const at = new Date(m.createdAt).getTime();
  const messageId = String(m._id);
  const author = (m.direction === 'in' ? 'client' : m.author.kind) as 'client' | 'bot' | 'advisor' | 'system';
  const base = { ...where, conversationId: m.conversationId, at, messageId };
  const out: DashboardEvent[] = [{ kind: 'message', ...base, author }];
  const emotion = (m.meta as { understanding?: { emotion?: string } } | null | undefined)?.understanding?.emotion;
  if (m.direction === 'in' && emotion) out.push({ kind: 'insight', ...base, emotion });
  return out;
}

/** The events of one stored handoff; `firstReplyAt`: the advisor's first message after the accept (ms), if any. */
export function eventsOfHandoff(h: StoredHandoff, where: Where, firstReplyAt: number | null): DashboardEvent[] {
  if (h.status === 'cancelled') return [];
  const handoffId = String(h._id);
  const base = { ...where, branchId: h.branchId ?? where.branchId, conversationId: h.conversationId, handoffId };
  const created = new Date(h.createdAt).getTime();
  const out: DashboardEvent[] = [
    { kind: 'escalated', ...base, at: created, reasons: h.reasons ?? [], afterHours: !!h.afterHours },
  ];
  if (!h.acceptedAt) return out;
  const accepted = new Date(h.acceptedAt).getTime();
  out.push({ kind: 'accepted', ...base, at: accepted, waitMs: accepted - created });
  if (firstReplyAt !== null) out.push({ kind: 'first_response', ...base, at: firstReplyAt, ms: firstReplyAt - accepted });
  if (h.closedAt) {
    const closed = new Date(h.closedAt).getTime();
    out.push({ kind: 'closed', ...base, at: closed, handleMs: closed - accepted });
  }
  return out;
}

export interface WriteOptions {
  /** Hours from here on (ms) are written, empty ones included; default: the first hour with counts. */
  from?: number;
  to?: number;
  now?: number;
  /** 'replace' (a rebuild: the stored data is the whole truth) or 'add' (data stored besides what was counted, e.g. the benchmark's seeding). */
  mode?: 'replace' | 'add';
}

/**
 * Writes the builder's finished hours (and finished whole business days) as rollups, replacing
 * what was there: hours absent from the builder are written empty. The hour in progress is left
 * to the live counters.
 */
export async function writeRollups(
  db: Pick<Db, 'connection'>,
  builder: RollupBuilder,
  o: WriteOptions = {},
): Promise<{ hours: number; days: number }> {
  const { Hour, Day } = rollupModels(db);
  const now = o.now ?? Date.now();
  const keys = [...builder.hours.keys()].sort();
  if (keys.length === 0 && o.from === undefined) return { hours: 0, days: 0 };
  const from = o.from ?? hourStart(keys[0]!);
  const lastDone = Math.floor((now - SEAL_GRACE_MS) / HOUR_MS) * HOUR_MS;
  const to = Math.min(o.to ?? lastDone, lastDone);
  const sealedAt = new Date(now);
  const hours: HourRollup[] = hoursOf(from, to).map((h) => ({
    _id: h,
    day: businessDay(hourStart(h)),
    counts: builder.hours.get(h) ?? {},
    source: 'backfill',
    sealedAt,
  }));
  const byDay = new Map<string, HourRollup[]>();
  for (const h of hours) byDay.set(h.day, [...(byDay.get(h.day) ?? []), h]);
  const days: DayRollup[] = [];
  for (const [day, parts] of byDay) {
    if (parts.length !== 24 || businessDayStart(day) + DAY_MS + SEAL_GRACE_MS > now) continue;
    const counts: Record<string, number> = {};
    for (const p of parts) addCounts(counts, p.counts);
    days.push({ _id: day, month: day.slice(0, 7), counts, hours: 24, source: 'backfill', sealedAt });
  }
  const mode = o.mode ?? 'replace';
  await writeAll(Hour, hours, mode);
  await writeAll(Day, days, mode);
  return { hours: hours.length, days: days.length };
}

type Rollup = { _id: string; counts: Record<string, number> };

/**
 * New ids in batches (insertMany), existing ones (or ones a sealer inserted meanwhile) replaced
 * one by one — with their stored counts added in 'add' mode. An operator's command: run one at a time.
 */
async function writeAll<T extends Rollup>(model: Model<T>, docs: T[], mode: 'replace' | 'add'): Promise<void> {
  if (docs.length === 0) return;
  const existing = new Set((await model.find({}, { _id: 1 }).lean()).map((d) => String((d as { _id: unknown })._id)));
  const later: T[] = docs.filter((d) => existing.has(d._id));
  const fresh = docs.filter((d) => !existing.has(d._id));
  for (let i = 0; i < fresh.length; i += 500) {
    const batch = fresh.slice(i, i + 500);
    try {
      await model.insertMany(batch as never[], { ordered: false });
    } catch (err) {
      const e = err as { writeErrors?: { code?: number; index?: number; err?: { index?: number } }[] };
      if (!e.writeErrors?.length || e.writeErrors.some((w) => w.code !== 11000)) throw err;
      for (const w of e.writeErrors) later.push(batch[w.index ?? w.err?.index ?? -1]!);
    }
  }
  for (const d of later) {
    let doc = d;
    if (mode === 'add') {
      const stored = (await model.findById(d._id).lean()) as Rollup | null;
      doc = { ...d, counts: addCounts({ ...(stored?.counts ?? {}) }, d.counts) };
    }
    await model.replaceOne({ _id: d._id } as never, doc as never);
  }
}

/**
 * Rebuilds the rollups of [from, to) from the stored conversations, messages and handoffs
 * (reads the messages of the range once: minutes at millions of messages — an operator's
 * command, not a request path).
 */
export async function backfillDashboard(
  db: Pick<Db, 'connection' | 'Conversation' | 'Message' | 'Handoff' | 'SurveyAnswer' | 'QualityScore'>,
  o: { from: number; to: number; now?: number },
): Promise<{ hours: number; days: number; messages: number; handoffs: number }> {
  const where = new Map<string, Where>();
  for await (const c of db.Conversation.find({}, { branchId: 1, channel: 1 }).lean().cursor()) {
    where.set(String(c._id), { branchId: c.branchId ?? null, channel: c.channel });
  }
  const builder = new RollupBuilder();
  const inRange = (d: Date) => {
    const t = new Date(d).getTime();
    return t >= o.from && t < o.to;
  };
  const handoffs = (await db.Handoff.find({}).lean()) as unknown as StoredHandoff[];
  const accepted = new Map<string, { accepted: number; closed: number; first: number | null }[]>();
  for (const h of handoffs) {
    if (!h.acceptedAt || h.status === 'cancelled') continue;
    const list = accepted.get(h.conversationId) ?? [];
    list.push({
      accepted: new Date(h.acceptedAt).getTime(),
      closed: h.closedAt ? new Date(h.closedAt).getTime() : Infinity,
      first: null,
    });
    accepted.set(h.conversationId, list);
  }
  let messages = 0;
  for await (const m of db.Message.find({}, { conversationId: 1, direction: 1, author: 1, createdAt: 1, 'meta.understanding': 1 })
    .lean()
    .cursor()) {
    const msg = m as unknown as StoredMessage;
    const w = where.get(msg.conversationId);
    if (!w) continue;
    const t = new Date(msg.createdAt).getTime();
    if (msg.author.kind === 'advisor') {
      for (const a of accepted.get(msg.conversationId) ?? [])
        if (t >= a.accepted && t <= a.closed && (a.first === null || t < a.first)) a.first = t;
    }
    if (!inRange(msg.createdAt)) continue;
    messages++;
    for (const e of eventsOfMessage(msg, w)) builder.add(e);
  }
  let counted = 0;
  for (const h of handoffs) {
    const w = where.get(h.conversationId);
    if (!w) continue;
    const first = h.acceptedAt
      ? ((accepted.get(h.conversationId) ?? []).find((a) => a.accepted === new Date(h.acceptedAt!).getTime())?.first ?? null)
      : null;
    const events = eventsOfHandoff(h, w, first).filter((e) => e.at !== undefined && e.at >= o.from && e.at < o.to);
    if (events.length) counted++;
    for (const e of events) builder.add(e);
  }
  const inRangeAt = (e: DashboardEvent) => e.at !== undefined && e.at >= o.from && e.at < o.to;
  for (const a of await db.SurveyAnswer.find({ score: { $ne: null } }).lean()) {
    const w = where.get(a.conversationId);
    if (!w || a.score === null || a.score === undefined) continue;
    const e: DashboardEvent = {
      kind: 'satisfaction',
      ...w,
      conversationId: a.conversationId,
      id: a.handoffId,
      score: a.score,
      at: new Date(a.at).getTime(),
    };
    if (inRangeAt(e)) builder.add(e);
  }
  // Each chat's first score (re-scores under a new scorecard are not counted again, as live).
  const firstScores = new Map<
    string,
    { conversationId: string; total: number; failed: string[]; closedAt: Date; scoredAt: number }
  >();
  for (const q of await db.QualityScore.find({ total: { $ne: null } }, { items: 0 }).lean()) {
    const seen = firstScores.get(q.handoffId);
    const scoredAt = new Date(q.scoredAt).getTime();
    if (q.total === null || q.total === undefined || (seen && seen.scoredAt <= scoredAt)) continue;
    firstScores.set(q.handoffId, {
      conversationId: q.conversationId,
      total: q.total,
      failed: q.failedItemIds ?? [],
      closedAt: q.closedAt,
      scoredAt,
    });
  }
  for (const [handoffId, q] of firstScores) {
    const w = where.get(q.conversationId);
    if (!w) continue;
    const e: DashboardEvent = {
      kind: 'inspection',
      ...w,
      conversationId: q.conversationId,
      id: handoffId,
      total: q.total,
      failedItems: q.failed,
      at: new Date(q.closedAt).getTime(),
    };
    if (inRangeAt(e)) builder.add(e);
  }
  const written = await writeRollups(db, builder, { from: o.from, to: o.to, now: o.now });
  forgetSealedRollups(db);
  return { ...written, messages, handoffs: counted };
}
