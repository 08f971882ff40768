import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Db, Logger } from '@brokerbot/shared';
import { indexKeys, type IndexKeys } from './index-keys';
import type { IndexWrites } from './records';
import { TermLists } from './term-lists';

/**
 * 会话记录 search's index mirrored in Redis sorted sets (member = conversation id, score = a time
 * in ms), so that a page is a few Redis reads instead of walking day records in the database:
 * - **latest activity**: each conversation's latest indexed message or change, one set for every
 *   branch (`<prefix>:tindex:latest`) and one per branch (`…:latest:b:<branchId>`, `-` for none):
 *   the newest conversations of a scope in one ZRANGE, and the latest activity of a filter's
 *   conversations (a keyword's, the escalated ones) in one ZMSCORE, however sparse among the days;
 * - **days**: the day records (`…:day:<day>`, `…:day:b:<branchId>:<day>`), score = the latest
 *   activity of that conversation on that day, and beside each its first activity that day
 *   (`…:dayfirst:…`, ZADD LT): a date range that ends before now walks them;
 * - **escalated**: the conversations ever handed to a person (`…:tindex:escalated`, a plain set,
 *   added by the escalation and transfer paths right after their handoff is stored: shared's
 *   `markEscalated`), for the 仅转人工 filter instead of a `distinct` over every handoff.
 *
 * Derived data, rebuilt from the day records (transcriptactivities) and the handoffs whenever it
 * is not known to be whole. The sets count as whole only while `…:tindex:ready` exists: a rebuild
 * sets it at its end, and only if the Redis it started on still holds its lock token (Redis
 * restarted without its data meanwhile: the token is gone, the mark is not set, the next check
 * rebuilds again). Losing Redis's data loses the mark with the sets, and writers that add day
 * records without the index worker (the bench's seeding) remove it (`invalidate`); the mark also
 * expires after 7 days, so the sets are rebuilt weekly. Without the mark, search walks the day
 * records in the database as before. The index worker adds every batch it writes (ZADD GT: the
 * latest time wins, in any order and any number of times); retention removes purged conversations.
 *
 * @example
 *   const sets = new ActivitySets(redis, prefix);
 *   await sets.note([{ conversationId, branchId: 'SH01', day: '2026-12-04', lastAt }]);
 *   const scores = await sets.scoresOf('SH01', ids); // null: not whole, walk the days
 */

const READY_TTL_MS = 7 * 24 * 3600_000;
const BUILD_LOCK_MS = 10 * 60_000;
const REBUILD_BATCH = 2_000;

