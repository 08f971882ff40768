import { Schema, type Connection, type Model } from 'mongoose';
import {
  DAY_MS,
  DashboardCounter,
  HOUR_MS,
  RECENT_BUCKET_MS,
  businessDay,
  businessDayStart,
  hourKey,
  hourStart,
  recentKey,
  type Db,
  type Queues,
} from '@brokerbot/shared';
import type { CountBucket } from './summarize';

/**
 * The dashboard's stored aggregates. A finished hour's counts become one `dashboardhours`
 * document (`_id` = the UTC hour "2026-12-04T20", `day` = its business day), a finished
 * business day's the sum of its 24 hours in one `dashboarddays` document (`_id` = "2026-12-05").
 * Both are written insert-only under their `_id` by the sealer (a second sealer's insert is a
 * duplicate key, and the content is the same), or replaced by a rebuild from stored data
 * (backfill). Readers take day documents for whole past days, hour documents for the rest, and
 * Redis's live counters for hours not sealed yet.
 */

export interface HourRollup {
  _id: string;
  day: string;
  counts: Record<string, number>;
  source: 'live' | 'backfill';
  sealedAt: Date;
}
export interface DayRollup {
  _id: string;
  /** "2026-12": day rollups are read by month. */
  month: string;
  counts: Record<string, number>;
  hours: number;
  source: 'live' | 'backfill';
  sealedAt: Date;
}

