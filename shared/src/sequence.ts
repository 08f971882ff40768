import type { Redis } from 'ioredis';
import type { Db } from './models/db';

const KEY_TTL_S = 7 * 24 * 3600;

/**
 * Per-conversation message sequence numbers from Redis INCR (atomic and fast; the database's
 * conditional updates are not atomic on FerretDB). If Redis lost the counter it restarts from
 * the highest stored seq; a number handed out twice in that window is caught by the unique
 * (conversationId, seq) index and the caller takes the next one.
 */
export class SequenceAllocator {
  constructor(
    private readonly redis: Redis,
    private readonly db: Db,
    private readonly prefix: string,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:seq:${conversationId}`;
  }

  async next(conversationId: string): Promise<number> {
    const key = this.key(conversationId);
    if (!(await this.redis.exists(key))) {
      const last = await this.db.Message.findOne({ conversationId }, { seq: 1 }).sort({ seq: -1 }).lean();
      await this.redis.set(key, String(last?.seq ?? 0), 'EX', KEY_TTL_S, 'NX');
    }
    const [[, seq]] = (await this.redis.multi().incr(key).expire(key, KEY_TTL_S).exec()) as [[Error | null, number], unknown];
    return seq;
  }
}
