import { UnrecoverableError, Worker } from 'bullmq';
import {
  QUEUE_NAMES,
  emitConversationMessage,
  KeyedSerializer,
  createRedis,
  outboundJobSchema,
  type MessageDoc,
  type OutboundJob,
  type RoleHandle,
  type Services,
} from '@brokerbot/shared';
import type { ChannelSenders } from './channel-set';
import { markDeliveryFailed, PermanentDeliveryError } from './delivery-failure';

/**
 * Delivers stored outgoing messages on their channel. The trading app's sockets live in the
 * gateway; we reach them through the Socket.IO Redis emitter, so this role can run anywhere.
 * WeCom and the mini-program go through their senders (HTTP to Tencent). Delivery is
 * idempotent: a message already "sent" (or given up as "failed") is not sent again.
 */
export async function deliver(
  services: Pick<Services, 'db' | 'emitter' | 'metrics'>,
  job: OutboundJob,
  senders: ChannelSenders = {},
): Promise<void> {
  const message = (await services.db.Message.findOne({
    channel: job.channel,
    channelMessageId: job.messageId,
  }).lean()) as MessageDoc | null;
  if (!message) throw new Error(`outbound message ${job.messageId} not found`);
  if (message.status === 'sent' || message.status === 'failed') return;
  let delivered: MessageDoc[];
  switch (job.channel) {
    case 'app':
      // The app's sockets are in the conversation's room; advisors and supervisors on the chat see it too.
      emitConversationMessage(services.emitter, { ...message, status: 'sent' });
      delivered = [message];
      break;
    default: {
      const sender = senders[job.channel];
      if (!sender) throw new Error(`channel ${job.channel} has no sender configured`);
      try {
        delivered = await sender.deliver(message, job);
      } catch (err) {
        // Retrying cannot help (window closed, budget used up, session state): say why, do not retry.
        if (!(err instanceof PermanentDeliveryError)) throw err;
        await markDeliveryFailed(services, err.messages.length ? err.messages : [message], err.reason, err.code);
        throw new UnrecoverableError(err.message);
      }
      // The chat's screens (advisor, supervisors) see each message as delivered.
      for (const m of delivered) emitConversationMessage(services.emitter, { ...m, status: 'sent' });
    }
  }
  for (const m of delivered) {
    await services.db.Message.updateOne({ _id: m._id, status: { $ne: 'sent' } }, { $set: { status: 'sent' } });
    services.metrics.messagesOut.inc({ channel: job.channel, author: m.author.kind });
  }
  if (job.inReplyToReceivedAt) services.metrics.replyLatency.observe((Date.now() - job.inReplyToReceivedAt) / 1000);
}

export function startOutboundRole(services: Services, senders: ChannelSenders = {}): RoleHandle {
  const connection = createRedis(services.config.REDIS_URL, 'outbound-worker');
  // Jobs start in queue order; serialising per conversation keeps a client's messages in seq order.
  const serializer = new KeyedSerializer();
  const worker = new Worker<OutboundJob>(
    QUEUE_NAMES.outbound,
    async (job) => {
      const data = outboundJobSchema.parse(job.data);
      await serializer.run(data.conversationId, () => deliver(services, data, senders));
    },
    { connection, prefix: services.config.QUEUE_PREFIX, concurrency: 32 },
  );
  worker.on('failed', (job, err) => services.logger.error({ err, jobId: job?.id }, 'outbound delivery failed'));
  worker.on('error', (err) => services.logger.error({ err }, 'outbound worker error'));
  return {
    name: 'outbound',
    async stop() {
      await worker.close();
      await connection.quit();
    },
  };
}
