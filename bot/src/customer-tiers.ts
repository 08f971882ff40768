import type { CustomerTier, Db } from '@brokerbot/shared';

/** How long a client's tier is trusted before it is read again. */
export const TIER_TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/**
 * Clients' service tiers (VIP lowers the escalation thresholds), read once per client per
 * TIER_TTL_MS instead of once per message: the tier changes rarely, and this read sat on every
 * reply's critical path. A tier change takes effect within TIER_TTL_MS.
 */
export class CustomerTiers {
  private readonly cache = new Map<string, { tier: CustomerTier | null; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async of(customerId: string | null | undefined): Promise<CustomerTier | null> {
    if (!customerId) return null;
    const hit = this.cache.get(customerId);
    if (hit && this.now() - hit.at < TIER_TTL_MS) return hit.tier;
    const doc = await this.db.Customer.findById(customerId, { tier: 1 }).lean();
    const tier = (doc?.tier as CustomerTier | undefined) ?? null;
    // Oldest first out: Map keeps insertion order, and a refreshed entry is re-inserted.
    this.cache.delete(customerId);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(customerId, { tier, at: this.now() });
    return tier;
  }
}
