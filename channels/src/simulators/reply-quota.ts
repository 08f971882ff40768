import type { Clock } from './clock';

export type QuotaVerdict = 'ok' | 'expired' | 'exhausted';

interface Grant {
  remaining: number;
  expiresAt: number;
}

/**
 * How many messages we may still send to one client, and until when. Each kind of client
 * action opens its own grant ("message": 5 within 48 h; mini-program "enter": 2 within 1 min);
 * a new action of the same kind replaces that grant. A send uses the grant that expires first.
 */
export class ReplyQuota {
  private readonly grants = new Map<string, Map<string, Grant>>();

  constructor(private readonly clock: Clock) {}

  grant(client: string, kind: string, count: number, ttlMs: number): void {
    let byKind = this.grants.get(client);
    if (!byKind) this.grants.set(client, (byKind = new Map()));
    byKind.set(kind, { remaining: count, expiresAt: this.clock.now() + ttlMs });
  }

  /** 'expired' when no grant is open (never opened, or timed out); 'exhausted' when open grants are used up. */
  consume(client: string): QuotaVerdict {
    const now = this.clock.now();
    const open = [...(this.grants.get(client)?.values() ?? [])]
      .filter((g) => g.expiresAt > now)
      .sort((a, b) => a.expiresAt - b.expiresAt);
    if (open.length === 0) return 'expired';
    const usable = open.find((g) => g.remaining > 0);
    if (!usable) return 'exhausted';
    usable.remaining--;
    return 'ok';
  }
}
