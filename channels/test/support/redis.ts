import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A real Redis connection with a key prefix of its own, and a clean-up that removes its keys. */
export function testRedis(): { redis: Redis; prefix: string; cleanUp(): Promise<void> } {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `bbtest-ch-${randomBytes(4).toString('hex')}`;
  return {
    redis,
    prefix,
    async cleanUp() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}
