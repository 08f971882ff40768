import type { Redis } from 'ioredis';
import type { Queues } from './queues';

const DAY_MS = 24 * 3600 * 1000;
/** At most this many pending predecessors are read per look (enough to tell "next in line" from "far back"). */
const AHEAD_LIMIT = 10;
/** A message that has waited this long (ms) asks whether its predecessors are settled after all. */
const SETTLED_CHECK_AFTER_MS = 1000;

export interface TurnOrderOptions {
  /** How often a message waiting in line looks again, in ms. Default 20. */
  pollMs?: number;
  /** A conversation's line expires this long after its last arrival, in ms (nothing leaks). Default one day. */
  ttlMs?: number;
}

export interface WaitOptions {
  /** When the message started waiting (epoch ms), e.g. when its job was queued. */
  since: number;
  /** The bound: once `since + maxWaitMs` has passed the message goes ahead anyway (`overdue`). */
  maxWaitMs: number;
  /**
   * How long this call may wait in place while the message is next in line (one predecessor,
   * most likely being answered right now); further back in line, the call returns `waiting` at
   * once, so that the caller can free what it holds and come back. Default: no limit, the call
   * waits in place until the message's turn or the bound.
   */
  holdMs?: number;
  /**
   * Of these pending message ids, which are in fact settled (answered, or gone)? Asked at most
   * once per call, once the message has waited a second (since `since`); the settled ones are
   * taken out of the line, so that an entry left behind by a rare race (a redelivery stored again
   * while it was being answered) holds nobody for long.
   */
  settled?: (messageIds: string[]) => Promise<string[]>;
}

export type Turn =
  /** No message of the conversation with a lower seq is pending: answer now. */
  | { status: 'ready' }
  /** Predecessors are still pending (`ahead`: the first of them, lowest seq first, at most 10). */
  | { status: 'waiting'; ahead: string[] }
  /** The bound passed: answer now. `skipped`: the predecessors given up on, now out of the line. */
  | { status: 'overdue'; skipped: string[] };

