import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  DAY_MS,
  DashboardCounter,
  HOUR_MS,
  businessDay,
  businessDayStart,
  findIn,
  hourStart,
  type Db,
  type Logger,
  type Queues,
} from '@brokerbot/shared';
import {
  SEAL_GRACE_MS,
  addCounts,
  forgetSealedRollups,
  hoursOf,
  insertIfAbsent,
  rollupModels,
  type DayRollup,
  type HourRollup,
} from './rollups';

/**
 * Copies finished hours' live counters (Redis) into insert-only hour rollups, and finished
 * business days' 24 hour rollups into a day rollup. Idempotent: a rollup is inserted under its
 * `_id` only when absent, and its content is a function of counters that no longer change (an
 * hour is sealed SEAL_GRACE_MS after it ended; hooks count in the hour of their own clock). One
 * process seals at a time (a Redis lock); a process dying mid-way leaves the rest for the next
 * round. Looks back two days, so a sealer that was down for a while catches up (Redis keeps the
 * live counters three days).
 */

const LOOK_BACK_MS = 2 * DAY_MS;

export interface SealDeps {
  db: Pick<Db, 'connection'>;
  queues: Pick<Queues, 'inbound'>;
}

export interface SealResult {
  hours: number;
  days: number;
}

export async function sealDashboard(deps: SealDeps, now = Date.now()): Promise<SealResult> {
  const { Hour, Day } = rollupModels(deps.db);
  const counter = DashboardCounter.of(deps.queues);
  const lastDone = Math.floor((now - SEAL_GRACE_MS) / HOUR_MS) * HOUR_MS; // hours starting before this are finished
  const candidates = hoursOf(lastDone - LOOK_BACK_MS, lastDone);
  const days = [...new Set(candidates.map((h) => businessDay(hourStart(h))))];
  const existing = await findIn<HourRollup>(Hour, 'day', days);
  const have = new Map(existing.map((h) => [h._id, h]));
  const missing = candidates.filter((h) => !have.has(h));
  const live = await counter.read(missing.map((h) => counter.hourHashKey(h)));
  const sealedAt = new Date(now);
  const newHours: HourRollup[] = missing.map((h, i) => ({
    _id: h,
    day: businessDay(hourStart(h)),
    counts: live[i]!,
    source: 'live',
    sealedAt,
  }));
  await insertIfAbsent(Hour, newHours);
  for (const h of newHours) have.set(h._id, h);

  const finishedDays = days.filter((d) => businessDayStart(d) + DAY_MS + SEAL_GRACE_MS <= now);
  const sealedDays = new Set((await findIn<DayRollup>(Day, '_id', finishedDays)).map((d) => d._id));
  const newDays: DayRollup[] = [];
  for (const d of finishedDays) {
    if (sealedDays.has(d)) continue;
    const start = businessDayStart(d);
    const parts = hoursOf(start, start + DAY_MS).map((h) => have.get(h));
    if (parts.some((p) => !p)) continue; // hours older than the look-back: left to a backfill
    const counts: Record<string, number> = {};
    for (const p of parts) addCounts(counts, p!.counts);
    newDays.push({
      _id: d,
      month: d.slice(0, 7),
      counts,
      hours: 24,
      source: parts.some((p) => p!.source === 'backfill') ? 'backfill' : 'live',
      sealedAt,
    });
  }
  await insertIfAbsent(Day, newDays);
  // This process's readers see the new rollups at once (other processes within SEALED_CACHE_MS; the live counters hold the same counts meanwhile).
  if (newHours.length || newDays.length) forgetSealedRollups(deps.db);
  return { hours: newHours.length, days: newDays.length };
}

export interface SealerOptions {
  intervalMs?: number;
  logger?: Logger;
}

/** Runs sealDashboard at start and every `intervalMs` (default a minute), one process at a time. */
export function startDashboardSealer(deps: SealDeps & { redis: Redis; prefix: string }, options: SealerOptions = {}) {
  const intervalMs = options.intervalMs ?? 60_000;
  const lockKey = `${deps.prefix}:dash:seal-lock`;
  const token = randomBytes(8).toString('hex');
  let running: Promise<void> | null = null;
  const round = async () => {
    const locked = await deps.redis.set(lockKey, token, 'PX', Math.max(intervalMs, 30_000), 'NX');
    if (!locked) return;
    try {
      const r = await sealDashboard(deps);
      if (r.hours || r.days) options.logger?.info({ hours: r.hours, days: r.days }, 'dashboard rollups sealed');
    } finally {
      if ((await deps.redis.get(lockKey)) === token) await deps.redis.del(lockKey);
    }
  };
  const tick = () => {
    running ??= round()
      .catch((err: unknown) => options.logger?.warn({ err }, 'dashboard sealing failed; retried next round'))
      .finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
