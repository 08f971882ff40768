import type { Redis } from 'ioredis';

/**
 * How fast the bots answer, shared by every process: each bot process adds the turns it finished
 * to one Redis counter (one INCRBY per FLUSH_MS, not one per message); the gateways read it to
 * tell how long a newly queued message would wait (see shouldRefuse).
 */

const FLUSH_MS = 250;

/** The counter of finished turns (never reset; gateways look at its change). */
export const inboundDrainKey = (prefix: string) => `${prefix}:inbound:finished`;

/** A bot process's side: counts finished turns and adds them to the shared counter. */
export class InboundDrainCounter {
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Pick<Redis, 'incrby'>,
    private readonly key: string,
  ) {}

  start(): this {
    this.timer ??= setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
    return this;
  }

  /** One turn finished (answered, or found answered already). */
  note(): void {
    this.pending += 1;
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const n = this.pending;
    this.pending = 0;
    // A lost flush only makes the rate look lower for a moment (the gateways refuse a little early).
    await this.redis.incrby(this.key, n).catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}

/** A reading of the counter at a time (ms). */
export interface DrainSample {
  at: number;
  finished: number;
}

/**
 * Turns per second over the samples (oldest to newest), null when they span too little time to
 * tell. A counter that went backwards (Redis lost its data) counts from zero again.
 */
export function drainRate(samples: DrainSample[], minSpanMs = 1_000): number | null {
  if (samples.length < 2) return null;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const span = last.at - first.at;
  if (span < minSpanMs) return null;
  const finished = last.finished >= first.finished ? last.finished - first.finished : last.finished;
  return (finished * 1000) / span;
}

/**
 * The bots' pace as the gateway judges it (pure): turns per second over the last `windowMs` of
 * samples, or the best pace seen within `bestForMs` when that is higher. Idle bots answer
 * nothing, which says nothing of how fast they can answer: the first burst after a quiet spell
 * is judged by the pace they last showed, not refused for a pace of zero.
 *
 * @example
 * const pace = new PaceMeter();
 * pace.add({ at: Date.now(), finished: Number(await redis.get(inboundDrainKey(prefix))) });
 * shouldRefuse(waiting, pace.perSecond(Date.now()), limits);
 */
export class PaceMeter {
  private samples: DrainSample[] = [];
  private best: { rate: number; at: number } | null = null;

  constructor(
    private readonly windowMs = 5_000,
    private readonly bestForMs = 60_000,
  ) {}

  add(sample: DrainSample): void {
    this.samples.push(sample);
    // The oldest sample kept is the newest one at least windowMs old.
    while (this.samples.length > 2 && sample.at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
    const rate = drainRate(this.samples);
    if (rate !== null && (!this.best || rate >= this.best.rate || sample.at - this.best.at > this.bestForMs)) {
      this.best = { rate, at: sample.at };
    }
  }

  /** Turns per second; null while nothing is known. */
  perSecond(now: number): number | null {
    const rate = drainRate(this.samples);
    const best = this.best && now - this.best.at <= this.bestForMs ? this.best.rate : null;
    if (rate === null) return best;
    return best === null ? rate : Math.max(rate, best);
  }
}

export interface SheddingLimits {
  /** Waiting messages below which nobody is refused, whatever the rate (0: never refuse). */
  minBacklog: number;
  /** The longest a new message may be expected to wait for the bot, in seconds. */
  maxWaitS: number;
}

/**
 * Whether the trading app is told `busy` (pure). Not while fewer than `minBacklog` messages wait;
 * beyond that, only when the bots, at the rate they are answering, would take longer than
 * `maxWaitS` to reach a new message — so a backlog the bots clear in time is queued, not refused.
 * With no rate known (no bot answered lately), the backlog alone decides.
 *
 * @example
 * shouldRefuse(300, 200, { minBacklog: 100, maxWaitS: 2 }); // false: 1.5 s of waiting
 * shouldRefuse(500, 200, { minBacklog: 100, maxWaitS: 2 }); // true: 2.5 s
 */
export function shouldRefuse(waiting: number, ratePerS: number | null, limits: SheddingLimits): boolean {
  if (limits.minBacklog <= 0 || waiting < limits.minBacklog) return false;
  if (ratePerS === null || ratePerS <= 0) return true;
  return waiting / ratePerS > limits.maxWaitS;
}
