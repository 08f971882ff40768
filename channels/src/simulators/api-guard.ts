import type { Clock } from './clock';
import { MINUTE, HOUR } from './clock';
import { Errcode } from './errcodes';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** WECOM.md: 10,000 calls per minute and 150,000 per hour, per API per corp. */
export const TENCENT_RATE_LIMITS: RateLimit[] = [
  { limit: 10_000, windowMs: MINUTE },
  { limit: 150_000, windowMs: HOUR },
];

const SYSTEM_BUSY = { errcode: Errcode.SystemBusy, errmsg: 'system busy' };
const TOO_FREQUENT = { errcode: Errcode.TooFrequent, errmsg: 'api freq out of limit' };

interface BusyRule {
  remaining: number;
  api: string | undefined;
}

/**
 * Per-API fixed-window rate limiting (45009) and injected "system busy" answers (-1), the two
 * transient failures a client must retry or back off on.
 */
export class ApiGuard {
  private readonly counters = new Map<string, { window: number; count: number }>();
  private busy: BusyRule[] = [];

  constructor(
    private readonly clock: Clock,
    private limits: RateLimit[] = TENCENT_RATE_LIMITS,
  ) {}

  setRateLimits(limits: RateLimit[]): void {
    this.limits = limits;
    this.counters.clear();
  }

  /** The next `count` calls (to `api`, a path such as "/cgi-bin/kf/send_msg", or to any API) answer errcode -1. */
  injectBusy(count = 1, api?: string): void {
    this.busy.push({ remaining: count, api });
  }

  /** Counts the call; returns the error to answer instead of serving it, if any. */
  check(api: string): { errcode: number; errmsg: string } | null {
    const rule = this.busy.find((r) => r.remaining > 0 && (r.api === undefined || r.api === api));
    if (rule) {
      rule.remaining--;
      this.busy = this.busy.filter((r) => r.remaining > 0);
      return SYSTEM_BUSY;
    }
    const now = this.clock.now();
    let limited = false;
    for (const { limit, windowMs } of this.limits) {
      const key = `${api}|${windowMs}`;
      const window = Math.floor(now / windowMs);
      const counter = this.counters.get(key);
      const count = counter?.window === window ? counter.count + 1 : 1;
      this.counters.set(key, { window, count });
      if (count > limit) limited = true;
    }
    return limited ? TOO_FREQUENT : null;
  }
}
