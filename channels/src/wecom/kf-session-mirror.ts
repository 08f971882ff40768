import {
  chatView,
  notifyChatClosed,
  notifyChatOpened,
  notifyWaitingListRemoved,
  queueQualityScoring,
  transition,
  type AdvisorDoc,
  type ConversationDoc,
} from '@brokerbot/shared';
import type { WecomContext } from './context';

/*
 * Native handoff mode: advisors serve clients inside the WeCom app, and what they do to a session
 * there (session_status_change) is mirrored in our conversation, so that the console, the router
 * and the bot agree with WeCom about who serves the client.
 */

/**
 * The advisor served the client inside WeCom and ended the session there
 * (session_status_change, change_type 3). Our chat ends with it, so the bot answers the client's
 * next message and the advisor's console closes the chat. No message is sent: WeCom shows its
 * own end-of-session text, and each message would spend the client's 5-in-48 h budget.
 */
export async function endChatEndedInWecom(ctx: WecomContext, conversationId: string): Promise<boolean> {
  const { db, emitter } = ctx.services;
  const before = (await db.Conversation.findOne({ _id: conversationId, state: 'human' }).lean()) as ConversationDoc | null;
  if (!before) return false;
  const after = await transition(db, {
    conversationId,
    from: 'human',
    to: 'bot',
    by: 'wecom',
    reason: 'ended_in_wecom',
    set: { advisorId: null, handoffId: null },
  });
  // Someone else (the advisor in our console) moved it first: nothing left to do.
  if (!after) return false;
  if (before.handoffId) {
    await db.Handoff.updateOne({ _id: before.handoffId }, { $set: { status: 'closed', closedAt: new Date() } });
    // 智能质检: the closed chat is scored within seconds (agent-console/src/quality).
    await queueQualityScoring(ctx.services.queues, { conversationId, handoffId: before.handoffId });
  }
  notifyChatClosed(emitter, conversationId, 'wecom');
  return true;
}

/**
 * A servicer took the waiting client from WeCom's pool inside the WeCom app (change_type 1).
 * Our waiting handoff is then served: the conversation goes to the advisor mapped to that WeCom
 * userid (Advisor.wecomUserId; none when unmapped), the router stops offering it, the waiting
 * lists drop it and the advisor's console opens it. Without this, an advisor accepting it in
 * our console would move the session away from the colleague already serving it.
 */
export async function takeChatTakenInWecom(ctx: WecomContext, conversationId: string, servicer: string | null): Promise<boolean> {
  const { db, emitter } = ctx.services;
  const before = (await db.Conversation.findOne({
    _id: conversationId,
    state: { $in: ['queued', 'after_hours'] },
  }).lean()) as ConversationDoc | null;
  if (!before?.handoffId) return false;
  const advisor = servicer ? ((await db.Advisor.findOne({ wecomUserId: servicer }).lean()) as AdvisorDoc | null) : null;
  const advisorId = advisor?._id.toString() ?? null;
  const after = await transition(db, {
    conversationId,
    from: ['queued', 'after_hours'],
    to: 'human',
    by: `wecom:${servicer ?? 'unknown'}`,
    reason: 'taken_in_wecom',
    set: { advisorId },
    where: { handoffId: before.handoffId },
  });
  if (!after) return false;
  await db.Handoff.updateOne({ _id: before.handoffId }, { $set: { status: 'accepted', advisorId, acceptedAt: new Date() } });
  notifyWaitingListRemoved(emitter, before.branchId, {
    handoffId: before.handoffId,
    by: advisorId ?? `wecom:${servicer ?? 'unknown'}`,
  });
  if (advisorId) notifyChatOpened(emitter, advisorId, await chatView(db, after));
  return true;
}
