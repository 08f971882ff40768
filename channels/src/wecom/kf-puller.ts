import type { Redis } from 'ioredis';
import type { Logger } from '@brokerbot/shared';
import { TencentApiError } from '../tencent/api-client';
import { FencedLock } from '../tencent/fenced-lock';
import type { KfApi, KfItem } from './kf-api';

const LOCK_MS = 10_000;
const RENEW_MS = 3_000;
const SYNC_TOKEN_MS = 9 * 60_000; // the callback's Token is valid 10 min
const PENDING_S = 24 * 3600;
const SWEEP_MS = 30_000;
const MAX_PAGES_PER_DRAIN = 500;
const INVALID_SYNC_TOKEN = 95007;
/** "Invalid parameter": for a cursor, one the platform does not know (never issued, or its log is gone). */
const INVALID_PARAMETER = 40058;
/** Deletes the stored cursor only while it still holds the value that was rejected. */
const DROP_CURSOR = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface KfPullerDeps {
  redis: Redis;
  logger: Logger;
  kf: KfApi;
  keyPrefix: string;
  /** Stores and queues one item; must be idempotent (a page is read again after a crash). */
  handle(item: KfItem, openKfId: string): Promise<void>;
}

class LostLockError extends Error {}

/**
 * Pulls kf messages with sync_msg when WeCom says there are some (kf_msg_or_event).
 *
 * - The cursor is stored per kf account in Redis and moves only after a page is handled (stored
 *   and queued), with a fenced write: a puller that lost its lock cannot move it.
 * - One puller per kf account at a time (a Redis lock with expiry). A callback that finds the
 *   lock held leaves a "pull again" flag, which the holder consumes before each round and checks
 *   once more after releasing, so no event is dropped between the two.
 * - The flag is set before the callback is answered and cleared only when a round starts, so a
 *   crash loses nothing: the next start (or the 30 s sweep) drains what is flagged, and a lock
 *   left by a dead process expires after 10 s.
 * - A stored cursor the platform rejects (40058: its message log no longer knows it) is dropped
 *   and the sync starts over without a cursor, with the callback's Token. That re-reads what is
 *   still readable (3 days); `handle` is idempotent on the msgid, so nothing is answered twice.
 *   If the cursor-less sync fails too, the round fails and is retried with back-off.
 */