const hourSchema = new Schema<HourRollup>(
  {
    _id: { type: String, required: true },
    day: { type: String, required: true, index: true },
    counts: { type: Schema.Types.Mixed, default: {} },
    source: { type: String, required: true },
    sealedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
const daySchema = new Schema<DayRollup>(
  {
    _id: { type: String, required: true },
    month: { type: String, required: true, index: true },
    counts: { type: Schema.Types.Mixed, default: {} },
    hours: { type: Number, required: true },
    source: { type: String, required: true },
    sealedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

export interface RollupModels {
  Hour: Model<HourRollup>;
  Day: Model<DayRollup>;
}

const byConnection = new WeakMap<Connection, RollupModels>();

/** The rollup models on a database connection (collections `dashboardhours`, `dashboarddays`). */
export function rollupModels(db: Pick<Db, 'connection'>): RollupModels {
  let m = byConnection.get(db.connection);
  if (!m) {
    m = {
      Hour:
        (db.connection.models.DashboardHour as Model<HourRollup> | undefined) ??
        db.connection.model<HourRollup>('DashboardHour', hourSchema),
      Day:
        (db.connection.models.DashboardDay as Model<DayRollup> | undefined) ??
        db.connection.model<DayRollup>('DashboardDay', daySchema),
    };
    byConnection.set(db.connection, m);
  }
  return m;
}

/** Live counters older than this are gone from Redis (DashboardCounter keeps them 3 days). */
const LIVE_KEPT_MS = 3 * DAY_MS - HOUR_MS;
/** An hour is sealed this long after it ended (a hook counts in the hour of its own clock). */
export const SEAL_GRACE_MS = 2 * 60_000;

export interface LoadDeps {
  db: Pick<Db, 'connection'>;
  queues: Pick<Queues, 'inbound'>;
}

/** The hour keys of [from, to), by whole hours. */
export function hoursOf(from: number, to: number): string[] {
  const out: string[] = [];
  for (let t = Math.floor(from / HOUR_MS) * HOUR_MS; t < to; t += HOUR_MS) out.push(hourKey(t));
  return out;
}

/**
 * Sealed rollups are kept in memory for a while: they do not change once written (a rebuild from
 * stored data — an operator's command — shows after at most this long). A month's day rollups
 * or a past day's hour rollups cost one query per minute per process, whatever the traffic.
 */
export const SEALED_CACHE_MS = 60_000;
interface Cached<T> {
  at: number;
  docs: Promise<T[]>;
}
const caches = new WeakMap<Connection, Map<string, Cached<unknown>>>();

function cachedFind<T>(db: Pick<Db, 'connection'>, key: string, load: () => Promise<T[]>): Promise<T[]> {
  const now = Date.now();
  let cache = caches.get(db.connection);
  if (!cache) caches.set(db.connection, (cache = new Map()));
  const hit = cache.get(key) as Cached<T> | undefined;
  if (hit && now - hit.at < SEALED_CACHE_MS) return hit.docs;
  const docs = load();
  cache.set(key, { at: now, docs });
  docs.catch(() => cache.delete(key));
  if (cache.size > 500) for (const [k, v] of cache) if (now - v.at >= SEALED_CACHE_MS) cache.delete(k);
  return docs;
}

/** Drops this process's copies of sealed rollups (after a rebuild in this process). */
export function forgetSealedRollups(db: Pick<Db, 'connection'>): void {
  caches.delete(db.connection);
}

/**
 * The counts of [from, to) as buckets: day rollups for whole sealed business days, hour rollups
 * for the other hours, live counters for hours not sealed yet. Round trips: the day rollups of
 * each month and the hour rollups of each remaining day (equality lookups, kept a minute, see
 * SEALED_CACHE_MS), and one Redis pipeline for the open hours.
 */
export async function loadBuckets(deps: LoadDeps, from: number, to: number, now = Date.now()): Promise<CountBucket[]> {
  const { Hour, Day } = rollupModels(deps.db);
  const hours = hoursOf(from, to);
  const wholeDays = [...new Set(hours.map((h) => businessDay(hourStart(h))))].filter((d) => {
    const start = businessDayStart(d);
    return start >= Math.floor(from / HOUR_MS) * HOUR_MS && start + DAY_MS <= to && start + DAY_MS + SEAL_GRACE_MS <= now;
  });
  const months = [...new Set(wholeDays.map((d) => d.slice(0, 7)))];
  const wanted = new Set(wholeDays);
  const days = (
    await Promise.all(
      months.map((m) => cachedFind(deps.db, `month:${m}`, () => Day.find({ month: m }).lean<DayRollup[]>().exec())),
    )
  )
    .flat()
    .filter((d) => wanted.has(d._id));
  const covered = new Set(days.map((d) => d._id));
  const out: CountBucket[] = days.map((d) => ({ start: businessDayStart(d._id), span: 'day', counts: d.counts ?? {} }));
  const rest = hours.filter((h) => !covered.has(businessDay(hourStart(h))));
  const restDays = [...new Set(rest.map((h) => businessDay(hourStart(h))))];
  const wantedHours = new Set(rest);
  // Sealed hours do not change: a day's list is cached too. An hour sealed since is read from the
  // live counters meanwhile (kept three days), which hold the same counts.
  const sealed = (
    await Promise.all(
      restDays.map((d) => cachedFind(deps.db, `day:${d}`, () => Hour.find({ day: d }).lean<HourRollup[]>().exec())),
    )
  )
    .flat()
    .filter((h) => wantedHours.has(h._id));
  const sealedIds = new Set(sealed.map((h) => h._id));
  for (const h of sealed) out.push({ start: hourStart(h._id), span: 'hour', counts: h.counts ?? {} });
  const live = rest.filter((h) => !sealedIds.has(h) && hourStart(h) >= now - LIVE_KEPT_MS && hourStart(h) <= now);
  const counter = DashboardCounter.of(deps.queues);
  const liveCounts = await counter.read(live.map((h) => counter.hourHashKey(h)));
  live.forEach((h, i) => out.push({ start: hourStart(h), span: 'hour', counts: liveCounts[i]! }));
  return out;
}

/** The live 5-minute emotion buckets of the last two hours. */
export async function loadRecent(deps: Pick<LoadDeps, 'queues'>, now = Date.now()): Promise<CountBucket[]> {
  const counter = DashboardCounter.of(deps.queues);
  const starts: number[] = [];
  const last = Math.floor(now / RECENT_BUCKET_MS) * RECENT_BUCKET_MS;
  for (let t = last - 23 * RECENT_BUCKET_MS; t <= last; t += RECENT_BUCKET_MS) starts.push(t);
  const counts = await counter.read(starts.map((t) => counter.recentHashKey(recentKey(t))));
  return starts.map((start, i) => ({ start, span: 'hour', counts: counts[i]! }));
}

/** Adds `counts` into `target`. */
export function addCounts(target: Record<string, number>, counts: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(counts)) if (v) target[k] = (target[k] ?? 0) + v;
  return target;
}

const isDuplicate = (err: unknown) => {
  const e = err as { code?: number; writeErrors?: { code?: number }[] };
  return e.code === 11000 || (!!e.writeErrors?.length && e.writeErrors.every((w) => w.code === 11000));
};

/** Inserts rollups that do not exist yet; a duplicate `_id` (sealed already) is left as it is. */
export async function insertIfAbsent<T>(model: Model<T>, docs: T[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await model.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    if (!isDuplicate(err)) throw err;
  }
}
