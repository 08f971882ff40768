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

export function toHandoffView(h: HandoffDoc, customer: CustomerDoc | null): HandoffView {
  return {
    handoffId: h._id.toString(),
    conversationId: h.conversationId,
    status: h.status,
    priority: h.priority,
    reasons: h.reasons,
    summary: h.summary,
    branchId: h.branchId ?? null,
    offeredTo: h.offeredTo ?? null,
    createdAt: new Date(h.createdAt).toISOString(),
    customer: customer
      ? { id: customer._id, name: customer.name, tier: customer.tier, phone: customer.phone ? maskPhone(customer.phone) : null }
      : null,
  };
}
