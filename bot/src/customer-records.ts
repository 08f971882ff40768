import type { CustomerDoc, CustomerTier, Db } from '@brokerbot/shared';

/** How long a client's record is trusted before it is read again. */
export const CUSTOMER_TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/**
 * Clients' records as the bot uses them — the service tier on every message (VIP lowers the
 * escalation thresholds), the whole record when it hands the chat over (branch, name and tier on
 * the advisor's card) — read once per client per CUSTOMER_TTL_MS instead of once per use: they
 * change rarely, and these reads sat on every reply's and every escalation's critical path. A
 * change takes effect within CUSTOMER_TTL_MS.
 */
export class CustomerRecords {
  private readonly cache = new Map<string, { doc: CustomerDoc | null; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client's record; null for no client or an unknown one. */
  async of(customerId: string | null | undefined): Promise<CustomerDoc | null> {
    if (!customerId) return null;
    const hit = this.cache.get(customerId);
    if (hit && this.now() - hit.at < CUSTOMER_TTL_MS) return hit.doc;
    const doc = (await this.db.Customer.findById(customerId).lean()) as CustomerDoc | null;
    // Oldest first out: Map keeps insertion order, and a refreshed entry is re-inserted.
    this.cache.delete(customerId);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(customerId, { doc, at: this.now() });
    return doc;
  }

  async tierOf(customerId: string | null | undefined): Promise<CustomerTier | null> {
    return ((await this.of(customerId))?.tier as CustomerTier | undefined) ?? null;
  }
}
