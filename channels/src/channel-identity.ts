import type { Channel, Services } from '@brokerbot/shared';

export interface ClientIdentity {
  customerId: string | null;
  branchId: string | null;
}

/**
 * Who a WeCom / mini-program client is to the brokerage: a Customer carrying the identity
 * { channel, externalId } (bound by the brokerage, e.g. after login in the mini-program), or
 * nobody yet — then CHANNEL_DEFAULT_BRANCH serves them, so an escalation still reaches advisors.
 */
export async function lookUpClient(
  db: Services['db'],
  channel: Channel,
  externalId: string,
  defaultBranchId: string | null,
): Promise<ClientIdentity> {
  const candidates = await db.Customer.find(
    { 'identities.channel': channel, 'identities.externalId': externalId },
    { branchId: 1, identities: 1 },
  )
    .limit(5)
    .lean();
  // Both fields must match within one identity entry, not across two.
  const customer = candidates.find((c) => c.identities.some((i) => i.channel === channel && i.externalId === externalId));
  return customer ? { customerId: customer._id, branchId: customer.branchId } : { customerId: null, branchId: defaultBranchId };
}
