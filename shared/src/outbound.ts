import type { ConversationDoc, MessageDoc } from './models/schemas';
import type { Queues } from './queues';
import type { Services } from './services';
import { recordOutbound, type OutboundMessage } from './transcript';

/**
 * Queues a stored outgoing message for delivery on its channel. The job id is the message's own
 * id, so queueing the same message twice delivers it once.
 */
export async function queueDelivery(
  queues: Pick<Queues, 'outbound'>,
  message: Pick<MessageDoc, 'channelMessageId' | 'conversationId' | 'channel'>,
  externalUserId: string,
  /** When the client message this answers was received (reply-latency metric). */
  inReplyToReceivedAt?: number,
): Promise<void> {
  await queues.outbound.add(
    'deliver',
    {
      messageId: message.channelMessageId,
      conversationId: message.conversationId,
      channel: message.channel,
      externalUserId,
      ...(inReplyToReceivedAt === undefined ? {} : { inReplyToReceivedAt }),
    },
    { jobId: message.channelMessageId },
  );
}

/**
 * A message into the client's chat from outside a bot turn (an advisor, the system, a channel
 * notice): stored once (idempotent on `id`), then delivered by the outbound worker.
 */
export async function sendToClient(
  deps: Pick<Services, 'db' | 'seq' | 'queues'>,
  conversation: ConversationDoc,
  message: Omit<OutboundMessage, 'conversationId' | 'channel'>,
): Promise<MessageDoc> {
  const { message: stored } = await recordOutbound(deps, {
    ...message,
    conversationId: conversation._id.toString(),
    channel: conversation.channel,
  });
  await queueDelivery(deps.queues, stored, conversation.externalUserId);
  return stored;
}
