import type { Redis } from 'ioredis';

const TTL_S = 7 * 24 * 3600;

/**
 * Which kf account (open_kfid) a client last wrote to: replies must come from it. A client may
 * write to several kf accounts of the corp while our conversation is one per client, so the
 * latest wins. Lost with Redis, the first configured kf account answers.
 */
export class KfContacts {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly openKfIds: readonly string[],
  ) {}

  async remember(externalUserId: string, openKfId: string): Promise<void> {
    await this.redis.set(`${this.keyPrefix}:${externalUserId}`, openKfId, 'EX', TTL_S);
  }

  async kfOf(externalUserId: string): Promise<string> {
    const known = await this.redis.get(`${this.keyPrefix}:${externalUserId}`);
    return known && this.openKfIds.includes(known) ? known : this.openKfIds[0]!;
  }

  serves(openKfId: string): boolean {
    return this.openKfIds.includes(openKfId);
  }
}

/** The send-budget key of a client: the 5-in-48 h rule counts per kf account and client. */
export function kfClientKey(openKfId: string, externalUserId: string): string {
  return `${openKfId}:${externalUserId}`;
}
