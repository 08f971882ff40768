import { createHash } from 'node:crypto';
import { REPLIES } from '@brokerbot/flows';
import {
  countForDashboard,
  emitClientState,
  notifyChatClosed,
  notifyChatOpened,
  notifyWaitingListRemoved,
  UserError,
  chatView,
  raisesOf,
  withRaises,
  type ChatView,
  recentMessages,
  sendToClient,
  toAdvisorWire,
  toWire,
  transition,
  type ConversationDoc,
  customersById,
  findIn,
  type HandoffDoc,
  type HandoffOfferDoc,
  type Services,
  type WireMessage,
  type AdvisorWireMessage,
  toHandoffView,
  type HandoffView,
  queueQualityScoring,
} from '@brokerbot/shared';
import { complianceOf } from './advisor-compliance';
import { withAdvisorIntake } from './advisor-capacity';
import { announceAdvisorLater } from './advisor-status';
import { visibleBranchFilter, type AdvisorClaims } from './advisor-token';
import { recordQueueWait } from './queue-position';
import { authorizeWatch, mayWatch } from './watch-rights';
import { existingPracticeService } from './practice/practice-service';
import { askForSatisfaction } from './satisfaction';
import { checkWrapUp, unansweredClientMessage, unansweredWarning, type WrapUpInput } from './wrap-up';

type Deps = Pick<Services, 'db' | 'seq' | 'queues' | 'emitter' | 'config' | 'redis' | 'logger'>;

/** The advisor each handoff is offered to right now (its latest offer, while it lasts). */
async function currentOffers(deps: Deps, handoffIds: string[]): Promise<Map<string, string>> {
  if (handoffIds.length === 0) return new Map();
  const since = new Date(Date.now() - deps.config.OFFER_TIMEOUT_S * 1000);
  const offers = await findIn<HandoffOfferDoc>(deps.db.HandoffOffer, 'handoffId', handoffIds, { where: { at: { $gte: since } } });
  offers.sort((a, b) => a.attempt - b.attempt);
  return new Map(offers.map((o) => [o.handoffId, o.advisorId]));
}

/** The waiting list: chats queued for a person, most urgent first, limited to visible branches. */
export async function listWaiting(deps: Deps, advisor: AdvisorClaims): Promise<HandoffView[]> {
  const handoffs = (await deps.db.Handoff.find({ status: 'queued', ...visibleBranchFilter(advisor) })
    .sort({ priority: 1, createdAt: 1 })
    .limit(200)
    .lean()) as HandoffDoc[];
  const ids = handoffs.map((h) => h._id.toString());
  const [customers, offers, raises] = await Promise.all([
    customersById(
      deps.db,
      handoffs.map((h) => h.customerId),
    ),
    currentOffers(deps, ids),
    raisesOf(deps.db, ids),
  ]);
  return handoffs
    .map((h) => withRaises(h, raises.get(h._id.toString())))
    .sort((a, b) => a.priority - b.priority || new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime())
    .map((h) => toHandoffView(h, customers.get(h.customerId ?? '') ?? null, offers.get(h._id.toString()) ?? null));
}

/** The chats an advisor owns now (for a console that reconnects). */
export async function listMyChats(deps: Deps, advisor: AdvisorClaims): Promise<ChatView[]> {
  const conversations = (await deps.db.Conversation.find({ state: 'human', advisorId: advisor.sub }).lean()) as ConversationDoc[];
  return Promise.all(conversations.map((c) => chatView(deps.db, c)));
}

async function activeChatCount(deps: Deps, advisorId: string): Promise<number> {
  return deps.db.Conversation.countDocuments({ state: 'human', advisorId });
}

/**
 * An advisor takes a waiting chat. The conversation's queued → human transition is the lock
 * (one winner, see `transition`), so a chat is never owned twice; the winner alone then
 * marks the handoff accepted.
 */
