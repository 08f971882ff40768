import { fail, type BinaryResult, type ApiRequest, type ApiResult, type Route } from './api-server';
import { DAY, type Clock } from './clock';
import { Errcode } from './errcodes';
import { randomId } from './ids';

export type ClientMediaKind = 'image' | 'voice' | 'video' | 'file';

/** A file a simulated client sends (what it uploads to Tencent from its phone). */
export interface ClientMediaInput {
  bytes: Buffer;
  contentType?: string;
  /** Shown as the file's name (Content-disposition); default "<media_id>.<ext>" as in Tencent's examples. */
  fileName?: string;
}

interface StoredMedia {
  bytes: Buffer;
  contentType: string;
  fileName: string;
  expiresAt: number;
}

/** What a client sends when a test (or the /sim/ page) does not say: a real, tiny file of the kind. */
export function sampleMedia(kind: ClientMediaKind): Required<ClientMediaInput> {
  switch (kind) {
    case 'image':
      return { bytes: Buffer.from(SAMPLE_PNG, 'base64'), contentType: 'image/png', fileName: '' };
    case 'voice':
      return { bytes: Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(32, 0x3c)]), contentType: 'audio/amr', fileName: '' };
    case 'video':
      return {
        bytes: Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex'),
        contentType: 'video/mp4',
        fileName: '',
      };
    case 'file':
      return {
        bytes: Buffer.from('模拟客户发送的文件：开户资料清单\n1. 身份证正反面\n2. 银行卡\n', 'utf8'),
        contentType: 'text/plain',
        fileName: '开户资料清单.txt',
      };
  }
}

/** 1×1 PNG. */
const SAMPLE_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z/C/HgAGgwJ/lK3Q6wAAAABJRU5ErkJggg==';

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'audio/amr': 'amr',
  'video/mp4': 'mp4',
  'text/plain': 'txt',
};

/**
 * The temporary media clients sent, as Tencent keeps it: under a media_id, for 3 days, served by
 * GET cgi-bin/media/get with Content-Type and Content-disposition; an unknown or expired id
 * answers errcode 40007.
 */
export class ClientMediaStore {
  private readonly media = new Map<string, StoredMedia>();

  constructor(
    private readonly clock: Clock,
    /** WeCom: files over 20 MB must be fetched with Range (errcode 830002); the mini-program has no such rule. */
    private readonly maxWholeBytes: number | null = null,
    private readonly ttlMs = 3 * DAY,
  ) {}

  put(input: ClientMediaInput): string {
    const mediaId = randomId(64);
    const contentType = input.contentType ?? 'application/octet-stream';
    const fileName = input.fileName || `${mediaId}.${EXTENSIONS[contentType] ?? 'bin'}`;
    this.media.set(mediaId, { bytes: input.bytes, contentType, fileName, expiresAt: this.clock.now() + this.ttlMs });
    return mediaId;
  }

  /** The media_id is past its 3 days (media/get answers 40007). */
  expire(mediaId: string): void {
    const stored = this.media.get(mediaId);
    if (stored) stored.expiresAt = Math.min(stored.expiresAt, this.clock.now());
  }

  route(): Route {
    return { method: 'GET', auth: true, handler: (req) => this.get(req) };
  }

  private get(req: ApiRequest): ApiResult | BinaryResult {
    const mediaId = req.query.get('media_id');
    if (!mediaId) return fail(Errcode.MissingMediaId, 'media_id missing');
    const stored = this.media.get(mediaId);
    if (!stored || stored.expiresAt <= this.clock.now()) return fail(Errcode.InvalidMediaId, 'invalid media_id');
    if (this.maxWholeBytes !== null && stored.bytes.length > this.maxWholeBytes)
      return fail(Errcode.MediaTooLargeUseRange, 'file too large, download it with Range');
    return {
      binary: stored.bytes,
      headers: {
        'content-type': stored.contentType,
        // Tencent documents `attachment; filename="MEDIA_ID.jpg"`; a non-ASCII name goes percent-encoded (UTF-8).
        'content-disposition': `attachment; filename="${encodeURIComponent(stored.fileName)}"`,
        'cache-control': 'no-cache, must-revalidate',
      },
    };
  }
}
