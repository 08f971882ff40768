import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import {
  UserError,
  seesBranch,
  type Channel,
  type ConversationDoc,
  type Db,
  type Logger,
  type MessageDoc,
} from '@brokerbot/shared';
import { contentDisposition } from './content-disposition';
import { MEDIA_CHANNELS, MEDIA_LABELS, mediaRefOf } from './media-kinds';
import type { MediaKeeper } from './media-keeper';
import type { MediaStore, MessageMediaDoc } from './media-store';
import { unavailableMessage, type UnavailableReason } from './media-unavailable';

/** The advisor a bearer token stands for (the console's AdvisorClaims, as far as this route needs them). */
export interface AdvisorIdentity {
  sub: string;
  role: string;
  branchId: string;
  allBranches: boolean;
}

/**
 * Checks an advisor token and returns its claims; throws (UserError) when it is invalid, expired
 * or revoked (account disabled or deleted). Any other error is a failure of ours (500).
 */
export type VerifyAdvisor = (token: string) => AdvisorIdentity | Promise<AdvisorIdentity>;

export interface MediaRouteDeps {
  db: Pick<Db, 'Message' | 'Conversation'>;
  store: MediaStore;
  keeper: MediaKeeper;
  verifyAdvisor: VerifyAdvisor;
  logger: Logger;
}

/** Channel message ids: WeCom msgid, mini-program MsgId (digits), our outbound ids. */
const MESSAGE_ID = /^[A-Za-z0-9_.:@=+-]{1,128}$/;
/** Shown in the browser rather than downloaded; anything else is an attachment. */
const INLINE_TYPES = /^(image\/(jpeg|png|gif|webp|bmp)|audio\/(amr|mpeg|mp4|wav|ogg)|video\/(mp4|webm|quicktime))$/;

/**
 * GET /api/advisor/messages/:messageId/media (Authorization: Bearer <advisor token>): the file a
 * client sent, for an advisor who may see the conversation (its branch; supervisors and advisors
 * with allBranches see all). If the bytes are not kept yet but the media_id is still valid,
 * they are fetched now. 404 says why a file is not (yet) available.
 */
export function mediaRoute(deps: MediaRouteDeps): Router {
  const router = Router();
  router.get('/api/advisor/messages/:messageId/media', async (req, res) => {
    try {
      await serve(deps, req, res);
    } catch (err) {
      deps.logger.error({ err, messageId: req.params.messageId }, 'advisor media request failed');
      if (res.headersSent) res.destroy();
      else res.status(500).json({ error: 'internal', message: '系统繁忙，请稍后重试' });
    }
  });
  return router;
}

async function serve(deps: MediaRouteDeps, req: Request, res: Response): Promise<void> {
  const advisor = await authenticate(deps.verifyAdvisor, req.get('authorization'));
  if ('error' in advisor) {
    res.set('WWW-Authenticate', 'Bearer').status(401).json(advisor);
    return;
  }
  const messageId = String(req.params.messageId);
  if (!MESSAGE_ID.test(messageId)) {
    res.status(400).json({ error: 'invalid_message_id', message: '消息编号格式不正确' });
    return;
  }
  // The id alone names the message within its channel; with the channels listed the (channel, id) index serves the lookup.
  const candidates = (await deps.db.Message.find({
    channel: { $in: MEDIA_CHANNELS },
    channelMessageId: messageId,
    direction: 'in',
  })
    .limit(5)
    .lean()) as MessageDoc[];
  const withMedia = candidates.filter((m) => mediaRefOf(m.meta));
  if (withMedia.length === 0) {
    res.status(404).json({ error: 'not_found', message: '消息不存在或没有附件' });
    return;
  }
  const conversations = (await deps.db.Conversation.find(
    { _id: { $in: withMedia.map((m) => m.conversationId) } },
    { branchId: 1 },
  ).lean()) as Pick<ConversationDoc, '_id' | 'branchId'>[];
  const message = withMedia.find((m) => {
    const conversation = conversations.find((c) => c._id.toString() === m.conversationId);
    return conversation !== undefined && seesBranch(advisor, conversation.branchId);
  });
  if (!message) {
    res.status(403).json({ error: 'forbidden', message: '您无权查看这条消息（会话不在您的营业部）' });
    return;
  }
  const channel = message.channel as Channel;
  const kind = mediaRefOf(message.meta)!.kind;
  let record = await deps.store.find(channel, messageId);
  if (!record) {
    // The worker has not got to it: fetch now (single-flight with the worker in this process).
    record = await deps.keeper.keep(channel, messageId).catch((err: unknown) => {
      deps.logger.warn({ err, channel, messageId }, 'on-demand media fetch failed; the worker keeps trying');
      return null;
    });
  }
  if (!record) {
    res
      .set('Retry-After', '10')
      .status(404)
      .json({
        error: 'media_pending',
        message: `${MEDIA_LABELS[kind]}正在从腾讯获取，请稍后再试`,
      });
    return;
  }
  if (record.status !== 'stored' || !record.fileId) {
    const reason = (record.reason ?? 'download_failed') as UnavailableReason;
    res.status(404).json({ error: 'media_unavailable', reason, message: unavailableMessage(reason, kind) });
    return;
  }
  await sendFile(deps.store, record, res);
}

async function sendFile(store: MediaStore, record: MessageMediaDoc, res: Response): Promise<void> {
  const contentType = record.contentType ?? 'application/octet-stream';
  const name = record.name ?? MEDIA_LABELS[record.kind as keyof typeof MEDIA_LABELS] ?? 'file';
  res.status(200).set({
    'Content-Type': contentType,
    'Content-Length': String(record.size ?? 0),
    'Content-Disposition': contentDisposition(INLINE_TYPES.test(contentType) ? 'inline' : 'attachment', name),
    'Cache-Control': 'private',
    'X-Content-Type-Options': 'nosniff',
    // A client's file is never a page of ours: no scripts, no plugins, even if a browser were to render it.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    ETag: `"${record.sha256}"`,
  });
  await pipeline(store.open(record.fileId!), res);
}

async function authenticate(
  verify: VerifyAdvisor,
  header: string | undefined,
): Promise<AdvisorIdentity | { error: string; message: string }> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return { error: 'unauthorized', message: '请先登录坐席工作台' };
  try {
    return await verify(match[1]!);
  } catch (err) {
    if (err instanceof UserError) return { error: err.code, message: err.message };
    throw err;
  }
}
