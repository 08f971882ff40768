import type { AccessTokenStore } from './access-tokens';
import type { ClientMediaStore } from './client-media';
import { fail, ok, type ApiResult, type Route } from './api-server';
import { DAY, MINUTE, SECOND, type Clock } from './clock';
import { Errcode } from './errcodes';
import { checkMpContent } from './outgoing-content';
import type { ReplyQuota } from './reply-quota';

/** After a client message: 5 messages within 48 h. After entering the chat: 2 within 1 min. */
export const MP_MESSAGE_GRANT = { count: 5, ttlMs: 2 * DAY } as const;
export const MP_ENTER_GRANT = { count: 2, ttlMs: MINUTE } as const;
/** A typing indicator lasts 15 s; it cannot be re-sent while it shows. */
export const TYPING_DURATION_MS = 15 * SECOND;

export interface MpSentMessage {
  touser: string;
  msgtype: string;
  body: Record<string, unknown>;
  at: number;
}

export interface MpTypingCall {
  touser: string;
  command: 'Typing' | 'CancelTyping';
  path: string;
  at: number;
}

export interface MpApiConfig {
  appId: string;
  appSecret: string;
  /** How recent a message exchange must be for typing (45080 otherwise). */
  typingWindowMs: number;
}

export interface MpState {
  config: MpApiConfig;
  clock: Clock;
  tokens: AccessTokenStore;
  quota: ReplyQuota;
  sent: MpSentMessage[];
  typing: MpTypingCall[];
  /** openids that have interacted with the mini-program. */
  clients: Set<string>;
  /** Last message exchange (either direction) per openid. */
  lastInteraction: Map<string, number>;
  /** Until when the typing indicator shows, per openid. */
  typingUntil: Map<string, number>;
  /** Images clients sent, served by media/get (getTempMedia). */
  media: ClientMediaStore;
}

export const TYPING_PATHS = ['/cgi-bin/message/custom/typing', '/cgi-bin/message/custom/business/typing'] as const;

export function mpRoutes(state: MpState): Record<string, Route> {
  const routes: Record<string, Route> = {
    '/cgi-bin/stable_token': { method: 'POST', auth: false, handler: (req) => stableToken(state, req.body) },
    '/cgi-bin/message/custom/send': { method: 'POST', auth: true, handler: (req) => customSend(state, req.body) },
    '/cgi-bin/media/get': state.media.route(),
  };
  // WECOM.md (?): older docs name message/custom/typing, newer ones message/custom/business/typing; serve both.
  for (const path of TYPING_PATHS) routes[path] = { method: 'POST', auth: true, handler: (req) => typing(state, req.body, path) };
  return routes;
}

function stableToken(state: MpState, body: Record<string, unknown>): ApiResult {
  if (body.grant_type !== 'client_credential') return fail(Errcode.InvalidGrantType, 'invalid grant_type');
  if (body.appid !== state.config.appId) return fail(Errcode.InvalidCorpIdOrAppId, 'invalid appid');
  if (body.secret !== state.config.appSecret) return fail(Errcode.InvalidAppSecret, 'invalid appsecret');
  const issued = state.tokens.issue({ forceRefresh: body.force_refresh === true });
  return ok({ access_token: issued.accessToken, expires_in: issued.expiresIn });
}

function customSend(state: MpState, body: Record<string, unknown>): ApiResult {
  const { touser } = body;
  if (typeof touser !== 'string' || !state.clients.has(touser)) return fail(Errcode.InvalidOpenId, 'invalid openid');
  const invalid = checkMpContent(body);
  if (invalid) return invalid;
  const verdict = state.quota.consume(touser);
  if (verdict === 'expired') return fail(Errcode.ReplyWindowExpired, 'response out of time limit or subscription is canceled');
  if (verdict === 'exhausted') return fail(Errcode.ReplyCountExceeded, 'out of response count limit');
  const now = state.clock.now();
  state.sent.push({ touser, msgtype: String(body.msgtype), body, at: now });
  state.lastInteraction.set(touser, now);
  state.typingUntil.delete(touser); // a message cancels the typing indicator
  return ok();
}

function typing(state: MpState, body: Record<string, unknown>, path: string): ApiResult {
  const { touser, command } = body;
  if (typeof touser !== 'string' || !state.clients.has(touser)) return fail(Errcode.InvalidOpenId, 'invalid openid');
  if (command !== 'Typing' && command !== 'CancelTyping')
    return fail(Errcode.TypingBadCommand, 'command must be Typing or CancelTyping');
  const now = state.clock.now();
  if (now - (state.lastInteraction.get(touser) ?? -Infinity) > state.config.typingWindowMs) {
    return fail(Errcode.TypingNoRecentInteraction, 'no recent interaction with this user');
  }
  if (command === 'Typing') {
    if ((state.typingUntil.get(touser) ?? 0) > now) return fail(Errcode.TypingAlready, 'already typing');
    state.typingUntil.set(touser, now + TYPING_DURATION_MS);
  } else {
    state.typingUntil.delete(touser);
  }
  state.typing.push({ touser, command, path, at: now });
  return ok();
}
