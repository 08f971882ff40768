import { emitConversationMessage, ensureConversation, recordOutbound } from '@brokerbot/shared';
import { CHANNEL_REPLIES } from '../channel-replies';
import { lookUpClient } from '../channel-identity';
import { derivedMessageId, sendFromChannel } from '../channel-outbound';
import { emitBudget } from '../delivery-failure';
import { ingest } from '../ingest';
import { queueMediaDownload } from '../media';
import type { WecomContext } from './context';
import type { KfItem } from './kf-api';
import { kfClientKey } from './kf-contacts';
import { handleKfEvent } from './kf-events';
import { mapKfMessage } from './kf-message-map';

/**
 * Handles one pulled sync_msg item. Must be idempotent: after a crash the same page is read
 * again (the cursor only moves once a page is handled), so every effect is keyed by the
 * item's msgid or an id derived from it.
 */
export async function handleKfItem(ctx: WecomContext, item: KfItem, pulledFor: string): Promise<void> {
  if (item.origin === 3) return handleClientMessage(ctx, item, item.open_kfid ?? pulledFor);
  if (item.msgtype === 'event') return handleKfEvent(ctx, item, pulledFor);
  if (item.origin === 5) return recordServicerMessage(ctx, item, item.open_kfid ?? pulledFor);
  ctx.services.logger.debug({ msgid: item.msgid, origin: item.origin }, 'kf item ignored');
}

async function handleClientMessage(ctx: WecomContext, item: KfItem, openKfId: string): Promise<void> {
  const { services } = ctx;
  const user = item.external_userid;
  if (!user) {
    services.logger.warn({ msgid: item.msgid }, 'kf client message without external_userid ignored');
    return;
  }
  const mapped = mapKfMessage(item);
  const who = await lookUpClient(services.db, 'wecom', user, ctx.defaultBranchId);
  await ctx.contacts.remember(user, openKfId);
  // The client wrote: five more messages within 48 h of this one. Opened before the message is
  // queued, so the bot's answer never races it (re-reading a message changes nothing).
  const client = kfClientKey(openKfId, user);
  const reopened = await ctx.budget.open(client, 'message', item.send_time * 1000, item.msgid);
  const result = await ingest(services, {
    channel: 'wecom',
    channelMessageId: item.msgid,
    externalUserId: user,
    ...who,
    text: mapped.text,
    meta: {
      channel: { kind: 'wecom', openKfId, msgtype: mapped.msgtype, menuId: mapped.menuId, sendTime: item.send_time, item },
      ...(mapped.media ? { media: mapped.media } : {}),
    },
    toBot: mapped.isText,
  });
  // Stored: now its file is fetched in the background (queued again on a re-read page, once per msgid).
  if (mapped.media) await queueMediaDownload(services, 'wecom', item.msgid);
  if (reopened) emitBudget(services, result.conversationId, 'wecom', await ctx.budget.read(client));
  // The bot reads text only; while it serves the client, the channel says so (an advisor sees the message as it is).
  if (!mapped.isText && result.conversation.state === 'bot') {
    await sendFromChannel(services, result.conversation, {
      id: derivedMessageId('n', `wecom:${item.msgid}`),
      text: mapped.msgtype === 'voice' ? CHANNEL_REPLIES.voice : CHANNEL_REPLIES.nonText,
      meta: { channel: { kind: 'wecom', openKfId } },
    });
  }
}

/**
 * What a human servicer wrote in the WeCom app (native handoff mode) joins our transcript as the
 * advisor's message, already delivered, so the console and quality review see the whole chat.
 */
async function recordServicerMessage(ctx: WecomContext, item: KfItem, openKfId: string): Promise<void> {
  const { services } = ctx;
  const user = item.external_userid;
  if (!user) return;
  const who = await lookUpClient(services.db, 'wecom', user, ctx.defaultBranchId);
  const conversation = await ensureConversation(services.db, { channel: 'wecom', externalUserId: user, ...who });
  const servicer = item.servicer_userid ?? null;
  const advisor = servicer ? await services.db.Advisor.findOne({ wecomUserId: servicer }, { displayName: 1 }).lean() : null;
  const { message, duplicate } = await recordOutbound(services, {
    id: item.msgid,
    conversationId: conversation._id.toString(),
    channel: 'wecom',
    author: { kind: 'advisor', id: advisor?._id.toString() ?? null, name: advisor?.displayName ?? servicer },
    text: mapKfMessage(item).text,
    meta: { channel: { kind: 'wecom', openKfId, servicerUserId: servicer, item } },
  });
  if (message.status === 'queued')
    await services.db.Message.updateOne({ _id: message._id, status: 'queued' }, { $set: { status: 'sent' } });
  if (!duplicate) emitConversationMessage(services.emitter, { ...message, status: 'sent' });
}
