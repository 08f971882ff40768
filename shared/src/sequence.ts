import type { Redis } from 'ioredis';
import { KeyedSerializer } from './keyed-serializer';
import type { Db } from './models/db';

const KEY_TTL_S = 7 * 24 * 3600;

/** INCR only when the counter exists (else nil), and refresh its expiry: one round trip. */
const INCR_IF_EXISTS = `if redis.call('EXISTS', KEYS[1]) == 1 then
  local n = redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  return n
end
return false`;

type WithIncrIfExists = Redis & { seqIncrIfExists(key: string, ttlS: number): Promise<number | null> };

/**
 * Per-conversation message sequence numbers from Redis INCR (atomic and fast; the database's
 * conditional updates are not atomic on FerretDB). If Redis lost the counter it restarts from
 * the highest stored seq; a number handed out twice in that window is caught by the unique
 * (conversationId, seq) index and the caller takes the next one.
 */
export class SequenceAllocator {
  /**
   * A conversation's calls in this process run one after another, in call order: a burst of
   * messages (a new conversation's first ones, whose counter is seeded from the database first)
   * gets its numbers in the order it was sent. Different conversations do not wait for each other.
   */
  private readonly inOrder = new KeyedSerializer();

  constructor(
    private readonly redis: Redis,
    private readonly db: Db,
    private readonly prefix: string,
  ) {
    if (!(redis as unknown as Partial<WithIncrIfExists>).seqIncrIfExists)
      redis.defineCommand('seqIncrIfExists', { numberOfKeys: 1, lua: INCR_IF_EXISTS });
    // A conversation just inserted has no messages: its counter starts at 0 without a database read.
    db.conversationWrites.onCreated((doc) => this.startNew(doc._id.toString()));
  }

  /** Starts the counter of a conversation that has no messages (kept if one exists already). */
  async startNew(conversationId: string): Promise<void> {
    await this.redis.set(this.key(conversationId), '0', 'EX', KEY_TTL_S, 'NX');
  }

  private key(conversationId: string): string {
    return `${this.prefix}:seq:${conversationId}`;
  }

  next(conversationId: string): Promise<number> {
    return this.inOrder.run(conversationId, () => this.allocate(conversationId));
  }

  private async allocate(conversationId: string): Promise<number> {
    const key = this.key(conversationId);
    // EVALSHA of a defined command: EVAL would send the script's text with every message.
    const n = await (this.redis as unknown as WithIncrIfExists).seqIncrIfExists(key, KEY_TTL_S);
    if (n !== null) return n;
    const last = await this.db.Message.findOne({ conversationId }, { seq: 1 }).sort({ seq: -1 }).lean();
    await this.redis.set(key, String(last?.seq ?? 0), 'EX', KEY_TTL_S, 'NX');
    const [[, seq]] = (await this.redis.multi().incr(key).expire(key, KEY_TTL_S).exec()) as [[Error | null, number], unknown];
    return seq;
  }
}
