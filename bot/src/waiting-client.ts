import type { PolicyDecision } from '@brokerbot/flows';
import {
  isDuplicateKey,
  notifyOffer,
  notifyWaitingListAdded,
  raisesOf,
  toHandoffView,
  withRaises,
  type ConversationDoc,
  type CustomerDoc,
  type HandoffDoc,
  type Services,
} from '@brokerbot/shared';

type Deps = Pick<Services, 'db' | 'emitter' | 'config'>;

/**
 * A client waiting for a person keeps writing; when what they write is more urgent than the
 * reason they are waiting for (爆仓, 活不下去 … while queued as a routine request), the handoff is
 * raised: one insert per level (HandoffRaise), then the waiting lists of the branch and of
 * head office see it move up with the new reasons, and the offer an advisor may be looking at
 * carries them too. Returns whether it was raised.
 */
export async function raiseIfMoreUrgent(deps: Deps, conversation: ConversationDoc, decision: PolicyDecision): Promise<boolean> {
  if (conversation.state !== 'queued' || !conversation.handoffId || !decision.escalate) return false;
  const handoffId = conversation.handoffId;
  const handoff = (await deps.db.Handoff.findById(handoffId).lean()) as HandoffDoc | null;
  if (!handoff || handoff.status !== 'queued') return false;
  const before = withRaises(handoff, (await raisesOf(deps.db, [handoffId])).get(handoffId));
  if (decision.priority >= before.priority) return false;
  const raise = { handoffId, priority: decision.priority, reasons: decision.reasons, at: new Date() };
  try {
    await deps.db.HandoffRaise.create(raise);
  } catch (err) {
    // This level was raised already (the same message handled again): nothing more to say.
    if (isDuplicateKey(err)) return false;
    throw err;
  }
  const since = new Date(Date.now() - deps.config.OFFER_TIMEOUT_S * 1000);
  const [customer, offer] = await Promise.all([
    handoff.customerId ? (deps.db.Customer.findById(handoff.customerId).lean() as Promise<CustomerDoc | null>) : null,
    deps.db.HandoffOffer.findOne({ handoffId, at: { $gte: since } })
      .sort({ attempt: -1 })
      .lean(),
  ]);
  const view = toHandoffView(withRaises(before, [raise]), customer, offer?.advisorId ?? null);
  notifyWaitingListAdded(deps.emitter, view);
  if (offer) notifyOffer(deps.emitter, offer.advisorId, view);
  return true;
}
