import type { Redis } from 'ioredis';
import type { Queues } from '../queues';
import { incrementsOf, type DashboardEvent } from './dashboard-counts';

/**
 * The dashboard's live counters (看板): each event's increments go into a Redis hash per hour
 * bucket (`<prefix>:dash:h:<hour>`), at most once per event (a `SET NX` on its dedupe key in the
 * same Lua script, so a hook that runs again — a redelivered job, a resent message — adds
 * nothing). The sealer (agent-console/src/dashboard/sealer.ts) copies each finished hour into
 * the database with an insert-only write; the dashboard reads sealed hours from the database
 * and the open ones from here.
 *
 * Hooks call `countForDashboard(queues, event)` right after the fact is stored; it shares the
 * queues' Redis connection and key prefix (as TurnOrder does), one round trip per event.
 */

const KEEP_S = 3 * 24 * 3600;
const ACCEPTED_KEEP_S = 7 * 24 * 3600;

const SCRIPT = `
local b = ARGV[3]
if b == '' then b = redis.call('GET', KEYS[4]) or '-' else redis.call('SET', KEYS[4], b, 'EX', ARGV[2]) end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local p = b .. '|' .. ARGV[4] .. '|'
for i = 6, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], p .. ARGV[i], ARGV[i + 1])
  if ARGV[5] == '1' then redis.call('HINCRBY', KEYS[3], p .. ARGV[i], ARGV[i + 1]) end
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
if ARGV[5] == '1' then redis.call('EXPIRE', KEYS[3], ARGV[2]) end
return 1`;

type WithCount = Redis & {
  dashCount(k1: string, k2: string, k3: string, k4: string, ...argv: (string | number)[]): Promise<number>;
};

/** A first_response / closed event may leave its duration out: it is then measured from the recorded accept. */
export type LiveDashboardEvent =
  | DashboardEvent
  | (Omit<Extract<DashboardEvent, { kind: 'first_response' }>, 'ms'> & { ms?: number | null })
  | (Omit<Extract<DashboardEvent, { kind: 'closed' }>, 'handleMs'> & { handleMs?: number | null });

export class DashboardCounter {
  private static readonly byQueue = new WeakMap<object, DashboardCounter>();

  /** The counter that goes with the system's queues: same Redis connection, same key prefix. */
  static of(queues: Pick<Queues, 'inbound'>): DashboardCounter {
    const queue = queues.inbound;
    let counter = DashboardCounter.byQueue.get(queue);
    if (!counter) {
      const connection = queue.opts.connection as unknown;
      if (!connection || typeof (connection as Partial<Redis>).hincrby !== 'function') {
        throw new Error('DashboardCounter.of: the inbound queue must be created with an ioredis connection');
      }
      counter = new DashboardCounter(connection as Redis, queue.opts.prefix ?? 'bull');
      DashboardCounter.byQueue.set(queue, counter);
    }
    return counter;
  }

  private readonly redis: WithCount;

  constructor(
    redis: Redis,
    readonly prefix: string,
  ) {
    if (!(redis as unknown as Partial<WithCount>).dashCount) redis.defineCommand('dashCount', { numberOfKeys: 4, lua: SCRIPT });
    this.redis = redis as unknown as WithCount;
  }

  hourHashKey(hour: string): string {
    return `${this.prefix}:dash:h:${hour}`;
  }

  recentHashKey(bucket: string): string {
    return `${this.prefix}:dash:r:${bucket}`;
  }

  private acceptedKey(handoffId: string): string {
    return `${this.prefix}:dash:acc:${handoffId}`;
  }

  /**
   * Counts one event (idempotent). Returns how many of its increments were new. Live events count
   * at `now` (the hook's clock), whatever `at` they carry: an hour is sealed two minutes after it
   * ends, so a late event never lands in a sealed hour (`at` is for rebuilds from stored data).
   */
  async count(input: LiveDashboardEvent, now = Date.now()): Promise<number> {
    const event = { ...(await this.withDuration(input, now)), at: now };
    if (event.kind === 'accepted') await this.redis.set(this.acceptedKey(event.handoffId), String(now), 'EX', ACCEPTED_KEEP_S);
    const incs = incrementsOf(event, now);
    if (incs.length === 0) return 0;
    // Direct script calls, written back to back: a pipeline() on this connection would first copy
    // every Lua script BullMQ defined on it (~70), which cost more CPU than the counting itself.
    const added = await Promise.all(
      incs.map((inc) => {
        const argv: (string | number)[] = [KEEP_S, KEEP_S, event.branchId ?? '', event.channel, inc.recent ? '1' : '0'];
        for (const [field, n] of Object.entries(inc.fields)) argv.push(field, n);
        return this.redis.dashCount(
          `${this.prefix}:dash:seen:${inc.dedupe}`,
          this.hourHashKey(inc.hour),
          this.recentHashKey(inc.recent ?? 'none'),
          `${this.prefix}:dash:branch:${event.conversationId}`,
          ...argv,
        );
      }),
    );
    return added.reduce((sum, n) => sum + Number(n), 0);
  }

  private async withDuration(event: LiveDashboardEvent, now: number): Promise<DashboardEvent> {
    if (event.kind === 'first_response' && event.ms === undefined)
      return { ...event, ms: await this.sinceAccepted(event.handoffId, now) };
    if (event.kind === 'closed' && event.handleMs === undefined)
      return { ...event, handleMs: await this.sinceAccepted(event.handoffId, now) };
    return event as DashboardEvent;
  }

  private async sinceAccepted(handoffId: string, now: number): Promise<number | null> {
    const at = Number(await this.redis.get(this.acceptedKey(handoffId)));
    return at > 0 ? now - at : null;
  }

  /** The counts of open hours (or 5-minute buckets), one pipelined round trip. */
  async read(keys: string[]): Promise<Record<string, number>[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.hgetall(k);
    const res = (await pipeline.exec()) ?? [];
    return res.map(([err, value]) => {
      if (err) throw err;
      const out: Record<string, number> = {};
      for (const [f, v] of Object.entries((value ?? {}) as Record<string, string>)) out[f] = Number(v);
      return out;
    });
  }
}

/** The dashboard hook: counts an event that was just stored. */
export function countForDashboard(queues: Pick<Queues, 'inbound'>, event: LiveDashboardEvent): Promise<number> {
  return DashboardCounter.of(queues).count(event);
}
