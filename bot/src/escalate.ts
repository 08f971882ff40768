import { describeHours, isOpen, type EscalationPolicy } from '@brokerbot/flows';
import {
  countForDashboard,
  emitClientState,
  markEscalated,
  notifyWaitingListAdded,
  toHandoffView,
  transition,
  type HandoffDoc,
  type HandoffSnapshot,
  type HandoffView,
  type ConversationDoc,
  type CustomerDoc,
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
  /** The client's intents, newest first (see the Handoff's `intents`). */
  intents: string[];
  /** The client's record (null: none), for the branch and the advisor's card. */
  customer: CustomerDoc | null;
}

/**
 * Hands a conversation to a person. Order matters for crash safety: the Handoff is stored
 * first, then the conversation moves bot → queued (atomic, so a chat is queued once), then
 * the job is queued with the handoff's id as job id. A crash between the last two steps is
 * repaired by the router's recovery sweep, which re-queues every stored queued handoff. The job
 * is not queued before the conversation is written: an advisor's accept reads it, and an offer
 * can be accepted within milliseconds (tried: a console test's accept then found the chat still
 * with the bot).
 */
export async function escalate(services: Pick<Services, 'db' | 'queues' | 'metrics' | 'emitter'>, req: EscalationRequest) {
  const { db, queues, metrics, emitter } = services;
  const { customer } = req;
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
    intents: req.intents,
  });
  const handoffId = handoff._id.toString();
  // 会话记录's 仅转人工 filter, marked while the conversation moves (a turn that runs again after a
  // crash marks it again).
  const [, moved] = await Promise.all([
    markEscalated(queues, req.job.conversationId),
    transition(db, {
      conversationId: req.job.conversationId,
      from: 'bot',
      to: req.afterHours ? 'after_hours' : 'queued',
      by: 'bot',
      reason: reasons.join('; '),
      set: { handoffId },
      // The turn's copy saves a read; if it is out of date the log refuses it and transition reads.
      current: req.conversation,
    }),
  ]);
  if (!moved) {
    // Someone else escalated or took the chat in the meantime: this handoff is not needed.
    await db.Handoff.updateOne({ _id: handoffId }, { $set: { status: 'cancelled' } });
    return null;
  }
  const view = toHandoffView(handoff.toObject() as HandoffDoc, customer);
  await queues.handoff.add(
    'route',
    {
      handoffId,
      conversationId: req.job.conversationId,
      branchId,
      attempt: 0,
      excludeAdvisorIds: [],
      queuedAt: Date.now(),
      customerId: req.job.customerId,
      // A call-back waits for the opening: the router reads it afresh then.
      snapshot: req.afterHours ? undefined : snapshotOf(view, req.intents, customer),
    },
    { jobId: handoffId, priority },
  );
  emitClientState(emitter, req.job.conversationId, req.afterHours ? 'after_hours' : 'queued');
  // The waiting list of every advisor of the branch shows the chat at once, router or not.
  notifyWaitingListAdded(emitter, view);
  for (const r of reasons) metrics.escalations.inc({ reason: r.split(':')[0] ?? r });
  await countForDashboard(queues, {
    kind: 'escalated',
    handoffId,
    conversationId: req.job.conversationId,
    branchId,
    channel: req.job.channel,
    reasons,
    afterHours: req.afterHours,
  });
  return { handoffId, priority, reasons };
}

/** What the router needs of the handoff just stored (see handoffSnapshotSchema). */
function snapshotOf(view: HandoffView, intents: string[], customer: CustomerDoc | null): HandoffSnapshot {
  return {
    priority: view.priority,
    reasons: view.reasons,
    summary: view.summary,
    intents,
    createdAt: Date.parse(view.createdAt),
    customer: view.customer ? { ...view.customer, advisorId: customer?.advisorId ?? null } : null,
  };
}

const MARGIN_WORDS = /强平|平仓|追保|爆仓|担保比例|两融|融资|融券|信用账户|补仓线|警戒线/;

/**
 * What a client in distress is told while an advisor is sought (the policy offers distress to
 * whoever is online, at any hour): empathy, what matters right now, and the hotline — and no
 * promise the schedule cannot keep. For a margin call: what it means now and the deadline to
 * add collateral or repay.
 */
export function distressHoldingReply(
  policy: Pick<EscalationPolicy, 'businessHours' | 'hotline'>,
  text: string,
  intent: string,
  now: Date,
): string {
  const open = isOpen(policy.businessHours, now);
  const seeking = open
    ? '已为您优先转接顾问，正在安排在线顾问接入。'
    : `现在是非人工服务时间（人工服务时间：${describeHours(policy.businessHours)}），已为您优先联系此刻在线的顾问，但不能保证马上有人接入。`;
  const margin =
    intent === 'margin_call' || MARGIN_WORDS.test(text)
      ? '先说最要紧的：追保是维持担保比例低于要求时的补救期，收到追保通知后，需在通知规定的期限内（通常为下一交易日收市前）转入资金、划入担保证券，或卖出部分证券归还融资，使维持担保比例回到要求水平；逾期未补足的，可能被强制平仓。强制平仓只在交易时段执行。具体期限和金额以追保通知为准，您可以在App信用账户中查看。'
      : '请先照顾好自己，钱的事情我们一起想办法。如涉及人身安全，请立即拨打110或120。';
  const hotline = open
    ? `如几分钟内没有顾问接入，请直接拨打客服热线${policy.hotline}。`
    : `需要马上有人帮您，请拨打客服热线${policy.hotline}。`;
  return `我们非常理解您现在的心情。${seeking}${margin}${hotline}您也可以继续在这里留言，顾问接入后会看到全部内容。`;
}
