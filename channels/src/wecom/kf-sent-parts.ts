import type { MessageDoc } from '@brokerbot/shared';
import type { WecomContext } from './context';

const TTL_S = 3 * 24 * 3600; // as long as sync_msg can still report a msg_send_fail

/**
 * Which stored messages each WeCom msgid carried: usually one, a merged bot answer several
 * (see pieceId). A later msg_send_fail names the msgid and must mark all of them.
 */
export async function rememberPiece(ctx: WecomContext, msgid: string, messages: MessageDoc[]): Promise<void> {
  await ctx.services.redis.set(
    `${ctx.keyPrefix}:sent:${msgid}`,
    JSON.stringify(messages.map((m) => m.channelMessageId)),
    'EX',
    TTL_S,
  );
}

/** The stored messages a WeCom msgid carried, oldest first (merged parts share their fate). */
export async function findSentMessages(ctx: WecomContext, msgid: string): Promise<MessageDoc[]> {
  const { db, redis } = ctx.services;
  const raw = await redis.get(`${ctx.keyPrefix}:sent:${msgid}`);
  let ids = [msgid];
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) ids = parsed;
  } catch {
    // fall back to the msgid itself
  }
  return (await db.Message.find({ channel: 'wecom', channelMessageId: { $in: ids } })
    .sort({ seq: 1 })
    .lean()) as MessageDoc[];
}
