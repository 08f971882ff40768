import type { Redis } from 'ioredis';
import type { AdvisorStatus } from '@brokerbot/shared';

const TTL_SECONDS = 45;
export const PRESENCE_REFRESH_MS = 15_000;
/** A chosen status outlives a reload of the console, not a night. */
const STATUS_TTL_SECONDS = 16 * 3600;

/** What the router and the supervisors know of an advisor: connected or not, and the status they chose. */
export type PresenceStatus = AdvisorStatus | 'offline';

/** The stored status and whether the system set it (idle, last tab closed) rather than the advisor. */
interface StoredStatus {
  status: AdvisorStatus;
  auto: boolean;
}

/**
 * Which advisors are online and in which status, in Redis so that the router (any process) can
 * see it. Each presence key lives 45 s and is refreshed every 15 s while the advisor has a socket
 * open, so a crashed gateway's advisors drop out on their own. The status (online / busy / away)
 * is kept apart from presence: a reload keeps an advisor busy. `active` is the time of the
 * advisor's last request, for the idle → away rule.
 */
export class Presence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(advisorId: string): string {
    return `${this.prefix}:presence:${advisorId}`;
  }
  private statusKey(advisorId: string): string {
    return `${this.prefix}:advisor-status:${advisorId}`;
  }
  private activeKey(advisorId: string): string {
    return `${this.prefix}:advisor-active:${advisorId}`;
  }

  async markOnline(advisorIds: string[]): Promise<void> {
    if (advisorIds.length === 0) return;
    const multi = this.redis.multi();
    for (const id of advisorIds) multi.set(this.key(id), '1', 'EX', TTL_SECONDS);
    await multi.exec();
  }

  async markOffline(advisorId: string): Promise<void> {
    await this.redis.del(this.key(advisorId));
  }

  /** Connected advisors (any status). */
  async online(advisorIds: string[]): Promise<Set<string>> {
    if (advisorIds.length === 0) return new Set();
    const values = await this.redis.mget(advisorIds.map((id) => this.key(id)));
    return new Set(advisorIds.filter((_id, i) => values[i] !== null));
  }

  /** Sets the advisor's status; `auto` when the system set it (it gives way to the advisor's next request). */
  async setStatus(advisorId: string, status: AdvisorStatus, auto = false): Promise<void> {
    const value: StoredStatus = { status, auto };
    await this.redis.set(this.statusKey(advisorId), JSON.stringify(value), 'EX', STATUS_TTL_SECONDS);
  }

  /** The stored status (online when none), and whether the system set it. */
  async storedStatus(advisorId: string): Promise<StoredStatus> {
    return parseStatus(await this.redis.get(this.statusKey(advisorId)));
  }

  /** Each advisor's status as the router sees it: offline when no console is connected. */
  async statuses(advisorIds: string[]): Promise<Map<string, PresenceStatus>> {
    const out = new Map<string, PresenceStatus>();
    if (advisorIds.length === 0) return out;
    const values = await this.redis.mget([
      ...advisorIds.map((id) => this.key(id)),
      ...advisorIds.map((id) => this.statusKey(id)),
    ]);
    advisorIds.forEach((id, i) => {
      out.set(id, values[i] === null ? 'offline' : parseStatus(values[advisorIds.length + i] ?? null).status);
    });
    return out;
  }

  /** Records a request from the advisor now. */
  async touch(advisorId: string, now = Date.now()): Promise<void> {
    await this.redis.set(this.activeKey(advisorId), String(now), 'EX', STATUS_TTL_SECONDS);
  }

  /** When each advisor last sent a request (epoch ms; null: never recorded). */
  async lastActive(advisorIds: string[]): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    if (advisorIds.length === 0) return out;
    const values = await this.redis.mget(advisorIds.map((id) => this.activeKey(id)));
    advisorIds.forEach((id, i) => out.set(id, values[i] ? Number(values[i]) : null));
    return out;
  }
}

function parseStatus(raw: string | null): StoredStatus {
  if (!raw) return { status: 'online', auto: false };
  try {
    const v = JSON.parse(raw) as Partial<StoredStatus>;
    if (v.status === 'online' || v.status === 'busy' || v.status === 'away') return { status: v.status, auto: v.auto === true };
  } catch {
    // A value we cannot read counts as none.
  }
  return { status: 'online', auto: false };
}
