import type { MessageDoc, OutboundJob } from '@brokerbot/shared';
import { FAILURE_REASONS } from '../channel-replies';
import { emitBudget, PermanentDeliveryError } from '../delivery-failure';
import { TencentApiError } from '../tencent/api-client';
import { menuHead, menuOf, mergeParts, pieceId, splitText, type Choice } from '../tencent/outgoing-text';
import { answerParts } from '../tencent/turn-replies';
import type { WecomContext } from './context';
import { kfClientKey } from './kf-contacts';
import { rememberPiece } from './kf-sent-parts';

/** errcodes after which a retry cannot succeed; anything transient (-1 after retries, 45009, network) is retried by the queue. */
const KF_ERRCODES = {
  countLimit: 95001,
  timeLimit: 95002,
  wrongState: 95018,
  invalidKf: 95000,
  invalidUser: 40096,
  tooFrequent: 45009,
};

interface ChannelMeta {
  openKfId?: string;
  eventCode?: string;
  eventCodeExpiresAt?: number;
}

type Body = Record<string, unknown>;

const MAX_MENU_HEAD_BYTES = 1024;

const textBody = (content: string): Body => ({ msgtype: 'text', text: { content } });
const menuBody = (head: string, choices: Choice[]): Body => ({
  msgtype: 'msgmenu',
  msgmenu: { head_content: head, list: choices.map((c) => ({ type: 'click', click: { id: c.id, content: c.label } })) },
});

/**
 * Sends a stored message as the kf account (kf/send_msg), with our message id as the msgid so
 * that WeCom itself drops a repeated send. The bot's multi-part answer goes out as one message,
 * split only above 2,048 bytes; choices go out as a msgmenu. Every message is charged to the
 * client's 5-in-48 h budget first: one over it is not sent at all. Returns the stored messages
 * this delivery carried (the outbound worker marks them sent).
 */
export async function deliverKf(ctx: WecomContext, message: MessageDoc, job: OutboundJob): Promise<MessageDoc[]> {
  const { services } = ctx;
  const meta = ((message.meta as { channel?: ChannelMeta } | null)?.channel ?? {}) as ChannelMeta;
  const openKfId =
    meta.openKfId && ctx.contacts.serves(meta.openKfId) ? meta.openKfId : await ctx.contacts.kfOf(job.externalUserId);

  if (meta.eventCode) {
    if (Date.now() > (meta.eventCodeExpiresAt ?? 0)) throw new PermanentDeliveryError(FAILURE_REASONS.eventCodeExpired);
    await sendOnEvent(ctx, meta.eventCode, message.channelMessageId, textBody(message.text), [message]);
    return [message];
  }

  const parts = await answerParts(services.db, message);
  const first = parts[0]!;
  const text = mergeParts(parts.map((p) => p.text));
  const pieces = splitText(text);
  // A clarifying menu goes out as a msgmenu: the client taps an option, and its text (with menu_id) comes back.
  const last = parts.at(-1)!;
  const menu = menuOf(last.meta);
  const lead = menu.length > 0 && pieces.length === 1 ? menuHead(last.text) : null;
  const head = lead ? mergeParts([...parts.slice(0, -1).map((p) => p.text), lead]) : null;
  const bodies = head && Buffer.byteLength(head) <= MAX_MENU_HEAD_BYTES ? [menuBody(head, menu)] : pieces.map(textBody);

  const conversation = await services.conversations.get(job.conversationId);
  const msgCode = conversation ? await ctx.session.align(conversation, openKfId) : null;
  if (msgCode) {
    // Native mode moved the session and WeCom gave one message for it: this one (send_msg would be refused now).
    await sendOnEvent(ctx, msgCode, first.channelMessageId, bodies[0]!, parts);
    return parts;
  }

  const client = kfClientKey(openKfId, job.externalUserId);
  try {
    for (const [i, body] of bodies.entries()) {
      const msgid = pieceId(first.channelMessageId, i);
      const charge = await ctx.budget.charge(client, msgid);
      if (!charge.ok) {
        throw new PermanentDeliveryError(
          charge.reason === 'expired' ? FAILURE_REASONS.windowExpired : FAILURE_REASONS.budgetExhausted,
          null,
          parts,
        );
      }
      await rememberPiece(ctx, msgid, parts);
      await sendMsg(ctx, client, { touser: job.externalUserId, open_kfid: openKfId, msgid, ...body }, msgid, parts);
    }
  } finally {
    emitBudget(services, job.conversationId, 'wecom', await ctx.budget.read(client));
  }
  return parts;
}

async function sendMsg(ctx: WecomContext, client: string, body: Body, msgid: string, parts: MessageDoc[]): Promise<void> {
  try {
    await ctx.kf.sendMsg(body);
  } catch (err) {
    if (!(err instanceof TencentApiError) || err.errcode === KF_ERRCODES.tooFrequent || err.errcode === -1) throw err;
    if (err.errcode === KF_ERRCODES.countLimit || err.errcode === KF_ERRCODES.timeLimit) {
      // WeCom counted differently (e.g. messages sent from the WeCom app): believe it.
      await ctx.budget.platformSays(client, err.errcode === KF_ERRCODES.timeLimit ? 'expired' : 'exhausted');
      const reason = err.errcode === KF_ERRCODES.timeLimit ? FAILURE_REASONS.windowExpired : FAILURE_REASONS.budgetExhausted;
      throw new PermanentDeliveryError(reason, err.errcode, parts);
    }
    await ctx.budget.refund(client, msgid);
    throw new PermanentDeliveryError(reasonFor(err.errcode), err.errcode, parts);
  }
}

async function sendOnEvent(ctx: WecomContext, code: string, msgid: string, body: Body, parts: MessageDoc[]): Promise<void> {
  try {
    await ctx.kf.sendMsgOnEvent({ code, msgid, ...body });
  } catch (err) {
    if (!(err instanceof TencentApiError) || err.errcode === KF_ERRCODES.tooFrequent || err.errcode === -1) throw err;
    // A code is good for one message within 20 s: expired, used or refused, retrying cannot help.
    throw new PermanentDeliveryError(reasonFor(err.errcode), err.errcode, parts);
  }
}

function reasonFor(errcode: number): string {
  if (errcode === KF_ERRCODES.wrongState) return FAILURE_REASONS.sessionState;
  if (errcode === KF_ERRCODES.invalidUser || errcode === KF_ERRCODES.invalidKf) return FAILURE_REASONS.invalidUser;
  return FAILURE_REASONS.unknown(errcode);
}
