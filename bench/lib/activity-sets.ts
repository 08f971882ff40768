import { Redis } from 'ioredis';
import { ActivitySets } from '@brokerbot/agent-console';

/**
 * After seeding: the day records were written straight to the database, so 会话记录 search's
 * activity sets (Redis) do not know them. Marks the sets not whole, as any writer that
 * bypasses the index worker must, and waits for the app's index worker to rebuild them from the
 * day records. Returns the seconds it took, or null when it did not finish within `timeoutMs`
 * (search then walks the day records: the bench's reads measure that).
 */
export async function rebuildActivitySets(redisUrl: string, prefix: string, timeoutMs = 120_000): Promise<number | null> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const sets = new ActivitySets(redis, prefix);
    const started = performance.now();
    await sets.invalidate();
    while (performance.now() - started < timeoutMs) {
      if (await sets.isReady()) return (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  } finally {
    redis.disconnect();
  }
}