/** Sets the ready mark only if the lock still holds this rebuild's token (same Redis, not restarted). */
const FINISH_BUILD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[1])
return 1`;

/** A score bound as Redis spells infinities. */
const bound = (v: number) => (v === Infinity ? '+inf' : v === -Infinity ? '-inf' : String(v));

export interface LatestRecord {
  conversationId: string;
  branchId: string | null;
  /** The record's business day (YYYY-MM-DD). */
  day: string;
  /** Its first activity that day (absent: the day sets' first times are not told). */
  firstAt?: Date;
  lastAt: Date;
}

/** A conversation's latest activity on one day, from the day sets. */
export interface DayMember {
  conversationId: string;
  /** Only when asked for (the day a range ends in); null: not known for this member. */
  firstAt: Date | null;
  lastAt: Date;
}

/** Scores by conversation (ms), for the ids that have one. */
export type LatestScores = Map<string, number>;

/** A rebuild given up because its process is stopping. */
class RebuildStopped extends Error {}

export class ActivitySets {
  private readonly keys: IndexKeys;
  /** Searched words' lists, kept per build of these sets (term-lists.ts). */
  readonly terms: TermLists;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = indexKeys(prefix);
    this.terms = new TermLists(redis, prefix);
  }

  /** What the index worker wrote for a batch: its day records' times and its word records. */
  async noteWrites(writes: Pick<IndexWrites, 'activities' | 'terms'>): Promise<void> {
    await this.note(writes.activities);
    await this.terms.add(writes.terms);
  }

  /** Adds day records' latest times (one pipeline). */
  async note(records: readonly LatestRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const r of records) {
      const at = +new Date(r.lastAt);
      pipeline.zadd(this.keys.latest(), 'GT', at, r.conversationId);
      pipeline.zadd(this.keys.latest(r.branchId), 'GT', at, r.conversationId);
      pipeline.zadd(this.keys.day(r.day), 'GT', at, r.conversationId);
      pipeline.zadd(this.keys.day(r.day, r.branchId), 'GT', at, r.conversationId);
      if (r.firstAt) {
        const first = +new Date(r.firstAt);
        pipeline.zadd(this.keys.dayFirst(r.day), 'LT', first, r.conversationId);
        pipeline.zadd(this.keys.dayFirst(r.day, r.branchId), 'LT', first, r.conversationId);
      }
    }
    await pipeline.exec();
  }

  /**
   * Forgets a conversation (the retention purge), given the days it was active on. Searched
   * words' lists may keep its id: without a latest activity it is never listed.
   */
  async forget(conversationId: string, branchId: string | null | undefined, days: readonly string[]): Promise<void> {
    const pipeline = this.redis
      .pipeline()
      .zrem(this.keys.latest(), conversationId)
      .zrem(this.keys.latest(branchId ?? null), conversationId)
      .srem(this.keys.escalated, conversationId);
    for (const day of days) {
      for (const key of [this.keys.day(day), this.keys.day(day, branchId ?? null)]) pipeline.zrem(key, conversationId);
      for (const key of [this.keys.dayFirst(day), this.keys.dayFirst(day, branchId ?? null)]) pipeline.zrem(key, conversationId);
    }
    await pipeline.exec();
  }

  /**
   * The members of each day's set of a scope (every branch: undefined), newest first (equal times
   * in descending id order), with their first activity that day for the days in `withFirst`; null
   * when the sets are not whole.
   */
  async days(
    branchId: string | undefined,
    days: readonly string[],
    withFirst: ReadonlySet<string> = new Set(),
  ): Promise<Map<string, DayMember[]> | null> {
    const multi = this.redis.multi().exists(this.keys.ready);
    for (const day of days) {
      multi.zrange(this.keys.day(day, branchId), 0, -1, 'REV', 'WITHSCORES');
      if (withFirst.has(day)) multi.zrange(this.keys.dayFirst(day, branchId), 0, -1, 'WITHSCORES');
    }
    const replies = (await multi.exec()) ?? [];
    if (replies[0]?.[1] !== 1) return null;
    const pairs = (reply: unknown) => {
      const flat = ((reply as [unknown, unknown] | undefined)?.[1] ?? []) as string[];
      const out: [string, number][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, Number(flat[i + 1])]);
      return out;
    };
    const out = new Map<string, DayMember[]>();
    let r = 1;
    for (const day of days) {
      const latest = pairs(replies[r++]);
      const firsts = withFirst.has(day) ? new Map(pairs(replies[r++])) : null;
      out.set(
        day,
        latest.map(([conversationId, at]) => {
          const first = firsts?.get(conversationId);
          return { conversationId, lastAt: new Date(at), firstAt: first === undefined ? null : new Date(first) };
        }),
      );
    }
    return out;
  }

  /** The conversations ever escalated, or null when the sets are not whole. */
  async escalated(): Promise<string[] | null> {
    const replies = (await this.redis.multi().exists(this.keys.ready).smembers(this.keys.escalated).exec()) ?? [];
    if (replies[0]?.[1] !== 1) return null;
    return (replies[1]?.[1] ?? []) as string[];
  }

  /** Marks the sets as not whole (after day records were written without `note`). */
  async invalidate(): Promise<void> {
    await this.redis.del(this.keys.ready);
  }

  async isReady(): Promise<boolean> {
    return (await this.redis.exists(this.keys.ready)) === 1;
  }

  /**
   * The latest activity of `ids` in a scope, or null when the sets are not whole. The ready mark
   * is read in the same MULTI as the scores.
   */
  async scoresOf(branchId: string | undefined, ids: readonly string[]): Promise<LatestScores | null> {
    const multi = this.redis.multi().exists(this.keys.ready);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 1_000) chunks.push(ids.slice(i, i + 1_000));
    for (const chunk of chunks) multi.zmscore(this.keys.latest(branchId), ...chunk);
    const replies = (await multi.exec()) ?? [];
    if (replies[0]?.[1] !== 1) return null;
    const scores: LatestScores = new Map();
    chunks.forEach((chunk, c) => {
      const values = (replies[c + 1]?.[1] ?? []) as (string | null)[];
      chunk.forEach((id, i) => {
        const v = values[i];
        if (v !== null && v !== undefined) scores.set(id, Number(v));
      });
    });
    return scores;
  }

  /**
   * Up to `count` conversations of a scope, newest first, with latest activity in [min, max]
   * (ms, inclusive), skipping `offset` of them; null when the sets are not whole. Equal times
   * come in descending id order, as the search lists them.
   */
  async newest(
    branchId: string | undefined,
    max: number,
    min: number,
    offset: number,
    count: number,
  ): Promise<{ conversationId: string; at: number }[] | null> {
    const replies =
      (await this.redis
        .multi()
        .exists(this.keys.ready)
        .zrange(this.keys.latest(branchId), bound(max), bound(min), 'BYSCORE', 'REV', 'LIMIT', offset, count, 'WITHSCORES')
        .exec()) ?? [];
    if (replies[0]?.[1] !== 1) return null;
    const flat = (replies[1]?.[1] ?? []) as string[];
    const out: { conversationId: string; at: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ conversationId: flat[i]!, at: Number(flat[i + 1]) });
    return out;
  }

  /**
   * Rebuilds the sets from the day records and the handoffs when they are not marked whole; one
   * process at a time (a lock with a token). Returns the day records read, or null when nothing
   * was to do (whole, or another process is rebuilding).
   */
  async rebuildIfNeeded(
    db: Pick<Db, 'TranscriptActivity' | 'Handoff'>,
    logger?: Logger,
    /** Checked between batches: true gives up (the role is stopping; the mark stays unset). */
    stopping: () => boolean = () => false,
  ): Promise<number | null> {
    if (await this.isReady()) return null;
    const token = randomBytes(8).toString('hex');
    if ((await this.redis.set(this.keys.building, token, 'PX', BUILD_LOCK_MS, 'NX')) !== 'OK') return null;
    const started = Date.now();
    let read = 0;
    let batch: LatestRecord[] = [];
    try {
      const cursor = db.TranscriptActivity.find({}, { conversationId: 1, branchId: 1, day: 1, firstAt: 1, lastAt: 1, _id: 0 })
        .lean()
        .cursor({ batchSize: REBUILD_BATCH });
      for await (const r of cursor) {
        batch.push(r as unknown as LatestRecord);
        read += 1;
        if (batch.length >= REBUILD_BATCH) {
          if (stopping()) throw new RebuildStopped();
          await this.note(batch);
          batch = [];
          await this.redis.pexpire(this.keys.building, BUILD_LOCK_MS);
        }
      }
      await this.note(batch);
      const escalated = ((await db.Handoff.distinct('conversationId')) as unknown[]).map(String);
      for (let i = 0; i < escalated.length; i += REBUILD_BATCH) {
        await this.redis.sadd(this.keys.escalated, ...escalated.slice(i, i + REBUILD_BATCH));
      }
      const finished = await this.redis.eval(
        FINISH_BUILD,
        2,
        this.keys.building,
        this.keys.ready,
        token,
        String(Date.now()),
        READY_TTL_MS,
      );
      if (finished === 1) logger?.info({ records: read, ms: Date.now() - started }, '会话记录 activity sets rebuilt');
      return read;
    } catch (err) {
      // Let another try soon (the lock would otherwise hold for BUILD_LOCK_MS).
      await this.redis.eval(
        `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end`,
        1,
        this.keys.building,
        token,
      );
      if (err instanceof RebuildStopped) return null;
      throw err;
    }
  }
}