/** ZADD and its expiry in one script call (a MULTI on BullMQ's connection would copy its ~70 scripts first). */
const ADD_SCRIPT = `redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

type WithTurnOrderAdd = Redis & {
  turnOrderAdd(key: string, seq: number, messageId: string, ttlMs: number): Promise<number>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Per-conversation answer order across bot processes. For each conversation a Redis sorted set
 * (`<prefix>:turn-order:<conversationId>`) holds the client messages that are stored but not yet
 * answered, scored by their `seq`. The gateway adds a message right after storing it and before
 * queueing its job; a bot answers a message only when no message of the same conversation with a
 * lower seq is pending, and takes it out of the line once its turn is over (or when it finds the
 * message answered already). So whichever bot process picks up which job, a client's messages are
 * answered in the order they were stored.
 *
 * Cost: one round trip to add, one to look, one to remove; waiting only when the same client has
 * sent again before the previous answer was out.
 *
 * Never blocking forever: a message waits at most `maxWaitMs` (see {@link WaitOptions}); then it
 * goes ahead and the predecessors it waited for leave the line, so a lost or stuck predecessor
 * (its job lost and not yet re-queued by the recovery sweep, a crashed bot's stalled job, a job
 * that failed for good) costs at most one bound, not one per later message.
 *
 * Redis losing its data empties the lines, and an empty line is an open gate: the messages
 * queued again then are answered as they come (in order only within each bot process, by its
 * in-process serialiser), until the line fills again with the next messages. The set lives with
 * the inbound queue's Redis and prefix ({@link TurnOrder.of}), so it is lost together with the
 * jobs whose order it keeps; the recovery sweep puts back in line what it queues again.
 *
 * Limits: the order kept is the order of `seq`, i.e. the order in which the gateway numbered the
 * messages (SequenceAllocator), which is the order the client sent them only as far as the
 * gateway numbers them in that order. And a message is in line only once the gateway has stored
 * it: when two messages of one client are stored concurrently, the later one can still go first
 * if it is stored, queued and picked up while the earlier one's insert is still in flight (a
 * window of one database write).
 */
export class TurnOrder {
  private static readonly byQueue = new WeakMap<object, TurnOrder>();

  /**
   * The line that goes with the system's inbound queue: same Redis connection, same key prefix
   * (so what the gateway adds, every bot process sees, and test clean-ups take it too).
   */
  static of(queues: Pick<Queues, 'inbound'>): TurnOrder {
    const queue = queues.inbound;
    let order = TurnOrder.byQueue.get(queue);
    if (!order) {
      const connection = queue.opts.connection as unknown;
      if (!connection || typeof (connection as Partial<Redis>).zadd !== 'function') {
        throw new Error('TurnOrder.of: the inbound queue must be created with an ioredis connection');
      }
      order = new TurnOrder(connection as Redis, queue.opts.prefix ?? 'bull');
      TurnOrder.byQueue.set(queue, order);
    }
    return order;
  }

  private readonly pollMs: number;
  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: TurnOrderOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 20;
    this.ttlMs = options.ttlMs ?? DAY_MS;
    if (!(redis as unknown as Partial<WithTurnOrderAdd>).turnOrderAdd)
      redis.defineCommand('turnOrderAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
  }

  private key(conversationId: string): string {
    return `${this.prefix}:turn-order:${conversationId}`;
  }

  /** Puts a stored client message in its conversation's line (idempotent). One round trip. */
  async add(conversationId: string, messageId: string, seq: number): Promise<void> {
    const key = this.key(conversationId);
    await (this.redis as unknown as WithTurnOrderAdd).turnOrderAdd(key, seq, messageId, this.ttlMs);
  }

  /** The pending messages of the conversation with a seq lower than `seq`, lowest first. One round trip. */
  async ahead(conversationId: string, seq: number, limit = AHEAD_LIMIT): Promise<string[]> {
    return this.redis.zrangebyscore(this.key(conversationId), '-inf', `(${seq}`, 'LIMIT', 0, limit);
  }

  /** Takes messages out of the line: their turn is over (answered, skipped, or failed for good). */
  async done(conversationId: string, ...messageIds: string[]): Promise<void> {
    if (messageIds.length) await this.redis.zrem(this.key(conversationId), ...messageIds);
  }

  /**
   * Waits for the message's turn: until no message of the conversation with a lower seq is
   * pending (`ready`), or the bound passed (`overdue`: the predecessors leave the line). With
   * `holdMs`, it returns `waiting` after that long, or at once when the message is further back
   * than next in line, so that the caller can free what it holds and call again later.
   */
  async waitForTurn(conversationId: string, seq: number, options: WaitOptions): Promise<Turn> {
    const started = Date.now();
    const bound = options.since + options.maxWaitMs;
    const holdUntil = options.holdMs === undefined ? Infinity : started + options.holdMs;
    let askedSettled = false;
    for (;;) {
      const ahead = await this.ahead(conversationId, seq);
      if (!ahead.length) return { status: 'ready' };
      const now = Date.now();
      if (now >= bound) return { status: 'overdue', skipped: await this.dropAhead(conversationId, seq) };
      // Give back unless the bound comes first (then it is as quick to wait for it here).
      const giveBack =
        now + this.pollMs < bound && (now + this.pollMs > holdUntil || (holdUntil !== Infinity && ahead.length > 1));
      // Settled entries are looked for once per call, and only once the message has waited a while
      // (one answered within a second never asks): a stale entry costs its successor about a second.
      if (options.settled && !askedSettled && now - options.since >= SETTLED_CHECK_AFTER_MS) {
        askedSettled = true;
        const settled = await options.settled(ahead);
        if (settled.length) {
          await this.done(conversationId, ...settled);
          continue;
        }
      }
      if (giveBack) return { status: 'waiting', ahead };
      await sleep(Math.min(this.pollMs, Math.max(1, bound - now)));
    }
  }

  /** Takes every predecessor of `seq` out of the line at once; returns their ids. */
  private async dropAhead(conversationId: string, seq: number): Promise<string[]> {
    const key = this.key(conversationId);
    const results = await this.redis
      .multi()
      .zrangebyscore(key, '-inf', `(${seq}`)
      .zremrangebyscore(key, '-inf', `(${seq}`)
      .exec();
    return (results?.[0]?.[1] as string[] | undefined) ?? [];
  }
}
