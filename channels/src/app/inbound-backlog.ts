import type { Queue } from 'bullmq';
import type { Logger } from '@brokerbot/shared';

/** How often the queue's length is read: cheap (one Redis call), and fresh enough to bound the wait. */
const REFRESH_MS = 250;

/**
 * Backpressure for the trading app: when more client messages wait for the bot than it can
 * answer in a few seconds, new ones are refused (`busy`, the client resends later) instead of
 * queued behind the rest, where every client would wait longer and longer. The WeCom and
 * mini-program channels never refuse (Tencent does not resend a pulled message): they always
 * enqueue. The length is read in the background, so no message waits on it.
 */
export class InboundBacklog {
  private waiting = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly queue: Pick<Queue, 'getJobCounts'>,
    /** Waiting messages beyond which the app is refused; 0 turns backpressure off. */
    private readonly limit: number,
    private readonly logger: Logger,
  ) {}

  start(): this {
    if (this.limit <= 0 || this.timer) return this;
    const read = () =>
      this.queue
        .getJobCounts('waiting', 'prioritized')
        .then((c) => {
          this.waiting = (c.waiting ?? 0) + (c.prioritized ?? 0);
        })
        .catch((err: unknown) => this.logger.warn({ err }, 'inbound backlog unreadable; not refusing on it'));
    void read();
    this.timer = setInterval(read, REFRESH_MS);
    this.timer.unref();
    return this;
  }

  get full(): boolean {
    return this.limit > 0 && this.waiting >= this.limit;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
