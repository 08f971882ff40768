import type { Redis } from 'ioredis';

const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
return fence`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const GUARDED_SET = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) return 1 end return 0`;

/**
 * A Redis lock with an expiry and a fencing number: each acquisition gets a higher number,
 * and writes made under the lock (guardedSet) only land while the writer still holds it. A
 * holder that stalls past the expiry therefore cannot overwrite what its successor wrote.
 */
export class FencedLock {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** The fencing number, or null when someone else holds the lock. */
  async acquire(): Promise<number | null> {
    const fence = Number(await this.redis.eval(ACQUIRE, 2, this.key, `${this.key}:fence`, this.ttlMs));
    return fence > 0 ? fence : null;
  }

  /** Extends the lock; false when it was lost (expired and maybe taken by another). */
  async renew(fence: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.key, fence, this.ttlMs)) === 1;
  }

  async release(fence: number): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, fence);
  }

  /** Sets `key` to `value` only while `fence` holds the lock; false when it does not. */
  async guardedSet(fence: number, key: string, value: string): Promise<boolean> {
    return Number(await this.redis.eval(GUARDED_SET, 2, this.key, key, fence, value)) === 1;
  }

  /** Milliseconds until the current holder's lock expires (0 only when it is free). */
  async remainingMs(): Promise<number> {
    const ms = await this.redis.pttl(this.key);
    return ms === -2 ? 0 : Math.max(ms, 1); // PTTL says 0 in the last millisecond, while the key still exists
  }
}
