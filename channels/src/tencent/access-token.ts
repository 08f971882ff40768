import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface IssuedToken {
  accessToken: string;
  /** Seconds the token lives (7200 on both platforms). */
  expiresIn: number;
}

/** Asks Tencent for a token; `force` asks for a new one even if the current one is valid (stable_token). */
export type TokenFetcher = (force: boolean) => Promise<IssuedToken>;

interface CachedToken {
  token: string;
  expiresAt: number;
  /** When to fetch the next one: before expiry, and never less than half the lifetime away. */
  refreshAt: number;
}

export interface AccessTokenCacheOptions {
  /** Refresh this long before expiry, so a token is never used in its last minutes. */
  refreshBeforeMs?: number;
  /** How long one process may hold the refresh lock. */
  lockMs?: number;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
// Drops the shared token only if it is still the one Tencent refused (another process may have refreshed it already).
const INVALIDATE = `
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).token == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * One access_token per app, shared by every process through Redis. Tencent issues a limited
 * number of tokens per day and a new token can invalidate the old one, so refreshing is
 * single-flight twice over: one promise per process, one Redis lock across processes. A token
 * in its refresh window is still served to others while one process refreshes it.
 */
export class AccessTokenCache {
  private memo: CachedToken | undefined;
  private inflight: Promise<string> | undefined;
  private refused: string | undefined;
  private readonly refreshBeforeMs: number;
  private readonly lockMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly fetcher: TokenFetcher,
    options: AccessTokenCacheOptions = {},
  ) {
    this.refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
    this.lockMs = options.lockMs ?? 10_000;
  }

  async get(): Promise<string> {
    if (this.memo && this.isFresh(this.memo)) return this.memo.token;
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** Tencent refused `token` (40014 / 42001 / 40001): forget it here and in Redis; the next get() fetches anew. */
  async invalidate(token: string): Promise<void> {
    if (this.memo?.token === token) this.memo = undefined;
    this.refused = token;
    await this.redis.eval(INVALIDATE, 1, this.key, token);
  }

  private isFresh(t: CachedToken): boolean {
    return t.refreshAt > Date.now();
  }

  private async readShared(): Promise<CachedToken | undefined> {
    const raw = await this.redis.get(this.key);
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(raw) as CachedToken;
      return typeof parsed.token === 'string' && typeof parsed.expiresAt === 'number' && typeof parsed.refreshAt === 'number'
        ? parsed
        : undefined;
    } catch {
      return undefined;
    }
  }

  private async load(): Promise<string> {
    const lockKey = `${this.key}:lock`;
    const deadline = Date.now() + this.lockMs * 3;
    for (;;) {
      const shared = await this.readShared();
      if (shared && this.isFresh(shared)) return this.remember(shared);
      const owner = randomBytes(8).toString('hex');
      if (await this.redis.set(lockKey, owner, 'PX', this.lockMs, 'NX')) {
        try {
          // Someone may have refreshed between our read and our lock.
          const again = await this.readShared();
          if (again && this.isFresh(again)) return this.remember(again);
          return this.remember(await this.fetchAndShare());
        } finally {
          await this.redis.eval(RELEASE, 1, lockKey, owner);
        }
      }
      // Another process is refreshing: a still-valid token serves meanwhile, else wait for theirs.
      if (shared && shared.expiresAt > Date.now() + 1000 && shared.token !== this.refused) return shared.token;
      if (Date.now() > deadline) return this.remember(await this.fetchAndShare());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async fetchAndShare(): Promise<CachedToken> {
    let issued = await this.fetcher(false);
    // stable_token hands back the current token while it lives; if that is the refused one, force a new one.
    if (issued.accessToken === this.refused) issued = await this.fetcher(true);
    const now = Date.now();
    const lifeMs = issued.expiresIn * 1000;
    const fresh: CachedToken = {
      token: issued.accessToken,
      expiresAt: now + lifeMs,
      refreshAt: now + Math.max(lifeMs - this.refreshBeforeMs, lifeMs / 2),
    };
    if (lifeMs > 0) await this.redis.set(this.key, JSON.stringify(fresh), 'PX', lifeMs);
    this.refused = undefined;
    return fresh;
  }

  private remember(t: CachedToken): string {
    this.memo = t;
    return t.token;
  }
}
