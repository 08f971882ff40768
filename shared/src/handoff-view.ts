import { findIn } from './models/find-in';
import type { Db } from './models/db';
import { maskPhone } from './pii';
import type { ConversationDoc, CustomerDoc, HandoffDoc, HandoffRaiseDoc } from './models/schemas';
import { recentMessages, toAdvisorWire, type AdvisorWireMessage } from './transcript';

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
  /** Set when an advisor transferred the chat: who, and their note for the receiver. */
  transfer?: { fromAdvisorName: string; note: string };
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
    ...transferOf(h),
  };
}

/** The view's `transfer`, from the handoff's stored transfer (see handoffSchema.transfer). */
function transferOf(h: HandoffDoc): Pick<HandoffView, 'transfer'> {
  const t = h.transfer as { fromAdvisorName?: unknown; note?: unknown } | null | undefined;
  if (!t || typeof t.fromAdvisorName !== 'string') return {};
  return { transfer: { fromAdvisorName: t.fromAdvisorName, note: typeof t.note === 'string' ? t.note : '' } };
}

/** An advisor's open chat: the handoff it came from and the recent transcript. */
export interface ChatView {
  conversationId: string;
  handoff: HandoffView;
  messages: AdvisorWireMessage[];
}

/** The chat view of a conversation a person serves (its handoff must exist). */
export async function chatView(db: Db, conversation: ConversationDoc): Promise<ChatView> {
  const conversationId = conversation._id.toString();
  const handoff = (await db.Handoff.findById(conversation.handoffId).lean()) as HandoffDoc | null;
  if (!handoff) throw new Error(`conversation ${conversationId} has no handoff`);
  const [customer, messages, raises] = await Promise.all([
    handoff.customerId ? (db.Customer.findById(handoff.customerId).lean() as Promise<CustomerDoc | null>) : null,
    // A transferred chat opens with its whole transcript (up to 500 messages), so the receiver need not ask again.
    recentMessages(db, conversationId, handoff.transfer ? 500 : 100),
    raisesOf(db, [handoff._id.toString()]),
  ]);
  return {
    conversationId,
    handoff: toHandoffView(withRaises(handoff, raises.get(handoff._id.toString())), customer),
    messages: messages.map(toAdvisorWire),
  };
}

/** The raises of these handoffs (see handoffRaiseSchema), by handoff id. */
export async function raisesOf(db: Db, handoffIds: string[]): Promise<Map<string, HandoffRaiseDoc[]>> {
  const byHandoff = new Map<string, HandoffRaiseDoc[]>();
  if (handoffIds.length === 0) return byHandoff;
  const raises = await findIn<HandoffRaiseDoc>(db.HandoffRaise, 'handoffId', handoffIds);
  for (const r of raises) byHandoff.set(r.handoffId, [...(byHandoff.get(r.handoffId) ?? []), r]);
  return byHandoff;
}

/** A handoff as urgent as its most urgent raise, with the raises' reasons added to its own. */
export function withRaises<T extends Pick<HandoffDoc, 'priority' | 'reasons'>>(handoff: T, raises: HandoffRaiseDoc[] = []): T {
  if (raises.length === 0) return handoff;
  const priority = Math.min(handoff.priority, ...raises.map((r) => r.priority));
  const reasons = [...new Set([...handoff.reasons, ...raises.flatMap((r) => r.reasons)])];
  return { ...handoff, priority, reasons };
}
