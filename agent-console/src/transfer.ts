import {
  markEscalated,
  chatView,
  emitClientState,
  notifyChatHandedOn,
  notifyChatOpened,
  notifyWaitingListAdded,
  sendToClient,
  transition,
  UserError,
  type ChatView,
  type ConversationDoc,
  type HandoffDoc,
  type Services,
  type TransferTarget,
  toHandoffView,
} from '@brokerbot/shared';
import { capacityOf, activeChatCount } from './advisor-capacity';
import { announceAdvisorLater, presenceOf } from './advisor-status';
import type { AdvisorClaims } from './advisor-token';
import { logConversation } from './conversation-log';
import { DEFAULT_SKILLS_PATH, readSkills } from './skills';

type Deps = Pick<Services, 'db' | 'seq' | 'queues' | 'emitter' | 'config' | 'redis' | 'logger'>;

/** What a transferred handoff stores (Handoff.transfer). */
export interface StoredTransfer {
  fromAdvisorId: string;
  fromAdvisorName: string;
  note: string;
  to: TransferTarget;
}

/** The target of a transferred handoff, if it is one. */
export function transferTargetOf(handoff: Pick<HandoffDoc, 'transfer'>): TransferTarget | null {
  const t = handoff.transfer as Partial<StoredTransfer> | null | undefined;
  const to = t?.to as Record<string, unknown> | undefined;
  if (!to) return null;
  if (typeof to.advisorId === 'string') return { advisorId: to.advisorId };
  if (typeof to.branchId === 'string') return { branchId: to.branchId };
  if (typeof to.skill === 'string') return { skill: to.skill };
  return null;
}

/** The chat the caller owns now, or not_owner. */
async function ownedChat(deps: Deps, advisor: AdvisorClaims, conversationId: string): Promise<ConversationDoc> {
  const conversation = (await deps.db.Conversation.findOne({
    _id: conversationId,
    state: 'human',
    advisorId: advisor.sub,
  }).lean()) as ConversationDoc | null;
  if (!conversation) throw new UserError('not_owner', '您没有接入这个会话，或会话已结束');
  return conversation;
}

/** Where the transfer goes: the waiting list's branch and what the client is told, or a clear error. */
async function resolveTarget(
  deps: Deps,
  advisor: AdvisorClaims,
  conversation: ConversationDoc,
  to: TransferTarget,
): Promise<{ branchId: string | null; toClient: string; to: TransferTarget }> {
  if ('advisorId' in to) {
    if (to.advisorId === advisor.sub) throw new UserError('invalid_target', '不能转接给自己');
    const target = await deps.db.Advisor.findOne({ _id: to.advisorId, role: 'advisor', active: true }).lean();
    if (!target) throw new UserError('invalid_target', '找不到这位顾问');
    const status = (await presenceOf(deps).statuses([to.advisorId])).get(to.advisorId);
    if (status !== 'online')
      throw new UserError(
        'advisor_unavailable',
        `${target.displayName}当前${status === 'busy' ? '忙碌' : '不在线'}，请转接给其他顾问或营业部`,
      );
    if ((await activeChatCount(deps, to.advisorId)) >= capacityOf(target, deps.config)) {
      throw new UserError('advisor_unavailable', `${target.displayName}已满负荷接待，请转接给其他顾问或营业部`);
    }
    // A central-team advisor serves the chat's own branch; anyone else takes it into their branch.
    return {
      branchId: target.allBranches ? (conversation.branchId ?? null) : target.branchId,
      toClient: `顾问${target.displayName}`,
      to,
    };
  }
  if ('branchId' in to) {
    const branch = await deps.db.Branch.findById(to.branchId).lean();
    if (!branch) throw new UserError('invalid_target', '找不到这个营业部');
    return { branchId: branch._id, toClient: `${branch.name}的顾问`, to };
  }
  const skills = readSkills(deps.config.ROUTING_SKILLS_PATH ?? DEFAULT_SKILLS_PATH);
  if (!skills.skills.includes(to.skill)) {
    throw new UserError('invalid_target', `没有“${to.skill}”这个技能组（可选：${skills.skills.join('、')}）`);
  }
  return { branchId: conversation.branchId ?? null, toClient: `${to.skill}专员`, to };
}

/**
 * The owner hands the chat on. A new handoff (with the note) is stored, then the conversation
 * moves human → queued: that transition is the lock (one winner among two transfers, a transfer
 * and a take-over, …); a loser's handoff is cancelled. The new handoff is then routed like an
 * escalation, offered first to a named advisor; the old one is marked transferred.
 */
