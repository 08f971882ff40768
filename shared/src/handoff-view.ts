import { maskPhone } from './pii';
import type { CustomerDoc, HandoffDoc } from './models/schemas';

/** What an advisor sees of a waiting chat. Phone numbers are masked: the list does not need them. */
export interface HandoffView {
  handoffId: string;
  conversationId: string;
  status: string;
  priority: number;
  reasons: string[];
  summary: string;
  branchId: string | null;
  offeredTo: string | null;
  createdAt: string;
  customer: { id: string; name: string; tier: string; phone: string | null } | null;
}

/**
 * `status` is the handoff's, except that a queued handoff with a live offer shows as
 * "offered" (offers are stored separately, see HandoffOffer).
 */
export function toHandoffView(h: HandoffDoc, customer: CustomerDoc | null, offeredTo: string | null = null): HandoffView {
  return {
    handoffId: h._id.toString(),
    conversationId: h.conversationId,
    status: h.status === 'queued' && offeredTo ? 'offered' : h.status,
    priority: h.priority,
    reasons: h.reasons,
    summary: h.summary,
    branchId: h.branchId ?? null,
    offeredTo,
    createdAt: new Date(h.createdAt).toISOString(),
    customer: customer
      ? { id: customer._id, name: customer.name, tier: customer.tier, phone: customer.phone ? maskPhone(customer.phone) : null }
      : null,
  };
}
