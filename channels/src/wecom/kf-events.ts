import { ensureConversation, notifyMessageRecalled, notifyWecomSessionChanged, type MessageDoc } from '@brokerbot/shared';
import { lookUpClient } from '../channel-identity';
import { CHANNEL_REPLIES, FAILURE_REASONS } from '../channel-replies';
import { derivedMessageId, sendFromChannel } from '../channel-outbound';
import { emitBudget, markDeliveryFailed } from '../delivery-failure';
import type { WecomContext } from './context';
import type { KfItem } from './kf-api';
import { kfClientKey } from './kf-contacts';
import { endChatEndedInWecom, takeChatTakenInWecom } from './kf-session-mirror';
import { findSentMessages } from './kf-sent-parts';

/** welcome_code and msg_code live 20 s from when WeCom issued them. */
export const EVENT_CODE_TTL_MS = 20_000;

/** session_status_change's change_type: 1 taken from the pool, 2 transferred, 3 ended, 4 re-entered. */
const TAKEN_FROM_POOL = 1;
const SESSION_ENDED = 3;

type KfEvent = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** System events (origin 4) of a kf account, each idempotent (the page may be read again). */
export async function handleKfEvent(ctx: WecomContext, item: KfItem, pulledFor: string): Promise<void> {
  const event = (typeof item.event === 'object' && item.event !== null ? item.event : {}) as KfEvent;
  const openKfId = str(event.open_kfid) || pulledFor;
  const user = str(event.external_userid);
  switch (str(event.event_type)) {
    case 'enter_session':
      return welcome(ctx, item, openKfId, user, str(event.welcome_code));
    case 'msg_send_fail':
      return sendFailed(ctx, openKfId, user, str(event.fail_msgid), Number(event.fail_type));
    case 'user_recall_msg':
      return recalled(ctx, str(event.recall_msgid));
    case 'session_status_change':
      return sessionChanged(ctx, openKfId, user, event);
    default:
      ctx.services.logger.debug({ eventType: event.event_type, msgid: item.msgid }, 'kf event ignored');
  }
}

/** enter_session: the welcome goes out through send_msg_on_event with the welcome_code, within its 20 s. */
async function welcome(ctx: WecomContext, item: KfItem, openKfId: string, user: string, code: string): Promise<void> {
  const { services } = ctx;
  if (!user || !code) return; // WeCom gives a code only when a welcome may be sent
  const expiresAt = item.send_time * 1000 + EVENT_CODE_TTL_MS;
  if (expiresAt <= Date.now()) {
    services.logger.info({ openKfId }, 'enter_session read after its welcome_code expired; no welcome');
    return;
  }
  await ctx.contacts.remember(user, openKfId);
  const who = await lookUpClient(services.db, 'wecom', user, ctx.defaultBranchId);
  const conversation = await ensureConversation(services.db, { channel: 'wecom', externalUserId: user, ...who });
  if (conversation.state !== 'bot') return; // a person serves the client: the bot does not greet
  await sendFromChannel(services, conversation, {
    id: derivedMessageId('w', `wecom:${code}`),
    text: CHANNEL_REPLIES.welcome,
    meta: { channel: { kind: 'wecom', openKfId, eventCode: code, eventCodeExpiresAt: expiresAt } },
  });
}

/** msg_send_fail: WeCom accepted a message, then could not deliver it. */
async function sendFailed(ctx: WecomContext, openKfId: string, user: string, failMsgid: string, failType: number): Promise<void> {
  const { services } = ctx;
  const carried = failMsgid ? (await findSentMessages(ctx, failMsgid)).filter((m) => m.status !== 'failed') : [];
  const message = carried[0];
  if (!message) {
    services.logger.warn({ failMsgid, failType }, 'msg_send_fail for a message we do not know (or already marked)');
    return;
  }
  const reason =
    failType === 4
      ? FAILURE_REASONS.windowExpired
      : failType === 6
        ? FAILURE_REASONS.budgetExhausted
        : failType === 10
          ? FAILURE_REASONS.rejected
          : FAILURE_REASONS.unknown(failType);
  await markDeliveryFailed(services, carried, reason, failType);
  if (user && (failType === 4 || failType === 6)) {
    const client = kfClientKey(openKfId, user);
    await ctx.budget.platformSays(client, failType === 4 ? 'expired' : 'exhausted');
    emitBudget(services, message.conversationId, 'wecom', await ctx.budget.read(client));
  }
}

/** user_recall_msg: the client took a message back. It stays in the transcript (records are kept), marked recalled. */
async function recalled(ctx: WecomContext, recallMsgid: string): Promise<void> {
  const { services } = ctx;
  if (!recallMsgid) return;
  const message = (await services.db.Message.findOne({
    channel: 'wecom',
    channelMessageId: recallMsgid,
  }).lean()) as MessageDoc | null;
  const meta = (message?.meta ?? {}) as Record<string, unknown>;
  if (!message || meta.recalled) return;
  await services.db.Message.updateOne(
    { _id: message._id },
    { $set: { meta: { ...meta, recalled: { at: new Date().toISOString() } } } },
  );
  notifyMessageRecalled(services.emitter, message.conversationId, message.channelMessageId);
}

/**
 * session_status_change: someone moved the session in WeCom (a servicer took it from the pool,
 * transferred or ended it). Native mode keeps its view of the session in step; the chat's
 * advisor room hears about it either way.
 */
async function sessionChanged(ctx: WecomContext, openKfId: string, user: string, event: KfEvent): Promise<void> {
  const { services } = ctx;
  if (!user) return;
  const changeType = Number(event.change_type);
  const servicer = str(event.new_servicer_userid) || null;
  await ctx.session.observed(openKfId, user, changeType === SESSION_ENDED ? 4 : 3, servicer);
  const conversation = await services.db.Conversation.findOne({ channel: 'wecom', externalUserId: user }, { _id: 1 }).lean();
  services.logger.info({ openKfId, changeType, servicer }, 'kf session status changed in WeCom');
  if (!conversation) return;
  const conversationId = conversation._id.toString();
  notifyWecomSessionChanged(services.emitter, { conversationId, changeType, servicerUserId: servicer });
  if (ctx.settings.handoffMode !== 'native') return;
  if (changeType === SESSION_ENDED) await endChatEndedInWecom(ctx, conversationId);
  else if (changeType === TAKEN_FROM_POOL) await takeChatTakenInWecom(ctx, conversationId, servicer);
}
