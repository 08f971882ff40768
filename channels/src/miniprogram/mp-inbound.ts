import { ensureConversation } from '@brokerbot/shared';
import { CHANNEL_REPLIES } from '../channel-replies';
import { lookUpClient } from '../channel-identity';
import { derivedMessageId, sendFromChannel } from '../channel-outbound';
import { emitBudget } from '../delivery-failure';
import { ingest } from '../ingest';
import { queueMediaDownload } from '../media';
import { CallbackRejection } from '../tencent/callback-http';
import { ENTER_WINDOW } from '../tencent/send-budget';
import { stringField, type BodyObject } from '../wecom/body';
import type { MpContext } from './context';
import { mapMpMessage } from './mp-message-map';

/** MsgId: an unsigned 64-bit integer, kept as its exact decimal text (it does not fit a JS number). */
const MSG_ID = /^\d{1,20}$/;

export interface MpPushOutcome {
  /** The bot starts a turn for this client: show the typing indicator (after answering Tencent). */
  typingFor: string | null;
}

/** A verified push: a client message (stored once on MsgId, queued for the bot) or an event. */
export async function handleMpPush(ctx: MpContext, fields: BodyObject): Promise<MpPushOutcome> {
  const openId = stringField(fields, 'FromUserName');
  if (!openId || !/^[A-Za-z0-9_-]{1,64}$/.test(openId))
    throw new CallbackRejection(400, 'FromUserName (openid) missing or malformed');
  const createdMs = createTimeMs(fields);
  if (stringField(fields, 'MsgType') === 'event') {
    if (stringField(fields, 'Event') === 'user_enter_tempsession') await welcome(ctx, openId, createdMs);
    return { typingFor: null };
  }
  const msgId = stringField(fields, 'MsgId');
  if (!msgId || !MSG_ID.test(msgId)) throw new CallbackRejection(400, 'MsgId missing or not a 64-bit integer');
  const { services } = ctx;
  const mapped = mapMpMessage(fields);
  const who = await lookUpClient(services.db, 'miniprogram', openId, ctx.defaultBranchId);
  // Five more messages within 48 h, opened before the message is queued so the bot's answer never races it.
  const reopened = await ctx.budget.open(openId, 'message', createdMs, msgId);
  const result = await ingest(services, {
    channel: 'miniprogram',
    channelMessageId: msgId,
    externalUserId: openId,
    ...who,
    text: mapped.text,
    meta: {
      channel: { kind: 'miniprogram', msgtype: mapped.msgtype, item: fields },
      ...(mapped.media ? { media: mapped.media } : {}),
    },
    toBot: mapped.isText,
  });
  // Stored: the image is fetched in the background, after Tencent has its answer (queued once per MsgId).
  if (mapped.media) await queueMediaDownload(services, 'miniprogram', msgId);
  if (reopened) emitBudget(services, result.conversationId, 'miniprogram', await ctx.budget.read(openId));
  const botServes = result.conversation.state === 'bot';
  if (!mapped.isText && botServes) {
    await sendFromChannel(services, result.conversation, {
      id: derivedMessageId('n', `miniprogram:${msgId}`),
      text: CHANNEL_REPLIES.nonText,
    });
  }
  return { typingFor: mapped.isText && botServes && !result.duplicate ? openId : null };
}

/** user_enter_tempsession: a welcome within the 2-messages-per-minute allowance that entering opens. */
async function welcome(ctx: MpContext, openId: string, enteredMs: number): Promise<void> {
  const { services } = ctx;
  if (enteredMs + ENTER_WINDOW.ttlMs <= Date.now()) return; // too late: the allowance has closed
  await ctx.budget.open(openId, 'enter', enteredMs, 'enter');
  const who = await lookUpClient(services.db, 'miniprogram', openId, ctx.defaultBranchId);
  const conversation = await ensureConversation(services.db, { channel: 'miniprogram', externalUserId: openId, ...who });
  emitBudget(services, conversation._id.toString(), 'miniprogram', await ctx.budget.read(openId));
  if (conversation.state !== 'bot') return;
  // Keyed on the event itself (openid + CreateTime, as Tencent de-duplicates events): one welcome per entry.
  await sendFromChannel(services, conversation, {
    id: derivedMessageId('w', `miniprogram:${openId}:${enteredMs}`),
    text: CHANNEL_REPLIES.welcome,
  });
}

function createTimeMs(fields: BodyObject): number {
  const seconds = Number(stringField(fields, 'CreateTime'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now();
}
