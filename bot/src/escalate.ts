import {
  emitClientState,
  notifyWaitingListAdded,
  toHandoffView,
  transition,
  type HandoffDoc,
  type ConversationDoc,
  type InboundJob,
  type Services,
} from '@brokerbot/shared';

export interface EscalationRequest {
  conversation: ConversationDoc;
  job: InboundJob;
  reasons: string[];
  priority: number;
  /** The advisor's hand-over note. */
  summary: string;
  /** Outside business hours: the chat waits in after_hours for a call-back. */
  afterHours: boolean;
}

/**
 * Hands a conversation to a person. Order matters for crash safety: the Handoff is stored
 * first, then the conversation moves bot → queued (atomic, so a chat is queued once), then
 * the job is queued with the handoff's id as job id. A crash between the last two steps is
 * repaired by the router's recovery sweep, which re-queues every stored queued handoff.
 */
export async function escalate(services: Pick<Services, 'db' | 'queues' | 'metrics' | 'emitter'>, req: EscalationRequest) {
  const { db, queues, metrics, emitter } = services;
  const customer = req.job.customerId ? await db.Customer.findById(req.job.customerId).lean() : null;
  const reasons = [...req.reasons];
  const priority = req.priority;
  const branchId = req.conversation.branchId ?? customer?.branchId ?? null;
  const handoff = await db.Handoff.create({
    conversationId: req.job.conversationId,
    customerId: req.job.customerId,
    branchId,
    status: 'queued',
    priority,
    reasons,
    summary: req.summary,
    afterHours: req.afterHours,
  });
  const handoffId = handoff._id.toString();
  const moved = await transition(db, {
    conversationId: req.job.conversationId,
    from: 'bot',
    to: req.afterHours ? 'after_hours' : 'queued',
    by: 'bot',
    reason: reasons.join('; '),
    set: { handoffId },
  });
  if (!moved) {
    // Someone else escalated or took the chat in the meantime: this handoff is not needed.
    await db.Handoff.updateOne({ _id: handoffId }, { $set: { status: 'cancelled' } });
    return null;
  }
  await queues.handoff.add(
    'route',
    {
      handoffId,
      conversationId: req.job.conversationId,
      branchId,
      attempt: 0,
      excludeAdvisorIds: [],
      queuedAt: Date.now(),
    },
    { jobId: handoffId, priority },
  );
  emitClientState(emitter, req.job.conversationId, req.afterHours ? 'after_hours' : 'queued');
  // The waiting list of every advisor of the branch shows the chat at once, router or not.
  notifyWaitingListAdded(emitter, toHandoffView(handoff.toObject() as HandoffDoc, customer));
  for (const r of reasons) metrics.escalations.inc({ reason: r.split(':')[0] ?? r });
  return { handoffId, priority, reasons };
}
