import { randomInt } from 'node:crypto';
import type { Clock } from './clock';

/**
 * Errcodes the simulators answer. WECOM.md names -1, 40001, 40014, 42001, 45009, 45015,
 * 45047, 45080 and 95018; 40007 and 830002 come from the media/get pages; the others from
 * Tencent's global code lists (WeCom 90313, WeChat global return codes) as we know them.
 * Clients should branch on the named ones only.
 */
export const Errcode = {
  SystemBusy: -1,
  /** WeCom gettoken: wrong corpsecret. Mini-program: access_token invalid or not the latest. */
  InvalidCredential: 40001,
  InvalidGrantType: 40002,
  InvalidOpenId: 40003,
  /** media/get: unknown or expired media_id (a media_id lives 3 days). */
  InvalidMediaId: 40007,
  InvalidMsgType: 40008,
  InvalidCorpIdOrAppId: 40013,
  /** WeCom: access_token invalid. */
  InvalidAccessToken: 40014,
  /** Invalid request parameter; kf/sync_msg answers it for a cursor it never issued. */
  InvalidParameter: 40058,
  InvalidExternalUserId: 40096,
  InvalidAppSecret: 40125,
  MissingAccessToken: 41001,
  MissingCorpId: 41002,
  MissingSecret: 41004,
  MissingMediaId: 41006,
  AccessTokenExpired: 42001,
  EmptyContent: 44004,
  ContentTooLong: 45002,
  TooFrequent: 45009,
  /** Mini-program: no open reply window (never, or over 48 h / 1 min). */
  ReplyWindowExpired: 45015,
  /** Mini-program: reply window open but its message count is used up. */
  ReplyCountExceeded: 45047,
  TypingBadCommand: 45072,
  TypingNoRecentInteraction: 45080,
  TypingAlready: 45081,
  DataFormatError: 47001,
  KfInvalidOpenKfId: 95000,
  /** kf: more than 5 messages since the client's last message. */
  KfSendCountLimit: 95001,
  /** kf: more than 48 h since the client's last message. */
  KfSendTimeLimit: 95002,
  KfInvalidMsgToken: 95007,
  KfInvalidServicer: 95014,
  KfTransitionNotAllowed: 95016,
  KfWrongSessionState: 95018,
  /** WeCom media/get: the file is over 20 MB and must be fetched in Range parts. */
  MediaTooLargeUseRange: 830002,
} as const;

/**
 * A WeCom (qyapi) errmsg: the detail, a request id ("hint": Unix seconds and 15 digits), the
 * caller's IP and the link to the error-code tool. As captured from the real API: "name exceed
 * min utf8 words 1. invalid Request Parameter, hint: [1671098526431493138190819], from ip:
 * 120.245.114.24, more info at https://open.work.weixin.qq.com/devtool/query?e=40058". Clients
 * must branch on errcode, never on this text.
 */
export function wecomErrmsg(errcode: number, detail: string, clock: Clock, fromIp = '127.0.0.1'): string {
  const hint = `${Math.floor(clock.now() / 1000)}${Array.from({ length: 15 }, () => randomInt(10)).join('')}`;
  return `${detail}, hint: [${hint}], from ip: ${fromIp}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}
