import { TencentApiError, TencentTransportError, type ApiAnswer, type Attempt, type TencentApi } from '../tencent/api-client';
import { fileNameFromDisposition } from './content-disposition';
import { MediaUnavailableError } from './media-unavailable';

/** A file as Tencent handed it over. */
export interface MediaDownload {
  bytes: Buffer;
  contentType: string | null;
  fileName: string | null;
}

/** Where a channel's media_id can be downloaded (WeCom kf, the mini-program). */
export interface MediaSource {
  /** Throws MediaUnavailableError when it never will be (expired, too large); anything else is worth retrying. */
  download(mediaId: string, maxBytes: number): Promise<MediaDownload>;
}

export const MEDIA_GET = '/cgi-bin/media/get';
/** 40007 invalid media_id: unknown or expired (both platforms). 830002: WeCom's "too large, use Range". */
const INVALID_MEDIA_ID = 40007;
const FILE_TOO_LARGE = 830002;
/** An error answer is a small JSON object. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * GET cgi-bin/media/get (WeCom and mini-program alike) through the app's own API client, so a
 * download shares its access_token, token refetch, -1 retries and per-API rate limit: the file's
 * bytes with Content-Type and Content-disposition, or a JSON error. The body is read only up to
 * the caller's limit.
 */
export class TencentMediaClient implements MediaSource {
  constructor(private readonly api: TencentApi) {}

  async download(mediaId: string, maxBytes: number): Promise<MediaDownload> {
    try {
      return await this.api.getFile(MEDIA_GET, { media_id: mediaId }, async (res): Promise<Attempt<MediaDownload>> => {
        const file = await readFile(res, maxBytes);
        const answer = disposition(res) ? null : errorAnswer(file);
        if (answer) return { ok: false, answer };
        return { ok: true, value: { ...file, fileName: fileNameFromDisposition(disposition(res)) } };
      });
    } catch (err) {
      if (err instanceof TencentApiError && err.errcode === INVALID_MEDIA_ID)
        throw new MediaUnavailableError('expired', err.message);
      if (err instanceof TencentApiError && err.errcode === FILE_TOO_LARGE)
        throw new MediaUnavailableError('too_large', err.message);
      throw err;
    }
  }
}

function disposition(res: Response): string | null {
  return res.headers.get('content-disposition');
}

/** A JSON {errcode, errmsg} instead of a file: no Content-Disposition and a small JSON or text body with an errcode. */
function errorAnswer(file: { bytes: Buffer; contentType: string | null }): ApiAnswer | null {
  if (!/json|text\/plain/i.test(file.contentType ?? '') || file.bytes.length > MAX_ERROR_BODY) return null;
  try {
    const parsed = JSON.parse(file.bytes.toString('utf8')) as { errcode?: unknown; errmsg?: unknown } | null;
    // Not an error after all (a text file sent without a name): the body is the file.
    return typeof parsed?.errcode === 'number' && parsed.errcode !== 0
      ? { errcode: parsed.errcode, errmsg: String(parsed.errmsg ?? '') }
      : null;
  } catch {
    return null;
  }
}

/** The body, refusing (and not reading further) once it is over maxBytes. */
async function readFile(res: Response, maxBytes: number): Promise<{ bytes: Buffer; contentType: string | null }> {
  const contentType = res.headers.get('content-type');
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new MediaUnavailableError('too_large', `Content-Length ${declared} > ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) return { bytes: Buffer.alloc(0), contentType };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new MediaUnavailableError('too_large', `more than ${maxBytes} bytes`);
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    if (err instanceof MediaUnavailableError) throw err;
    throw new TencentTransportError(`${MEDIA_GET}: body interrupted: ${(err as Error).message}`);
  }
  return { bytes: Buffer.concat(chunks, size), contentType };
}
