import { createHash } from 'node:crypto';

/** Text limits of outgoing Tencent messages, and how we fit our replies into them. */

/** WeCom kf text.content and the mini-program's text: at most 2048 bytes of UTF-8. */
export const MAX_TEXT_BYTES = 2048;

/** A clarifying menu the bot offers: `meta.menu` of its stored reply (the activity's channelData). */
export type { MenuChoice as Choice } from '@brokerbot/shared';
export { menuOf } from '@brokerbot/shared';

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Splits text into parts of at most `maxBytes` UTF-8 bytes, only when it does not fit: at a
 * paragraph, else a sentence end, else a line, else between characters (never inside one).
 */
export function splitText(text: string, maxBytes = MAX_TEXT_BYTES): string[] {
  const parts: string[] = [];
  let rest = text;
  while (byteLength(rest) > maxBytes) {
    const cut = cutPoint(rest, maxBytes);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** The largest prefix length (in UTF-16 units) within `maxBytes`, preferring a natural break. */
function cutPoint(text: string, maxBytes: number): number {
  let fit = 0;
  let bytes = 0;
  for (const ch of text) {
    const size = byteLength(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    fit += ch.length;
  }
  const head = text.slice(0, fit);
  // A break in the last half keeps parts reasonably even; otherwise cut at the byte limit.
  for (const pattern of [/\n\n/g, /[。！？!?；;]/g, /\n/g]) {
    let last = -1;
    for (const m of head.matchAll(pattern)) last = m.index + m[0].length;
    if (last > fit / 2) return last;
  }
  return fit || 1;
}

/** The bot's parts of one answer as one message (the client's budget counts messages, not words). */
export function mergeParts(texts: string[]): string {
  return texts
    .map((t) => t.trim())
    .filter(Boolean)
    .join('\n\n');
}

/**
 * The menu's lead-in: the reply's text without its numbered option lines and the "reply with the
 * number" hint, which a msgmenu shows as clickable items instead. Null when nothing is left.
 */
export function menuHead(text: string): string | null {
  const head = text
    .split('\n')
    .filter((line) => !/^\s*\d+[.、]\s/.test(line) && !/^（.*序号.*）$/.test(line.trim()))
    .join('\n')
    .trim();
  return head || null;
}

/**
 * The id of each piece we send for a stored message: its own id for the first (or only) piece,
 * a derived one for the rest of a text split above 2,048 bytes. 32 characters of [0-9a-z], so
 * also a valid WeCom msgid (the platform's idempotency key).
 */
export function pieceId(firstMessageId: string, index: number): string {
  if (index === 0) return firstMessageId;
  return `p${createHash('sha256').update(`${firstMessageId}#${index}`).digest('hex').slice(0, 31)}`;
}