export async function transferChat(
  deps: Deps,
  advisor: AdvisorClaims,
  input: { conversationId: string; to: TransferTarget; note: string },
): Promise<void> {
  const conversation = await ownedChat(deps, advisor, input.conversationId);
  const target = await resolveTarget(deps, advisor, conversation, input.to);
  const previous = (await deps.db.Handoff.findById(conversation.handoffId).lean()) as HandoffDoc | null;
  const transfer: StoredTransfer = { fromAdvisorId: advisor.sub, fromAdvisorName: advisor.name, note: input.note, to: target.to };
  const handoff = await deps.db.Handoff.create({
    conversationId: input.conversationId,
    customerId: conversation.customerId ?? previous?.customerId ?? null,
    branchId: target.branchId,
    status: 'queued',
    priority: previous?.priority ?? 5,
    reasons: [...new Set([...(previous?.reasons ?? []), 'transferred'])],
    summary: previous?.summary ?? '',
    transfer,
  });
  const handoffId = handoff._id.toString();
  await markEscalated(deps.queues, input.conversationId);
  const moved = await transition(deps.db, {
    conversationId: input.conversationId,
    from: 'human',
    to: 'queued',
    by: `advisor:${advisor.sub}`,
    reason: 'transferred',
    set: { advisorId: null, handoffId },
    where: { advisorId: advisor.sub, handoffId: conversation.handoffId },
  });
  if (!moved) {
    await deps.db.Handoff.updateOne({ _id: handoffId }, { $set: { status: 'cancelled' } });
    throw new UserError('not_owner', '会话已被转接、接手或已结束');
  }
  if (previous) await deps.db.Handoff.updateOne({ _id: previous._id }, { $set: { status: 'transferred', closedAt: new Date() } });
  await logConversation(deps, input.conversationId, advisor, 'transfer', { handoffId, to: target.to, note: input.note });
  await deps.queues.handoff.add(
    'route',
    {
      handoffId,
      conversationId: input.conversationId,
      branchId: target.branchId,
      attempt: 0,
      excludeAdvisorIds: [],
      queuedAt: Date.now(),
    },
    { jobId: handoffId, priority: handoff.priority },
  );
  notifyChatHandedOn(deps.emitter, advisor.sub, input.conversationId, advisor.sub, 'transferred');
  const customer = handoff.customerId ? await deps.db.Customer.findById(handoff.customerId).lean() : null;
  notifyWaitingListAdded(deps.emitter, toHandoffView(handoff.toObject() as HandoffDoc, customer));
  await sendToClient(deps, moved, {
    // One notice per transfer (a retried request sends nothing twice).
    id: `t${handoffId}`,
    author: { kind: 'system' },
    text: `正在为您转接${target.toClient}，请稍候，您无需重复描述问题。`,
  });
  emitClientState(deps.emitter, input.conversationId, 'queued');
  announceAdvisorLater(deps, advisor.sub);
}

/** A supervisor's chat of someone else's, or a clear error. */
async function servedChat(
  deps: Pick<Services, 'db'>,
  supervisor: AdvisorClaims,
  conversationId: string,
): Promise<ConversationDoc> {
  if (supervisor.role !== 'supervisor') throw new UserError('forbidden', '只有督导可以这样做');
  const conversation = (await deps.db.Conversation.findById(conversationId).lean()) as ConversationDoc | null;
  if (!conversation || !(supervisor.allBranches || conversation.branchId === supervisor.branchId)) {
    throw new UserError('not_visible', '您无权查看这个会话');
  }
  if (conversation.state !== 'human' || !conversation.advisorId) throw new UserError('not_served', '这个会话当前没有顾问在接待');
  return conversation;
}

/**
 * A supervisor takes a chat over from its advisor: the human → human transition (new owner) is
 * the lock; the previous owner's console drops the chat (`taken_over`), the supervisor's opens it.
 */
export async function takeOverChat(deps: Deps, supervisor: AdvisorClaims, conversationId: string): Promise<ChatView> {
  const conversation = await servedChat(deps, supervisor, conversationId);
  const previousOwner = conversation.advisorId!;
  if (previousOwner === supervisor.sub) return chatView(deps.db, conversation);
  const moved = await transition(deps.db, {
    conversationId,
    from: 'human',
    to: 'human',
    by: `advisor:${supervisor.sub}`,
    reason: 'taken_over',
    set: { advisorId: supervisor.sub },
    where: { advisorId: previousOwner, handoffId: conversation.handoffId },
  });
  if (!moved) throw new UserError('not_served', '会话状态已变化，请刷新后重试');
  await deps.db.Handoff.updateOne({ _id: conversation.handoffId }, { $set: { advisorId: supervisor.sub } });
  await logConversation(deps, conversationId, supervisor, 'takeover', { from: previousOwner });
  notifyChatHandedOn(deps.emitter, previousOwner, conversationId, supervisor.sub, 'taken_over');
  await sendToClient(deps, moved, {
    id: `o${conversationId}_${moved.version}`,
    author: { kind: 'system', name: supervisor.name },
    text: `您好，我是${supervisor.name}，接下来由我为您服务。`,
  });
  emitClientState(deps.emitter, conversationId, 'human', supervisor.name);
  const view = await chatView(deps.db, moved);
  notifyChatOpened(deps.emitter, supervisor.sub, view);
  announceAdvisorLater(deps, previousOwner);
  return view;
}

export { servedChat };
