import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Replay protection for signed callbacks: a freshness window on the signed timestamp and a
 * seen-cache of (timestamp, nonce, signature) in Redis. Only requests whose signature already
 * verified reach the cache, so a forger cannot fill it or burn a legitimate nonce.
 */
export class ReplayGuard {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** CALLBACK_MAX_SKEW_S; 0 turns the freshness check off (recorded vectors can be replayed in tests). */
    private readonly maxSkewS: number,
  ) {}

  /** Why the timestamp is unacceptable, or null. */
  staleness(timestamp: string, nowMs = Date.now()): string | null {
    if (!/^\d{1,12}$/.test(timestamp)) return 'timestamp must be a number of seconds';
    if (this.maxSkewS === 0) return null;
    const skew = Math.abs(nowMs / 1000 - Number(timestamp));
    return skew > this.maxSkewS ? `timestamp is ${Math.round(skew)} s away from our clock (allowed: ${this.maxSkewS} s)` : null;
  }

  /**
   * True the first time an authenticated request is seen (SET NX with expiry). The entry outlives
   * the freshness window on both sides, after which the timestamp check refuses the request anyway.
   */
  async claim(channel: string, timestamp: string, nonce: string, signature: string): Promise<boolean> {
    const ttlS = this.maxSkewS === 0 ? 24 * 3600 : Math.max(2 * this.maxSkewS, 600);
    const set = await this.redis.set(this.key(channel, timestamp, nonce, signature), '1', 'EX', ttlS, 'NX');
    return set === 'OK';
  }

  /** Handling a claimed request failed before it was answered: the platform's retry must get through. */
  async unclaim(channel: string, timestamp: string, nonce: string, signature: string): Promise<void> {
    await this.redis.del(this.key(channel, timestamp, nonce, signature));
  }

  private key(channel: string, timestamp: string, nonce: string, signature: string): string {
    const id = createHash('sha1').update(`${timestamp}\n${nonce}\n${signature}`).digest('hex');
    return `${this.keyPrefix}:${channel}:${id}`;
  }
}
