import { fail, type ApiResult } from './api-server';
import { Errcode } from './errcodes';

/** WECOM.md: text content of an outgoing message is at most 2048 bytes (UTF-8). */
export const MAX_TEXT_BYTES = 2048;
/** kf msgid: at most 32 bytes of [0-9a-zA-Z_-]. */
const MSGID_PATTERN = /^[0-9a-zA-Z_-]{1,32}$/;
const MAX_MENU_ITEMS = 10;

type Body = Record<string, unknown>;

/** Fields each media-like message type must carry under its msgtype key. */
const KF_REQUIRED: Record<string, readonly string[]> = {
  image: ['media_id'],
  voice: ['media_id'],
  video: ['media_id'],
  file: ['media_id'],
  link: ['title', 'url', 'thumb_media_id'],
  miniprogram: ['appid', 'thumb_media_id', 'pagepath'],
  location: ['latitude', 'longitude'],
  business_card: ['userid'],
  ca_link: ['link_url'],
};

const MP_REQUIRED: Record<string, readonly string[]> = {
  image: ['media_id'],
  link: ['title', 'description', 'url', 'thumb_url'],
  miniprogrampage: ['title', 'pagepath', 'thumb_media_id'],
};

export function checkMsgid(msgid: unknown): ApiResult | null {
  if (msgid === undefined) return null;
  if (typeof msgid !== 'string' || !MSGID_PATTERN.test(msgid))
    return fail(Errcode.InvalidParameter, 'invalid msgid: at most 32 bytes of [0-9a-zA-Z_-]');
  return null;
}

/** Validates the content of kf/send_msg (every type) or kf/send_msg_on_event (`eventReply`: text and msgmenu only). */
export function checkKfContent(body: Body, eventReply = false): ApiResult | null {
  const msgtype = body.msgtype;
  if (msgtype === 'text') return checkText(body.text);
  if (msgtype === 'msgmenu') return checkMenu(body.msgmenu);
  if (!eventReply && typeof msgtype === 'string' && KF_REQUIRED[msgtype]) return checkFields(body, msgtype, KF_REQUIRED[msgtype]);
  return fail(Errcode.InvalidMsgType, `invalid msgtype: ${String(msgtype)}`);
}

/** Validates the content of the mini-program's message/custom/send. */
export function checkMpContent(body: Body): ApiResult | null {
  const msgtype = body.msgtype;
  if (msgtype === 'text') return checkText(body.text);
  if (typeof msgtype === 'string' && MP_REQUIRED[msgtype]) return checkFields(body, msgtype, MP_REQUIRED[msgtype]);
  return fail(Errcode.InvalidMsgType, `invalid msgtype: ${String(msgtype)}`);
}

function checkText(text: unknown): ApiResult | null {
  const content = isObject(text) ? text.content : undefined;
  if (typeof content !== 'string' || content.length === 0) return fail(Errcode.EmptyContent, 'text.content is empty');
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > MAX_TEXT_BYTES) return fail(Errcode.ContentTooLong, `text.content is ${bytes} bytes, over ${MAX_TEXT_BYTES}`);
  return null;
}

function checkMenu(menu: unknown): ApiResult | null {
  if (!isObject(menu)) return fail(Errcode.InvalidParameter, 'msgmenu missing');
  const list = menu.list;
  if (list !== undefined && (!Array.isArray(list) || list.length > MAX_MENU_ITEMS)) {
    return fail(Errcode.InvalidParameter, `msgmenu.list must be an array of at most ${MAX_MENU_ITEMS} items`);
  }
  for (const item of (list as unknown[] | undefined) ?? []) {
    const type = isObject(item) ? item.type : undefined;
    const entry = isObject(item) && typeof type === 'string' ? item[type] : undefined;
    if (!isObject(entry) || typeof entry.content !== 'string')
      return fail(Errcode.InvalidParameter, 'msgmenu item needs a type and {content}');
  }
  const hasText = [menu.head_content, menu.tail_content].some((p) => typeof p === 'string' && p.length > 0);
  if (!hasText && !(Array.isArray(list) && list.length > 0)) return fail(Errcode.EmptyContent, 'msgmenu is empty');
  return null;
}

function checkFields(body: Body, msgtype: string, required: readonly string[]): ApiResult | null {
  const content = body[msgtype];
  if (!isObject(content)) return fail(Errcode.InvalidParameter, `${msgtype} object missing`);
  const missing = required.filter((f) => content[f] === undefined || content[f] === '');
  return missing.length ? fail(Errcode.InvalidParameter, `${msgtype} lacks ${missing.join(', ')}`) : null;
}

export function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
