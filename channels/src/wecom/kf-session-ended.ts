import { ADVISOR_EVENTS, NAMESPACES, rooms, transition, type ConversationDoc } from '@brokerbot/shared';
import type { WecomContext } from './context';

/**
 * Native handoff mode: the advisor served the client inside WeCom and ended the session there
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
  }
  emitter
    .of(NAMESPACES.advisor)
    .to(rooms.advisorConversation(conversationId))
    .emit(ADVISOR_EVENTS.chatClosed, { conversationId, by: 'wecom' });
  return true;
}
