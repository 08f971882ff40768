import type { MessageDoc, Services } from '@brokerbot/shared';

/** The bot's reply ids: `r<inbound message id>_<n>` (TranscriptMiddleware). */
const BOT_REPLY_ID = /^r([0-9a-f]{24})_(\d+)$/;
const TURN_WAIT_MS = 3_000;
const POLL_MS = 25;

/**
 * The stored, undelivered parts of the bot answer that `message` belongs to, oldest first. The
 * bot may answer one client message in several activities; on WeCom and the mini-program each
 * message costs one of the client's five, so we wait (briefly) for the turn to end — its
 * inbound message leaves "received" — and send the parts as one. Any other message is alone.
 */
export async function answerParts(db: Services['db'], message: MessageDoc): Promise<MessageDoc[]> {
  const match = message.author.kind === 'bot' ? BOT_REPLY_ID.exec(message.channelMessageId) : null;
  if (!match) return [message];
  const inboundId = match[1]!;
  const deadline = Date.now() + TURN_WAIT_MS;
  // A turn that crashed stays "received" until it runs again: after the wait we send what we have.
  while (Date.now() < deadline) {
    const inbound = await db.Message.findById(inboundId, { status: 1 }).lean();
    if (!inbound || inbound.status !== 'received') break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const candidates = (await db.Message.find({
    conversationId: message.conversationId,
    direction: 'out',
    status: 'queued',
    'author.kind': 'bot',
  })
    .sort({ seq: 1 })
    .limit(50)
    .lean()) as MessageDoc[];
  const prefix = `r${inboundId}_`;
  const parts = candidates.filter((m) => m.channelMessageId.startsWith(prefix));
  return parts.some((m) => m._id.equals(message._id)) ? parts : [message, ...parts];
}
