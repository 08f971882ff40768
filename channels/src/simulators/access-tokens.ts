import type { Clock } from './clock';
import { randomId } from './ids';

export interface AccessTokenErrcodes {
  /** No access_token in the query. */
  missing: number;
  /** Unknown or revoked token (WeCom 40014, mini-program 40001). */
  invalid: number;
  /** Token past its expiry (42001 on both platforms). */
  expired: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

interface TokenRecord {
  expiresAt: number;
}

/**
 * access_token issuance and validation. Like Tencent, asking again while a token is valid
 * returns the same token (with its remaining lifetime); a forced refresh issues a new one and
 * leaves the old one valid for a short grace period (stable_token's behaviour).
 */
export class AccessTokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private current: string | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly errcodes: AccessTokenErrcodes,
    private ttlSeconds = 7200,
  ) {}

  issue(options: { forceRefresh?: boolean; graceSeconds?: number } = {}): IssuedToken {
    const now = this.clock.now();
    const existing = this.current ? this.tokens.get(this.current) : undefined;
    if (this.current && existing && existing.expiresAt > now && !options.forceRefresh) {
      return { accessToken: this.current, expiresIn: Math.floor((existing.expiresAt - now) / 1000) };
    }
    if (existing && options.forceRefresh)
      existing.expiresAt = Math.min(existing.expiresAt, now + (options.graceSeconds ?? 300) * 1000);
    const accessToken = randomId(64);
    this.tokens.set(accessToken, { expiresAt: now + this.ttlSeconds * 1000 });
    this.current = accessToken;
    return { accessToken, expiresIn: this.ttlSeconds };
  }

  /** 0 when the token is usable, else the errcode to answer. */
  check(accessToken: string | null): number {
    if (!accessToken) return this.errcodes.missing;
    const record = this.tokens.get(accessToken);
    if (!record) return this.errcodes.invalid;
    return record.expiresAt > this.clock.now() ? 0 : this.errcodes.expired;
  }

  /** Makes every issued token expired now (next call answers the "expired" errcode). */
  expireAll(): void {
    const now = this.clock.now();
    for (const record of this.tokens.values()) record.expiresAt = Math.min(record.expiresAt, now);
  }

  /** Forgets every issued token (next call answers the "invalid" errcode), as after a secret reset. */
  revokeAll(): void {
    this.tokens.clear();
    this.current = undefined;
  }

  setTtlSeconds(ttlSeconds: number): void {
    this.ttlSeconds = ttlSeconds;
  }
}
