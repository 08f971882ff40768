/**
 * Content-Disposition both ways: reading the file name Tencent's media/get gives, and writing the
 * one we give advisors (RFC 6266 with an RFC 5987 filename* for non-ASCII names).
 */

const MAX_NAME = 200;

/**
 * The file name in a Content-Disposition header, or null. Tencent documents only
 * `filename="MEDIA_ID.jpg"`; for other names we accept every form seen in the wild: RFC 5987
 * `filename*=UTF-8''…`, a percent-encoded UTF-8 `filename="…"`, and raw UTF-8 bytes (which
 * fetch hands over as one Latin-1 character per byte).
 */
export function fileNameFromDisposition(header: string | null | undefined): string | null {
  if (!header) return null;
  const extended = /(?:^|;)\s*filename\*\s*=\s*([^']*)'[^']*'([^;]*)/i.exec(header);
  if (extended) {
    const decoded = decodeExtended(extended[1]!.trim(), extended[2]!.trim());
    if (decoded) return cleanFileName(decoded);
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(header);
  if (!plain) return null;
  const raw = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2]!.trim();
  return cleanFileName(decodePlain(raw));
}

function decodeExtended(charset: string, value: string): string | null {
  try {
    if (/^utf-8$/i.test(charset)) return decodeURIComponent(value);
    if (/^iso-8859-1$/i.test(charset))
      return value.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  } catch {
    // malformed escapes: fall back to filename=
  }
  return null;
}

function decodePlain(raw: string): string {
  if (/%[0-9a-f]{2}/i.test(raw)) {
    try {
      return decodeURIComponent(raw);
    } catch {
      // not percent-encoding after all
    }
  }
  // Every character a byte: UTF-8 sent raw. Keep it as it is if it is not valid UTF-8.
  if (/[\x80-\xff]/.test(raw) && !/[\u0100-\uffff]/.test(raw)) {
    const utf8 = Buffer.from(raw, 'latin1').toString('utf8');
    if (!utf8.includes('\uFFFD')) return utf8;
  }
  return raw;
}

/** A file name safe to store and to hand back: no directories, no control characters, bounded length. */
export function cleanFileName(name: string): string | null {
  const base = (name.split(/[/\\]/).pop() ?? '').replace(/\p{Cc}/gu, '').trim();
  if (!base || base === '.' || base === '..') return null;
  if (base.length <= MAX_NAME) return base;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 16 ? base.slice(dot) : '';
  return base.slice(0, MAX_NAME - ext.length) + ext;
}

/** `inline|attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266 / RFC 5987). */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  if (fallback === name) return `${type}; filename="${name}"`;
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(name)}`;
}

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
