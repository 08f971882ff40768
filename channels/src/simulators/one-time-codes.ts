import type { Clock } from './clock';
import { randomId } from './ids';

export type Redemption<T> = { ok: true; data: T } | { ok: false; reason: 'unknown' | 'expired' | 'used' };

/** Codes valid for a short time and usable once: kf welcome_code and msg_code (20 s). */
export class OneTimeCodes<T> {
  private readonly codes = new Map<string, { data: T; expiresAt: number; used: boolean }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  issue(data: T): string {
    const code = randomId(43);
    this.codes.set(code, { data, expiresAt: this.clock.now() + this.ttlMs, used: false });
    return code;
  }

  /** The data behind a code in any state, without using it. */
  peek(code: string): T | undefined {
    return this.codes.get(code)?.data;
  }

  redeem(code: string): Redemption<T> {
    const entry = this.codes.get(code);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.used) return { ok: false, reason: 'used' };
    if (entry.expiresAt <= this.clock.now()) return { ok: false, reason: 'expired' };
    entry.used = true;
    return { ok: true, data: entry.data };
  }
}