export class KfPuller {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, number>();
  /** Kicked while a drain ran here: run once more after it, in case it had already looked at the flag. */
  private readonly again = new Set<string>();
  private sweep: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: KfPullerDeps,
    private readonly openKfIds: readonly string[],
  ) {}

  private keys(openKfId: string) {
    const base = `${this.deps.keyPrefix}:kf:${openKfId}`;
    return {
      pending: `${base}:pull-again`,
      cursor: `${base}:cursor`,
      token: `${base}:sync-token`,
      lock: new FencedLock(this.deps.redis, `${base}:lock`, LOCK_MS),
    };
  }

  /** Start: catch up on every kf account (a crash may have left messages unread), then sweep now and then. */
  async start(): Promise<void> {
    for (const id of this.openKfIds) await this.deps.redis.set(this.keys(id).pending, '1', 'EX', PENDING_S);
    for (const id of this.openKfIds) this.kick(id);
    this.sweep = setInterval(() => this.openKfIds.forEach((id) => this.kick(id)), SWEEP_MS);
    this.sweep.unref();
  }

  /** A kf_msg_or_event callback: durable before we answer it, pulled right after. */
  async notify(openKfId: string, syncToken: string | undefined): Promise<void> {
    const keys = this.keys(openKfId);
    const pipeline = this.deps.redis.pipeline();
    if (syncToken) pipeline.set(keys.token, syncToken, 'PX', SYNC_TOKEN_MS);
    pipeline.set(keys.pending, '1', 'EX', PENDING_S);
    await pipeline.exec();
    this.kick(openKfId);
  }

  /** Resolves when this process has no pull running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweep) clearInterval(this.sweep);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await this.idle();
  }

  private kick(openKfId: string): void {
    if (this.stopped) return;
    if (this.active.has(openKfId)) {
      this.again.add(openKfId);
      return;
    }
    const run = this.drain(openKfId)
      .then(() => void this.failures.delete(openKfId))
      .catch((err) => {
        const n = (this.failures.get(openKfId) ?? 0) + 1;
        this.failures.set(openKfId, n);
        const delay = Math.min(30_000, 500 * 2 ** n);
        this.deps.logger.error({ err, openKfId, retryInMs: delay }, 'kf pull failed; will retry');
        this.schedule(openKfId, delay);
      })
      .finally(() => {
        this.active.delete(openKfId);
        if (this.again.delete(openKfId)) this.kick(openKfId);
      });
    this.active.set(openKfId, run);
  }

  private schedule(openKfId: string, ms: number): void {
    if (this.stopped || this.timers.has(openKfId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(openKfId);
      this.kick(openKfId);
    }, ms);
    timer.unref();
    this.timers.set(openKfId, timer);
  }

  private async drain(openKfId: string): Promise<void> {
    const { redis } = this.deps;
    const keys = this.keys(openKfId);
    while (!this.stopped && (await redis.exists(keys.pending))) {
      const fence = await keys.lock.acquire();
      if (fence === null) {
        // Held elsewhere: that holder sees our flag. If it died, its lock expires and we take over.
        this.schedule(openKfId, (await keys.lock.remainingMs()) + 50);
        return;
      }
      let lost = false;
      const renew = setInterval(() => {
        keys.lock.renew(fence).then(
          (ok) => (lost ||= !ok),
          () => undefined,
        );
      }, RENEW_MS);
      try {
        while (!this.stopped && !lost && (await redis.del(keys.pending)) === 1) {
          try {
            await this.pullAll(openKfId, fence, () => lost);
          } catch (err) {
            await redis.set(keys.pending, '1', 'EX', PENDING_S);
            throw err;
          }
        }
      } finally {
        clearInterval(renew);
        await keys.lock.release(fence);
      }
      // Loop: a flag set while we held the lock, after our last check, is honoured now.
    }
  }

  /** Reads pages from the stored cursor until has_more is 0, moving the cursor after each handled page. */
  private async pullAll(openKfId: string, fence: number, lost: () => boolean): Promise<void> {
    const { redis, kf, handle } = this.deps;
    const keys = this.keys(openKfId);
    let cursor = (await redis.get(keys.cursor)) ?? undefined;
    for (let pages = 0; pages < MAX_PAGES_PER_DRAIN; pages++) {
      if (lost()) throw new LostLockError(`lost the pull lock of ${openKfId}`);
      const token = (await redis.get(keys.token)) ?? undefined;
      let page;
      try {
        page = await kf.syncMsg({ openKfId, cursor, token });
      } catch (err) {
        // An expired callback token: pull without one (allowed, at a stricter rate).
        if (err instanceof TencentApiError && err.errcode === INVALID_SYNC_TOKEN && token) {
          await redis.del(keys.token);
          continue;
        }
        // A cursor the platform does not know (e.g. issued before its message log was reset):
        // start over without one. Only once per round: cursor is undefined from here on, so a
        // cursor-less sync that fails as well is thrown and backed off.
        if (err instanceof TencentApiError && err.errcode === INVALID_PARAMETER && cursor) {
          this.deps.logger.warn(
            { openKfId, errcode: err.errcode, errmsg: err.errmsg },
            'kf sync_msg rejected the stored cursor; dropping it and syncing again without a cursor',
          );
          if (lost()) throw new LostLockError(`lost the pull lock of ${openKfId}`);
          await redis.eval(DROP_CURSOR, 1, keys.cursor, cursor);
          cursor = undefined;
          continue;
        }
        throw err;
      }
      for (const item of page.items) await handle(item, openKfId);
      if (page.nextCursor && page.nextCursor !== cursor) {
        if (!(await keys.lock.guardedSet(fence, keys.cursor, page.nextCursor)))
          throw new LostLockError(`lost the pull lock of ${openKfId}`);
        cursor = page.nextCursor;
      }
      if (!page.hasMore) return;
    }
    // Very long backlog: leave the rest for the next round rather than hold the lock forever.
    await redis.set(keys.pending, '1', 'EX', PENDING_S);
  }
}
