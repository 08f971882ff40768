import type { Redis } from 'ioredis';
import type { Db } from './models/db';

const KEY_TTL_S = 7 * 24 * 3600;

/**
 * Per-conversation message sequence numbers from Redis INCR (atomic and fast; the database's
 * conditional updates are not atomic on FerretDB). If Redis lost the counter it restarts from
 * the highest stored seq; a number handed out twice in that window is caught by the unique
 * (conversationId, seq) index and the caller takes the next one.
 */
/** INCR only when the counter exists (else nil), and refresh its expiry: one round trip. */
const INCR_IF_EXISTS = `if redis.call('EXISTS', KEYS[1]) == 1 then
  local n = redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  return n
end
return false`;

export class SequenceAllocator {
  /** Counters being re-seeded from the database in this process: callers wait for one seeding, in call order. */
  private readonly seeding = new Map<string, Promise<void>>();

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
    // While this process re-seeds the counter, later calls queue behind the seeding instead of
    // racing it: a burst of a new conversation's first messages takes its numbers in call order.
    if (!this.seeding.has(conversationId)) {
      const n = (await this.redis.eval(INCR_IF_EXISTS, 1, key, KEY_TTL_S)) as number | null;
      if (n !== null) return n;
    }
    let seeding = this.seeding.get(conversationId);
    if (!seeding) {
      seeding = this.seed(key, conversationId).finally(() => this.seeding.delete(conversationId));
      this.seeding.set(conversationId, seeding);
    }
    await seeding;
    const [[, seq]] = (await this.redis.multi().incr(key).expire(key, KEY_TTL_S).exec()) as [[Error | null, number], unknown];
    return seq;
  }

  private async seed(key: string, conversationId: string): Promise<void> {
    const last = await this.db.Message.findOne({ conversationId }, { seq: 1 }).sort({ seq: -1 }).lean();
    await this.redis.set(key, String(last?.seq ?? 0), 'EX', KEY_TTL_S, 'NX');
  }
}
