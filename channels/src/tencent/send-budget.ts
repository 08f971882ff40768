import type { Redis } from 'ioredis';

/**
 * What a client's action lets us send: WeCom kf and the mini-program allow 5 messages within
 * 48 h after the client's last message; the mini-program also allows 2 within 1 min after the
 * client opens the chat. A new action of the same kind replaces its window.
 */
export interface WindowSpec {
  kind: string;
  limit: number;
  ttlMs: number;
}

export const MESSAGE_WINDOW: WindowSpec = { kind: 'message', limit: 5, ttlMs: 48 * 3600_000 };
export const ENTER_WINDOW: WindowSpec = { kind: 'enter', limit: 2, ttlMs: 60_000 };

export type ChargeResult = { ok: true } | { ok: false; reason: 'expired' | 'exhausted' };

export interface BudgetView {
  /** Messages we may still send now. */
  remaining: number;
  /** Sum of the open windows' limits (5, or 7 right after a mini-program client entered). */
  limit: number;
  /** When the longest open window closes; null when none is open (nothing may be sent). */
  windowEndsAt: string | null;
}

// KEYS: window hash, charged set. ARGV: start ms, end ms, the client action's id. Every new client
// action resets its window, even several in the same second (Tencent's times are whole seconds);
// an action seen again (a page read again after a crash) or older than the current one does not.
const OPEN = `
local start = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'start') or '-1')
if start < current then return 0 end
local ids = ''
if start == current then
  ids = redis.call('HGET', KEYS[1], 'ids') or ''
  if string.find(ids .. ' ', ' ' .. ARGV[3] .. ' ', 1, true) then return 0 end
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'start', ARGV[1], 'ids', ids .. ' ' .. ARGV[3])
redis.call('HDEL', KEYS[1], 'full')
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`;

// KEYS: (window, charged) pairs. ARGV: charge id, then each window's limit. Uses the open window
// that closes first and still has room (as Tencent does); a charge id already counted is free,
// so a retried send with the same msgid is not counted twice.
const CHARGE = `
local id = ARGV[1]
local n = #KEYS / 2
local best, bestTtl, anyOpen = nil, nil, false
for i = 1, n do
  local w, c = KEYS[2 * i - 1], KEYS[2 * i]
  local ttl = redis.call('PTTL', w)
  if ttl > 0 then
    anyOpen = true
    if redis.call('SISMEMBER', c, id) == 1 then return 1 end
    local used = redis.call('SCARD', c)
    if redis.call('HGET', w, 'full') then used = tonumber(ARGV[1 + i]) end
    if used < tonumber(ARGV[1 + i]) and (bestTtl == nil or ttl < bestTtl) then best, bestTtl = i, ttl end
  end
end
if not anyOpen then return -1 end
if best == nil then return -2 end
redis.call('SADD', KEYS[2 * best], id)
redis.call('PEXPIRE', KEYS[2 * best], bestTtl)
return 1`;

/**
 * The per-client send budget, counted in Redis so that every outbound process sees the same
 * count. Each charge is keyed by the message id we send with, which makes it idempotent.
 */
export class SendBudget {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly windows: WindowSpec[],
  ) {}

  private keys(client: string, kind: string): [string, string] {
    const base = `${this.keyPrefix}:${client}:${kind}`;
    return [base, `${base}:charged`];
  }

  /**
   * The client acted (`actionId`: the message id, or the event's) at `startMs`: open or reset that
   * kind of window. Returns whether it changed.
   */
  async open(client: string, kind: string, startMs: number, actionId: string): Promise<boolean> {
    const spec = this.windows.find((w) => w.kind === kind);
    if (!spec) throw new Error(`no send window of kind ${kind}`);
    const endMs = startMs + spec.ttlMs;
    if (endMs <= Date.now()) return false;
    const [w, c] = this.keys(client, kind);
    return Number(await this.redis.eval(OPEN, 2, w, c, startMs, endMs, actionId.replace(/\s/g, '_'))) === 1;
  }

  async charge(client: string, chargeId: string): Promise<ChargeResult> {
    const keys = this.windows.flatMap((w) => this.keys(client, w.kind));
    const r = Number(await this.redis.eval(CHARGE, keys.length, ...keys, chargeId, ...this.windows.map((w) => w.limit)));
    if (r === 1) return { ok: true };
    return { ok: false, reason: r === -1 ? 'expired' : 'exhausted' };
  }

  /** A charged message was not sent after all (refused for another reason): give the slot back. */
  async refund(client: string, chargeId: string): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const w of this.windows) pipeline.srem(this.keys(client, w.kind)[1], chargeId);
    await pipeline.exec();
  }

  /** The platform says otherwise (count used up, or window closed): make our view agree. */
  async platformSays(client: string, verdict: 'exhausted' | 'expired'): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const w of this.windows) {
      const [window] = this.keys(client, w.kind);
      if (verdict === 'expired') pipeline.del(window);
      else pipeline.hset(window, 'full', '1');
    }
    await pipeline.exec();
  }

  async read(client: string): Promise<BudgetView> {
    const pipeline = this.redis.pipeline();
    for (const w of this.windows) {
      const [window, charged] = this.keys(client, w.kind);
      pipeline.pttl(window).scard(charged).hget(window, 'full');
    }
    const results = ((await pipeline.exec()) ?? []).map(([, v]) => v);
    let remaining = 0;
    let limit = 0;
    let longest = 0;
    this.windows.forEach((w, i) => {
      const ttl = Number(results[3 * i]);
      if (!(ttl > 0)) return;
      const used = results[3 * i + 2] ? w.limit : Number(results[3 * i + 1]);
      remaining += Math.max(0, w.limit - used);
      limit += w.limit;
      longest = Math.max(longest, ttl);
    });
    // With no window open the advisor still sees the usual limit, with nothing left of it.
    return {
      remaining,
      limit: limit || (this.windows[0]?.limit ?? 0),
      windowEndsAt: longest > 0 ? new Date(Date.now() + longest).toISOString() : null,
    };
  }
}
