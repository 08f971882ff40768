import {
  countForDashboard,
  emitConversationMessage,
  entryOfMessage,
  feedTranscriptIndex,
  inboundJobId,
  recordInbound,
  TurnOrder,
  type Channel,
  type ConversationDoc,
  type MessageDoc,
  type Services,
} from '@brokerbot/shared';
import { takeSurveyReply } from './survey-reply';

/** The id of the msgmenu item a WeCom client tapped (meta.channel.menuId), if any. */
const menuIdOf = (meta: Record<string, unknown> | null | undefined): string | null => {
  const id = (meta?.channel as { menuId?: unknown } | undefined)?.menuId;
  return typeof id === 'string' ? id : null;
};

export interface IncomingMessage {
  channel: Channel;
  channelMessageId: string;
  externalUserId: string;
  customerId: string | null;
  branchId: string | null;
  text: string;
  /**
   * The client's conversation when the channel holds it already (the app's socket loads it on
   * connect): saves the lookup on every message. Its state may be older than the message.
   */
  conversation?: ConversationDoc;
  /** The channel rarely delivers this message twice (see recordInbound). */
  usuallyNew?: boolean;
  /** What the channel knows about the message (WeCom: msgtype, open_kfid, menu_id, the raw item). */
  meta?: Record<string, unknown> | null;
  /**
   * false: the bot cannot read it (a picture, a file …) and the channel acknowledges it itself;
   * it is stored "handled" and not queued. Default true.
   */
  toBot?: boolean;
}

export interface IngestResult {
  message: MessageDoc;
  conversationId: string;
  /** The conversation as it was when the message arrived (its state says who answers). */
  conversation: ConversationDoc;
  duplicate: boolean;
}

/**
 * The one way a client message enters the system, whatever the channel: stored once
 * (idempotent on channel + message id), then queued for the bot with a job id derived from
 * the same key. Only after both does the channel acknowledge the client. If queueing fails
 * the message is still stored as "received" and the bot's recovery sweep queues it later.
 */
export async function ingest(
  services: Pick<Services, 'db' | 'seq' | 'queues' | 'metrics' | 'emitter' | 'conversations'>,
  msg: IncomingMessage,
): Promise<IngestResult> {
  const conversation =
    msg.conversation ??
    (await services.conversations.ensure({
      channel: msg.channel,
      externalUserId: msg.externalUserId,
      customerId: msg.customerId,
      branchId: msg.branchId,
    }));
  const conversationId = conversation._id.toString();
  // Stored here without its search-index entry: that entry goes out below, with the rest.
  const recorded = await recordInbound(
    { db: services.db, seq: services.seq },
    {
      conversationId,
      channel: msg.channel,
      channelMessageId: msg.channelMessageId,
      externalUserId: msg.externalUserId,
      text: msg.text,
      usuallyNew: msg.usuallyNew,
    },
  );
  const { duplicate } = recorded;
  const toBot = msg.toBot ?? true;
  let message = recorded.message;
  // Channel facts and the channel's own handling are written before the message is queued, so the
  // bot is the only writer after that. A redelivery repairs a crash between insert and this write.
  if (message.status === 'received' && ((msg.meta && !message.meta) || !toBot)) {
    const set = { ...(msg.meta && !message.meta ? { meta: msg.meta } : {}), ...(toBot ? {} : { status: 'handled' as const }) };
    await services.db.Message.updateOne({ _id: message._id, status: 'received' }, { $set: set });
    message = { ...message, ...set };
  }
  services.metrics.messagesIn.inc({ channel: msg.channel, duplicate: String(duplicate) });
  // WeCom / mini-program: the reply to a satisfaction survey is its answer, not a question for the bot.
  const surveyAnswer =
    toBot && msg.channel !== 'app' && message.status === 'received'
      ? await takeSurveyReply(services, conversation, message, menuIdOf(msg.meta))
      : false;
  if (surveyAnswer) message = { ...message, status: 'handled' };
  // The search index's entry, the dashboard's count and the bot's job are independent: sent at
  // once, each a Redis round trip, all acknowledged before the channel acknowledges the client.
  // (A redelivery feeds the index again: that repairs an entry lost to a crash.)
  await Promise.all([
    feedTranscriptIndex(services.queues, entryOfMessage(recorded.message)),
    countForDashboard(services.queues, {
      kind: 'message',
      messageId: message._id.toString(),
      conversationId,
      branchId: conversation.branchId ?? msg.branchId,
      channel: msg.channel,
      author: 'client',
    }),
    toBot && !surveyAnswer && (!duplicate || message.status === 'received')
      ? queueForBot(services, msg, conversationId, message)
      : null,
  ]);
  // The client's other tabs and any advisor or supervisor on the chat see it at once.
  if (!duplicate) emitConversationMessage(services.emitter, message);
  return { message, conversationId, conversation, duplicate };
}

/**
 * Puts a stored client message in its conversation's line (bots answer a client's messages in seq
 * order), then queues its bot job: the line holds it before its job exists.
 */
async function queueForBot(
  services: Pick<Services, 'queues'>,
  msg: IncomingMessage,
  conversationId: string,
  message: MessageDoc,
): Promise<void> {
  await TurnOrder.of(services.queues).add(conversationId, message._id.toString(), message.seq);
  await services.queues.inbound.add(
    'turn',
    {
      messageId: message._id.toString(),
      conversationId,
      channel: msg.channel,
      channelMessageId: msg.channelMessageId,
      externalUserId: msg.externalUserId,
      customerId: msg.customerId,
      text: message.text,
      receivedAt: new Date(message.createdAt).getTime(),
      seq: message.seq,
      meta: (message.meta as Record<string, unknown> | null | undefined) ?? null,
    },
    { jobId: inboundJobId(msg.channel, msg.channelMessageId) },
  );
}
