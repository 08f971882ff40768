import {
  emitConversationMessage,
  ensureConversation,
  toWire,
  inboundJobId,
  recordInbound,
  type Channel,
  type MessageDoc,
  type Services,
} from '@brokerbot/shared';

export interface IncomingMessage {
  channel: Channel;
  channelMessageId: string;
  externalUserId: string;
  customerId: string | null;
  branchId: string | null;
  text: string;
}

export interface IngestResult {
  message: MessageDoc;
  conversationId: string;
  duplicate: boolean;
}

/**
 * The one way a client message enters the system, whatever the channel: stored once
 * (idempotent on channel + message id), then queued for the bot with a job id derived from
 * the same key. Only after both does the channel acknowledge the client. If queueing fails
 * the message is still stored as "received" and the bot's recovery sweep queues it later.
 */
export async function ingest(services: Pick<Services, 'db' | 'seq' | 'queues' | 'metrics' | 'emitter'>, msg: IncomingMessage): Promise<IngestResult> {
  const conversation = await ensureConversation(services.db, {
    channel: msg.channel,
    externalUserId: msg.externalUserId,
    customerId: msg.customerId,
    branchId: msg.branchId,
  });
  const conversationId = conversation._id.toString();
  const { message, duplicate } = await recordInbound(services, {
    conversationId,
    channel: msg.channel,
    channelMessageId: msg.channelMessageId,
    externalUserId: msg.externalUserId,
    text: msg.text,
  });
  services.metrics.messagesIn.inc({ channel: msg.channel, duplicate: String(duplicate) });
  if (!duplicate || message.status === 'received') {
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
      },
      { jobId: inboundJobId(msg.channel, msg.channelMessageId) },
    );
  }
  // The client's other tabs and any advisor or supervisor on the chat see it at once.
  if (!duplicate) emitConversationMessage(services.emitter, toWire(message));
  return { message, conversationId, duplicate };
}
