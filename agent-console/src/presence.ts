import type { Redis } from 'ioredis';

const TTL_SECONDS = 45;
export const PRESENCE_REFRESH_MS = 15_000;

/**
 * Which advisors are online, in Redis so that the router (any process) can see it. Each key
 * lives 45 s and is refreshed every 15 s while the advisor has a socket open, so a crashed
 * gateway's advisors drop out on their own.
 */
export class Presence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(advisorId: string): string {
    return `${this.prefix}:presence:${advisorId}`;
  }

  async markOnline(advisorIds: string[]): Promise<void> {
    if (advisorIds.length === 0) return;
    const multi = this.redis.multi();
    for (const id of advisorIds) multi.set(this.key(id), '1', 'EX', TTL_SECONDS);
    await multi.exec();
  }

  async markOffline(advisorId: string): Promise<void> {
    await this.redis.del(this.key(advisorId));
  }

  async online(advisorIds: string[]): Promise<Set<string>> {
    if (advisorIds.length === 0) return new Set();
    const values = await this.redis.mget(advisorIds.map((id) => this.key(id)));
    return new Set(advisorIds.filter((_id, i) => values[i] !== null));
  }
}
