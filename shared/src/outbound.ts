import type { ConversationDoc, MessageDoc } from './models/schemas';
import type { OutboundJob, OutboundSnapshot, Queues } from './queues';
import type { Services } from './services';
import { recordOutbound, type OutboundMessage } from './transcript';

/**
 * Queues a stored outgoing message for delivery on its channel. The job id is the message's own
 * id, so queueing the same message twice delivers it once. Given the whole stored message of an
 * app chat, the job carries it (see outboundSnapshotSchema).
 */
export async function queueDelivery(
  queues: Pick<Queues, 'outbound'>,
  message: Pick<MessageDoc, 'channelMessageId' | 'conversationId' | 'channel'> & Partial<MessageDoc>,
  externalUserId: string,
  /** When the client message this answers was received (reply-latency metric). */
  inReplyToReceivedAt?: number,
): Promise<void> {
  const snapshot = message.channel === 'app' ? snapshotOf(message) : null;
  await queues.outbound.add(
    'deliver',
    {
      messageId: message.channelMessageId,
      conversationId: message.conversationId,
      channel: message.channel,
      externalUserId,
      ...(inReplyToReceivedAt === undefined ? {} : { inReplyToReceivedAt }),
      ...(snapshot ? { message: snapshot } : {}),
    },
    { jobId: message.channelMessageId },
  );
}

/** The job's copy of a stored outgoing message, when the caller has all of it. */
function snapshotOf(m: Partial<MessageDoc>): OutboundSnapshot | null {
  if (m.direction !== 'out' || m.seq === undefined || m.text === undefined || !m.author || !m.createdAt) return null;
  if (m.author.kind === 'client') return null;
  return {
    seq: m.seq,
    author: { kind: m.author.kind, id: m.author.id ?? null, name: m.author.name ?? null },
    text: m.text,
    meta: (m.meta as Record<string, unknown> | null | undefined) ?? null,
    createdAt: new Date(m.createdAt).getTime(),
  };
}

/** The stored message an outbound job carries, as the worker would have read it (status "queued"). */
export function messageFromSnapshot(job: OutboundJob & { message: OutboundSnapshot }): MessageDoc {
  return {
    conversationId: job.conversationId,
    channel: job.channel,
    channelMessageId: job.messageId,
    direction: 'out',
    seq: job.message.seq,
    author: job.message.author,
    text: job.message.text,
    meta: job.message.meta,
    status: 'queued',
    error: null,
    createdAt: new Date(job.message.createdAt),
    updatedAt: new Date(job.message.createdAt),
  } as MessageDoc;
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
