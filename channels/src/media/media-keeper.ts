import type { Channel, Db, Logger, MessageDoc } from '@brokerbot/shared';
import { cleanFileName } from './content-disposition';
import {
  DEFAULT_CONTENT_TYPES,
  MEDIA_ID_TTL_MS,
  MEDIA_LABELS,
  MEDIA_LIMITS,
  mediaRefOf,
  type MessageMediaRef,
} from './media-kinds';
import type { MediaOwner, MediaStore, MessageMediaDoc } from './media-store';
import { MediaUnavailableError } from './media-unavailable';
import type { MediaDownload, MediaSource } from './tencent-media';

export type MediaSources = Partial<Record<Channel, MediaSource>>;

export interface MediaKeeperDeps {
  db: Pick<Db, 'Message'>;
  store: MediaStore;
  sources: MediaSources;
  logger: Logger;
}

/**
 * Downloads a client message's file from Tencent and keeps it, once. Used by the media worker
 * (right after the message is stored) and by the advisor's request when the worker has not got
 * to it yet; the same message is fetched at most once at a time in this process, and across
 * processes the store's insert-once record keeps a single copy.
 */
export class MediaKeeper {
  private readonly inflight = new Map<string, Promise<MessageMediaDoc | null>>();

  constructor(private readonly deps: MediaKeeperDeps) {}

  /**
   * The outcome for the message's file (stored or unavailable), fetching it first if there is
   * none yet. Null when the message carries no file. A failure worth retrying is thrown.
   */
  keep(channel: Channel, channelMessageId: string): Promise<MessageMediaDoc | null> {
    const key = `${channel}:${channelMessageId}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.keepOnce(channel, channelMessageId).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Retries are used up: record the file as unavailable so that nobody waits for it any longer. */
  async giveUp(channel: Channel, channelMessageId: string, detail: string): Promise<MessageMediaDoc | null> {
    const found = await this.owner(channel, channelMessageId);
    if (!found) return null;
    return this.deps.store.markUnavailable(found.owner, 'download_failed', detail);
  }

  private async keepOnce(channel: Channel, channelMessageId: string): Promise<MessageMediaDoc | null> {
    const { store } = this.deps;
    const existing = await store.find(channel, channelMessageId);
    if (existing) return existing;
    const found = await this.owner(channel, channelMessageId);
    if (!found) return null;
    const { owner, ref, message } = found;
    // Tencent forgets a media_id after 3 days; asking later only earns a 40007.
    if (Date.now() - new Date(message.createdAt).getTime() > MEDIA_ID_TTL_MS) {
      return store.markUnavailable(owner, 'expired', 'media_id older than 3 days when first fetched');
    }
    const source = this.deps.sources[channel];
    if (!source) throw new Error(`no media source for channel ${channel}`);
    let file: MediaDownload;
    try {
      file = await source.download(ref.mediaId, MEDIA_LIMITS[ref.kind]);
    } catch (err) {
      if (!(err instanceof MediaUnavailableError)) throw err;
      this.deps.logger.warn({ channel, channelMessageId, reason: err.reason, detail: err.detail }, 'client media not kept');
      return store.markUnavailable(owner, err.reason, err.detail);
    }
    const kept = await store.keepBytes(owner, {
      bytes: file.bytes,
      name: file.fileName ?? ref.name ?? defaultName(ref, channelMessageId, file.contentType),
      contentType: mimeType(file.contentType) ?? DEFAULT_CONTENT_TYPES[ref.kind],
    });
    this.deps.logger.info({ channel, channelMessageId, kind: ref.kind, size: kept.size }, 'client media kept');
    return kept;
  }

  private async owner(
    channel: Channel,
    channelMessageId: string,
  ): Promise<{ owner: MediaOwner; ref: MessageMediaRef; message: MessageDoc } | null> {
    const message = (await this.deps.db.Message.findOne({
      channel,
      channelMessageId,
      direction: 'in',
    }).lean()) as MessageDoc | null;
    const ref = mediaRefOf(message?.meta);
    if (!message || !ref) return null;
    return {
      owner: { channel, channelMessageId, conversationId: message.conversationId, kind: ref.kind, mediaId: ref.mediaId },
      ref,
      message,
    };
  }
}

/** The bare MIME type (type/subtype), or null when Tencent sent none or something unusable. */
function mimeType(header: string | null): string | null {
  const type = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(type) ? type : null;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'audio/amr': '.amr',
  'audio/mpeg': '.mp3',
  'audio/silk': '.silk',
  'video/mp4': '.mp4',
  'application/pdf': '.pdf',
};

/** When Tencent names no file: "图片-<message id tail>.jpg". */
function defaultName(ref: MessageMediaRef, channelMessageId: string, contentType: string | null): string {
  const type = mimeType(contentType) ?? DEFAULT_CONTENT_TYPES[ref.kind];
  const tail = channelMessageId.replace(/[^0-9A-Za-z]/g, '').slice(-8);
  return cleanFileName(`${MEDIA_LABELS[ref.kind]}-${tail}${EXTENSIONS[type] ?? ''}`) ?? MEDIA_LABELS[ref.kind];
}
