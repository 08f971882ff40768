import type { Redis } from 'ioredis';

export interface RateWindow {
  /** Window length in ms (fixed windows aligned to the epoch). */
  ms: number;
  /** Calls allowed per window; kept under Tencent's own limit so that we never see 45009. */
  limit: number;
}

/** WECOM.md: 10,000 calls/min and 150,000/h per API per corp; we stay at 90 % of both. */
export const TENCENT_CLIENT_LIMITS: RateWindow[] = [
  { ms: 60_000, limit: 9_000 },
  { ms: 3_600_000, limit: 135_000 },
];

// Checks every window first and counts the call only when all have room, so a refused call
// costs nothing. Returns 0 (go) or the ms until the fullest window rolls over.
const TAKE = `
local now = tonumber(ARGV[1])
local n = #KEYS
for i = 1, n do
  local limit = tonumber(ARGV[1 + i])
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= limit then
    local ms = tonumber(ARGV[1 + n + i])
    return ms - (now % ms) + 1
  end
end
for i = 1, n do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1 + n + i]) + 1000)
end
return 0
`;

/**
 * Client-side rate limit per API, shared by every process through Redis: a call waits for the
 * next window instead of being refused by Tencent (45009 would cost a retry and, for sends, a
 * delay the client notices anyway).
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly windows: RateWindow[] = TENCENT_CLIENT_LIMITS,
    private readonly maxWaitMs = 65_000,
  ) {}

  async take(api: string): Promise<void> {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const now = Date.now();
      const keys = this.windows.map((w) => `${this.keyPrefix}:${api}:${w.ms}:${Math.floor(now / w.ms)}`);
      const wait = Number(
        await this.redis.eval(
          TAKE,
          keys.length,
          ...keys,
          now,
          ...this.windows.map((w) => w.limit),
          ...this.windows.map((w) => w.ms),
        ),
      );
      if (wait === 0) return;
      if (Date.now() + wait > deadline) throw new Error(`client-side rate limit for ${api}: no room within ${this.maxWaitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
