import type { MessageDoc, OutboundJob } from '@brokerbot/shared';
import { FAILURE_REASONS } from '../channel-replies';
import { emitBudget, PermanentDeliveryError } from '../delivery-failure';
import { TencentApiError } from '../tencent/api-client';
import { mergeParts, pieceId, splitText } from '../tencent/outgoing-text';
import { answerParts } from '../tencent/turn-replies';
import type { MpContext } from './context';

const MP_ERRCODES = { windowExpired: 45015, countExceeded: 45047, invalidOpenId: 40003, tooFrequent: 45009 };
const SENT_TTL_S = 3 * 24 * 3600;

/**
 * Sends a stored message with message/custom/send. The mini-program API has no idempotency key,
 * so each piece we sent is remembered in Redis and a retried job skips it. Like WeCom: the bot's
 * parts go as one message, split above 2,048 bytes, charged to the client's budget (5 within 48 h
 * after a message, 2 within 1 min after entering) before sending.
 */
export async function deliverMp(ctx: MpContext, message: MessageDoc, job: OutboundJob): Promise<MessageDoc[]> {
  const { services } = ctx;
  const openId = job.externalUserId;
  const parts = await answerParts(services.db, message);
  const first = parts[0]!;
  // No menus here: the bot's menu text already lists its options by number.
  const text = mergeParts(parts.map((p) => p.text));
  try {
    for (const [i, piece] of splitText(text).entries()) {
      const id = pieceId(first.channelMessageId, i);
      const sentKey = `${ctx.keyPrefix}:sent:${id}`;
      if (await services.redis.exists(sentKey)) continue;
      const charge = await ctx.budget.charge(openId, id);
      if (!charge.ok) {
        throw new PermanentDeliveryError(
          charge.reason === 'expired' ? FAILURE_REASONS.windowExpired : FAILURE_REASONS.budgetExhausted,
          null,
          parts,
        );
      }
      await send(ctx, openId, id, { touser: openId, msgtype: 'text', text: { content: piece } }, parts);
      await services.redis.set(sentKey, '1', 'EX', SENT_TTL_S);
    }
  } finally {
    emitBudget(services, job.conversationId, 'miniprogram', await ctx.budget.read(openId));
  }
  return parts;
}

async function send(
  ctx: MpContext,
  openId: string,
  chargeId: string,
  body: Record<string, unknown>,
  parts: MessageDoc[],
): Promise<void> {
  try {
    await ctx.api.send(body);
  } catch (err) {
    if (!(err instanceof TencentApiError) || err.errcode === MP_ERRCODES.tooFrequent || err.errcode === -1) throw err;
    if (err.errcode === MP_ERRCODES.windowExpired || err.errcode === MP_ERRCODES.countExceeded) {
      const expired = err.errcode === MP_ERRCODES.windowExpired;
      await ctx.budget.platformSays(openId, expired ? 'expired' : 'exhausted');
      throw new PermanentDeliveryError(
        expired ? FAILURE_REASONS.windowExpired : FAILURE_REASONS.budgetExhausted,
        err.errcode,
        parts,
      );
    }
    await ctx.budget.refund(openId, chargeId);
    const reason = err.errcode === MP_ERRCODES.invalidOpenId ? FAILURE_REASONS.invalidUser : FAILURE_REASONS.unknown(err.errcode);
    throw new PermanentDeliveryError(reason, err.errcode, parts);
  }
}
