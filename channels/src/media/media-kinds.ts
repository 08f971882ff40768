import type { Channel, MediaKind } from '@brokerbot/shared';

const MB = 1024 * 1024;

/** WeCom's media limits (image 2 MB, voice 2 MB AMR, video 10 MB, file 20 MB): anything larger is not kept. */
export const MEDIA_LIMITS: Readonly<Record<MediaKind, number>> = {
  image: 2 * MB,
  voice: 2 * MB,
  video: 10 * MB,
  file: 20 * MB,
};

/** Tencent keeps a media_id for 3 days after the client sent it. */
export const MEDIA_ID_TTL_MS = 3 * 24 * 3600 * 1000;

export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'voice', 'video', 'file'];

/** The channels whose clients send files we download (the trading app sends text only). */
export const MEDIA_CHANNELS: readonly Channel[] = ['wecom', 'miniprogram'];

export const MEDIA_LABELS: Readonly<Record<MediaKind, string>> = { image: '图片', voice: '语音', video: '视频', file: '文件' };

/** What we assume when Tencent names no type (voice is AMR unless sync_msg asked for another voice_format). */
export const DEFAULT_CONTENT_TYPES: Readonly<Record<MediaKind, string>> = {
  image: 'image/jpeg',
  voice: 'audio/amr',
  video: 'video/mp4',
  file: 'application/octet-stream',
};

export function isMediaKind(value: unknown): value is MediaKind {
  return MEDIA_KINDS.includes(value as MediaKind);
}

/** What the channel puts in a client message's meta.media (shared/src/transcript.ts turns it into WireMessage.media). */
export interface MessageMediaRef {
  kind: MediaKind;
  /** The file name, when the channel tells it with the message (WeCom tells it only with the download). */
  name: string | null;
  /** Tencent's temporary media_id (valid MEDIA_ID_TTL_MS). */
  mediaId: string;
}

/** meta.media of a stored message, if it is well-formed. */
export function mediaRefOf(meta: unknown): MessageMediaRef | null {
  const media = (meta as { media?: Partial<MessageMediaRef> } | null | undefined)?.media;
  if (!media || !isMediaKind(media.kind) || typeof media.mediaId !== 'string' || !media.mediaId) return null;
  return { kind: media.kind, name: typeof media.name === 'string' ? media.name : null, mediaId: media.mediaId };
}
