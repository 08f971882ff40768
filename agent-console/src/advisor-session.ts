import type { Redis } from 'ioredis';
import { UserError, type Services } from '@brokerbot/shared';
import { verifyAdvisorToken, type AdvisorClaims } from './advisor-token';

/**
 * Revocable advisor sessions. A console token is signed and expires (advisor-token.ts); on top of
 * that it stands only while its account exists, is active and still has the tokenVersion the
 * token was issued with. Disabling an account or raising its version (the operator functions
 * below) revokes every token issued before, at once:
 * - a notice on Redis pub/sub makes every gateway drop what it cached about the account and
 *   disconnect the account's sockets whose token no longer stands (with a `session:revoked` event);
 * - each gateway also rechecks the accounts of its connected advisors every ACCOUNT_SWEEP_MS,
 *   which catches accounts deleted or disabled straight in the database;
 * - connecting to /advisor reads the account afresh; every console request and the advisor HTTP
 *   routes use what this process read within ACCOUNT_CACHE_MS (dropped at once on a notice).
 */

/** The code and the message a revoked token is refused with. */
export const TOKEN_REVOKED = 'token_revoked';
export const TOKEN_REVOKED_MESSAGE = '账号已停用或登录已失效，请重新登录';
/** Sent to a socket right before the server disconnects it because its token was revoked. */
export const SESSION_REVOKED_EVENT = 'session:revoked';

/** How long a process trusts what it read about an account (a revocation notice drops it at once). */
export const ACCOUNT_CACHE_MS = 2_000;
/** How often a gateway rechecks the accounts of the advisors connected to it. */
export const ACCOUNT_SWEEP_MS = 5_000;

const OBJECT_ID = /^[0-9a-f]{24}$/;

export function revokedError(): UserError {
  return new UserError(TOKEN_REVOKED, TOKEN_REVOKED_MESSAGE);
}

/** What a token's validity depends on; null when the account does not exist (any more). */
export interface AccountState {
  active: boolean;
  tokenVersion: number;
}

/** Whether a token with these claims stands for an account in this state. */
export function tokenStands(claims: Pick<AdvisorClaims, 'tokenVersion'>, account: AccountState | null): boolean {
  return account !== null && account.active && account.tokenVersion === (claims.tokenVersion ?? 0);
}

function revocationChannel(prefix: string): string {
  return `${prefix}:advisor-revoked`;
}

type SessionDeps = Pick<Services, 'db' | 'redis' | 'config' | 'logger'>;

/** One per gateway process: shared by the /advisor namespace and the advisor HTTP routes. */
export class AdvisorSessions {
  private readonly cache = new Map<string, { account: AccountState | null; until: number }>();
  /** Raised by every revocation notice: a read that started before one is not cached. */
  private generation = 0;
  private readonly subscriber: Redis;
  private readonly listeners = new Set<(advisorId: string) => void>();

  constructor(private readonly deps: SessionDeps) {
    const channel = revocationChannel(deps.config.QUEUE_PREFIX);
    this.subscriber = deps.redis.duplicate({ connectionName: 'advisor-sessions' });
    this.subscriber.on('message', (from: string, advisorId: string) => {
      if (from !== channel) return;
      this.forget(advisorId);
      for (const listener of this.listeners) listener(advisorId);
    });
    this.subscriber.subscribe(channel).catch((err) => deps.logger.error({ err }, 'advisor revocation subscribe failed'));
  }

  /**
   * The claims of a console token whose account still honours it. Throws UserError:
   * token_invalid / token_expired (the token itself), token_revoked (the account).
   * `fresh` reads the account from the database instead of the cache.
   */
  async verify(token: unknown, options: { fresh?: boolean } = {}): Promise<AdvisorClaims> {
    const claims = verifyAdvisorToken(token, this.deps.config.ADVISOR_TOKEN_SECRET);
    await this.check(claims, options);
    return claims;
  }

  /** Throws token_revoked unless the account still honours these (already verified) claims. */
  async check(claims: AdvisorClaims, options: { fresh?: boolean } = {}): Promise<void> {
    const hit = options.fresh ? undefined : this.cache.get(claims.sub);
    const account = hit && hit.until > Date.now() ? hit.account : ((await this.load([claims.sub])).get(claims.sub) ?? null);
    if (!tokenStands(claims, account)) throw revokedError();
  }

  /** Reads these accounts from the database (one query) and caches what it read. Missing: deleted. */
  async load(advisorIds: string[]): Promise<Map<string, AccountState>> {
    const generation = this.generation;
    const ids = advisorIds.filter((id) => OBJECT_ID.test(id));
    const docs = ids.length ? await this.deps.db.Advisor.find({ _id: { $in: ids } }, { active: 1, tokenVersion: 1 }).lean() : [];
    const accounts = new Map<string, AccountState>(
      docs.map((d) => [d._id.toString(), { active: d.active === true, tokenVersion: d.tokenVersion ?? 0 }]),
    );
    if (generation === this.generation) {
      const until = Date.now() + ACCOUNT_CACHE_MS;
      for (const id of advisorIds) this.cache.set(id, { account: accounts.get(id) ?? null, until });
    }
    return accounts;
  }

  /** Called with the advisor's id on every revocation notice (after the cache entry is dropped). */
  onRevoked(listener: (advisorId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops expired cache entries (the cache holds at most the advisors seen within ACCOUNT_CACHE_MS). */
  prune(now = Date.now()): void {
    for (const [id, entry] of this.cache) if (entry.until <= now) this.cache.delete(id);
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.quit().catch(() => undefined);
  }

  private forget(advisorId: string): void {
    this.generation += 1;
    this.cache.delete(advisorId);
  }
}

type AccessDeps = Pick<Services, 'db' | 'redis' | 'config'>;

/** Tells every gateway at once (they disconnect the account's sockets whose token no longer stands). */
async function announce(deps: AccessDeps, advisorId: string): Promise<void> {
  await deps.redis.publish(revocationChannel(deps.config.QUEUE_PREFIX), advisorId);
}

/**
 * Signs the advisor out everywhere: every token issued so far is refused and the open consoles
 * are disconnected within moments. The account stays usable: logging in again gives a new token.
 * Also announces an account deleted from the database. False when no such account exists.
 */
export async function revokeAdvisor(deps: AccessDeps, advisorId: string): Promise<boolean> {
  const found = OBJECT_ID.test(advisorId)
    ? (await deps.db.Advisor.updateOne({ _id: advisorId }, { $inc: { tokenVersion: 1 } })).matchedCount > 0
    : false;
  await announce(deps, advisorId);
  return found;
}

/** Disables the account (login refused) and revokes its tokens as revokeAdvisor does. */
export async function disableAdvisor(deps: AccessDeps, advisorId: string): Promise<boolean> {
  if (!OBJECT_ID.test(advisorId)) return false;
  const { matchedCount } = await deps.db.Advisor.updateOne(
    { _id: advisorId },
    { $set: { active: false }, $inc: { tokenVersion: 1 } },
  );
  await announce(deps, advisorId);
  return matchedCount > 0;
}

/** Enables the account again: the advisor logs in anew (tokens revoked before stay revoked). */
export async function enableAdvisor(deps: Pick<Services, 'db'>, advisorId: string): Promise<boolean> {
  if (!OBJECT_ID.test(advisorId)) return false;
  const { matchedCount } = await deps.db.Advisor.updateOne({ _id: advisorId }, { $set: { active: true } });
  return matchedCount > 0;
}