export async function acceptHandoff(deps: Deps, advisor: AdvisorClaims, handoffId: string): Promise<ChatView> {
  if (advisor.role !== 'advisor') throw new UserError('not_an_advisor', '督导账号不能接入会话');
  // One intake at a time per advisor (any process): two accepts at once cannot both pass the capacity check.
  const { handoff, conversation } = await withAdvisorIntake(deps, advisor.sub, async () => {
    const dbAdvisor = await deps.db.Advisor.findById(advisor.sub).lean();
    const max = dbAdvisor?.maxChats ?? deps.config.MAX_CHATS_PER_ADVISOR;
    if ((await activeChatCount(deps, advisor.sub)) >= max) {
      throw new UserError('at_capacity', `您已同时接待 ${max} 位客户，请先结束一个会话`);
    }
    const handoff = (await deps.db.Handoff.findOne({
      _id: handoffId,
      status: 'queued',
      ...visibleBranchFilter(advisor),
    }).lean()) as HandoffDoc | null;
    if (!handoff) throw new UserError('not_available', '该会话已被其他顾问接入或已结束');
    const conversation = await transition(deps.db, {
      conversationId: handoff.conversationId,
      // An advisor on duty outside business hours may take a call-back straight away.
      from: ['queued', 'after_hours'],
      to: 'human',
      by: `advisor:${advisor.sub}`,
      reason: 'accepted',
      set: { advisorId: advisor.sub },
      where: { handoffId },
    });
    if (!conversation) throw new UserError('not_available', '该会话已被其他顾问接入或已结束');
    return { handoff, conversation };
  });
  await deps.db.Handoff.updateOne(
    { _id: handoffId },
    { $set: { status: 'accepted', advisorId: advisor.sub, acceptedAt: new Date() } },
  );
  notifyWaitingListRemoved(deps.emitter, handoff.branchId, { handoffId, by: advisor.sub });
  await countForDashboard(deps.queues, {
    kind: 'accepted',
    handoffId,
    conversationId: handoff.conversationId,
    branchId: handoff.branchId,
    channel: conversation.channel,
    waitMs: Date.now() - new Date(handoff.createdAt).getTime(),
  });
  await sendToClient(deps, conversation, {
    author: { kind: 'system', name: advisor.name },
    text: REPLIES.advisorJoined(advisor.name),
  });
  emitClientState(deps.emitter, handoff.conversationId, 'human', advisor.name);
  const view = await chatView(deps.db, conversation);
  // The advisor's other console tabs open the chat too, and receive its messages from now on.
  notifyChatOpened(deps.emitter, advisor.sub, view);
  await recordQueueWait(deps, (Date.now() - new Date(handoff.createdAt).getTime()) / 1000);
  announceAdvisorLater(deps, advisor.sub);
  return view;
}

/** An advisor's reply; idempotent on the console's own message id. */
export async function sendAsAdvisor(
  deps: Deps,
  advisor: AdvisorClaims,
  conversationId: string,
  clientMessageId: string,
  text: string,
  /** Send although the compliance check warned (the override is recorded with the message). */
  confirm = false,
): Promise<WireMessage> {
  const conversation = (await deps.db.Conversation.findOne({
    _id: conversationId,
    state: 'human',
    advisorId: advisor.sub,
  }).lean()) as ConversationDoc | null;
  if (!conversation) {
    // 智能陪练: a practice chat is answered by its simulated client and never reaches a channel.
    const practised = await existingPracticeService(deps.db)?.send(advisor, conversationId, clientMessageId, text, () =>
      complianceOf(advisor, text, confirm),
    );
    if (practised) return practised;
    throw new UserError('not_owner', '您没有接入这个会话，或会话已结束');
  }
  // WeCom msgid rules (≤32 chars, [0-9a-zA-Z_-]) apply to every id we send with.
  const id = `a${createHash('sha256').update(`${advisor.sub}:${clientMessageId}`).digest('hex').slice(0, 31)}`;
  const compliance = complianceOf(advisor, text, confirm);
  const message = await sendToClient(deps, conversation, {
    id,
    author: { kind: 'advisor', id: advisor.sub, name: advisor.name },
    text,
    ...(compliance ? { meta: { compliance } } : {}),
  });
  if (conversation.handoffId)
    await countForDashboard(deps.queues, {
      kind: 'first_response',
      handoffId: conversation.handoffId,
      conversationId,
      branchId: conversation.branchId,
      channel: conversation.channel,
    });
  return toWire(message);
}

/**
 * The advisor ends the human part of the chat; the bot answers again from the next message. A
 * wrap-up category is required (`wrap_up_required`); a client message without a reply after it
 * stops the close (`client_unanswered`) unless `confirm`. The client is then asked to rate the chat.
 */
