import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { PaceMeter, shouldRefuse, type Logger, type SheddingLimits } from '@brokerbot/shared';

/** How often the queue's length and the bots' pace are read: cheap (two Redis calls), and fresh enough to bound the wait. */
const REFRESH_MS = 250;

/**
 * Backpressure for the trading app: when more client messages wait for the bot than it can
 * answer within `maxWaitS` at the pace it is answering (shared/src/inbound-drain.ts), new ones are
 * refused (`busy`, the client resends later) instead of queued behind the rest, where every
 * client would wait longer and longer. The WeCom and mini-program channels never refuse (Tencent
 * does not resend a pulled message): they always enqueue. Both are read in the background, so no
 * message waits on them.
 */
export class InboundBacklog {
  private waiting = 0;
  private readonly pace = new PaceMeter();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly queue: Pick<Queue, 'getJobCounts'>,
    /** Reads the bots' counter of finished turns (inboundDrainKey). */
    private readonly drain: { redis: Pick<Redis, 'get'>; key: string },
    private readonly limits: SheddingLimits,
    private readonly logger: Logger,
  ) {}

  start(): this {
    if (this.limits.minBacklog <= 0 || this.timer) return this;
    const read = async () => {
      try {
        const [counts, finished] = await Promise.all([
          this.queue.getJobCounts('waiting', 'prioritized'),
          this.drain.redis.get(this.drain.key),
        ]);
        this.waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        this.pace.add({ at: Date.now(), finished: Number(finished ?? 0) });
      } catch (err) {
        this.logger.warn({ err }, 'inbound backlog unreadable; not refusing on it');
      }
    };
    void read();
    this.timer = setInterval(() => void read(), REFRESH_MS);
    this.timer.unref();
    return this;
  }

  get full(): boolean {
    return shouldRefuse(this.waiting, this.pace.perSecond(Date.now()), this.limits);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