export async function closeChat(
  deps: Deps & Partial<Pick<Services, 'logger'>>,
  advisor: AdvisorClaims,
  conversationId: string,
  input: { wrapUp?: WrapUpInput; confirm?: boolean } = {},
): Promise<void> {
  const before = (await deps.db.Conversation.findOne({
    _id: conversationId,
    state: 'human',
    advisorId: advisor.sub,
  }).lean()) as ConversationDoc | null;
  if (!before) {
    // 智能陪练: closing a practice chat ends the practice (no wrap-up, no survey, no inspection job).
    if (await existingPracticeService(deps.db)?.close(advisor, conversationId)) return;
    throw new UserError('not_owner', '您没有接入这个会话，或会话已结束');
  }
  const wrapUp = checkWrapUp(input.wrapUp, deps.config.WRAP_UP_CATEGORIES);
  const unanswered = unansweredClientMessage(await recentMessages(deps.db, conversationId, 50));
  if (unanswered && !input.confirm) throw unansweredWarning(unanswered);
  const after = await transition(deps.db, {
    conversationId,
    from: 'human',
    to: 'bot',
    by: `advisor:${advisor.sub}`,
    reason: 'closed_by_advisor',
    set: { advisorId: null, handoffId: null },
    where: { advisorId: advisor.sub },
  });
  if (!after) throw new UserError('not_owner', '会话已结束');
  const closedAt = new Date();
  await deps.db.Handoff.updateOne(
    { _id: before.handoffId },
    {
      $set: {
        status: 'closed',
        closedAt,
        wrapUp: { ...wrapUp, advisorId: advisor.sub, advisorName: advisor.name, clientUnanswered: !!unanswered, at: closedAt },
      },
    },
  );
  // 智能质检: the closed chat is scored within seconds (agent-console/src/quality).
  if (before.handoffId) await queueQualityScoring(deps.queues, { conversationId, handoffId: before.handoffId });
  await sendToClient(deps, after, { author: { kind: 'system' }, text: REPLIES.humanClosed });
  emitClientState(deps.emitter, conversationId, 'bot');
  if (before.handoffId)
    await countForDashboard(deps.queues, {
      kind: 'closed',
      handoffId: before.handoffId,
      conversationId,
      branchId: before.branchId,
      channel: before.channel,
    });
  notifyChatClosed(deps.emitter, conversationId, advisor.sub);
  announceAdvisorLater(deps, advisor.sub);
  if (before.handoffId) {
    // The chat is closed whatever happens to the survey: a failure to ask is logged, not the advisor's problem.
    await askForSatisfaction(deps, after, before.handoffId, { id: advisor.sub, name: advisor.name }).catch((err: unknown) =>
      deps.logger?.error({ err, conversationId }, 'satisfaction survey not sent'),
    );
  }
}

export interface ActiveChat {
  conversationId: string;
  branchId: string | null;
  advisorId: string | null;
  advisorName: string | null;
  customer: { id: string; name: string; tier: string } | null;
  since: string;
  /** Whether the asker may 静默监听 it (watch-rights.ts), so the console offers the button only then. */
  mayWatch: boolean;
}

/** Chats a person is serving now, in the branches this user may see (supervisors: all). */
export async function listActiveChats(deps: Deps, advisor: AdvisorClaims): Promise<ActiveChat[]> {
  const conversations = (await deps.db.Conversation.find({ state: 'human', ...visibleBranchFilter(advisor) })
    .sort({ updatedAt: -1 })
    .limit(200)
    .lean()) as ConversationDoc[];
  const advisorIds = [...new Set(conversations.map((c) => c.advisorId).filter((id): id is string => !!id))];
  const advisors = new Map(
    (
      await findIn<{ _id: { toString(): string }; displayName: string }>(deps.db.Advisor, '_id', advisorIds, {
        projection: { displayName: 1 },
      })
    ).map((a) => [a._id.toString(), a.displayName]),
  );
  const customers = await customersById(
    deps.db,
    conversations.map((c) => c.customerId),
  );
  const grants =
    advisor.role === 'advisor'
      ? ((await deps.db.Branch.findById(advisor.branchId, { advisorsMayWatch: 1 }).lean())?.advisorsMayWatch ?? false)
      : false;
  return conversations.map((c) => {
    const customer = c.customerId ? customers.get(c.customerId) : undefined;
    return {
      conversationId: c._id.toString(),
      branchId: c.branchId ?? null,
      advisorId: c.advisorId ?? null,
      advisorName: (c.advisorId && advisors.get(c.advisorId)) || null,
      customer: customer ? { id: customer._id, name: customer.name, tier: customer.tier } : null,
      since: new Date(c.updatedAt).toISOString(),
      mayWatch: mayWatch(advisor, c, grants),
    };
  });
}

/** A supervisor (or an advisor whose branch grants it) opens a chat read-only: transcript now, live messages after. */
export async function watchChat(deps: Deps, advisor: AdvisorClaims, conversationId: string): Promise<AdvisorWireMessage[]> {
  // 静默监听 is a supervisor's right unless the branch grants it to advisors; every watch is logged.
  await authorizeWatch(deps, advisor, conversationId);
  return (await recentMessages(deps.db, conversationId, 200)).map(toAdvisorWire);
}
