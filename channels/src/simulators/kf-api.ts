import type { AccessTokenStore } from './access-tokens';
import type { ClientMediaStore } from './client-media';
import { fail, ok, type ApiRequest, type ApiResult, type Route } from './api-server';
import { DAY, type Clock } from './clock';
import { Errcode, wecomErrmsg } from './errcodes';
import { randomId } from './ids';
import type { KfMessageLog } from './kf-message-log';
import { isServiceState, type KfSessions } from './kf-sessions';
import type { OneTimeCodes } from './one-time-codes';
import { checkKfContent, checkMsgid } from './outgoing-content';
import type { ReplyQuota } from './reply-quota';

/** What we may send after a client message: 5 messages within 48 h (WECOM.md §3). */
export const KF_REPLY_GRANT = { count: 5, ttlMs: 2 * DAY } as const;
export const KF_MAX_SYNC_LIMIT = 1000;

/** A message the bot sent through kf/send_msg or kf/send_msg_on_event. */
export interface KfSentMessage {
  via: 'send_msg' | 'send_msg_on_event';
  msgid: string;
  open_kfid: string;
  touser: string;
  msgtype: string;
  /** The request body as received. */
  body: Record<string, unknown>;
  at: number;
}

/** Data behind a welcome_code (enter_session) or msg_code (service_state/trans). */
export interface EventCode {
  openKfId: string;
  externalUserId: string;
}

export interface KfApiConfig {
  corpId: string;
  corpSecret: string;
  openKfIds: readonly string[];
  /** servicer userids accepted by service_state/trans; empty accepts any. */
  servicers: readonly string[];
  budgetViolation: 'errcode' | 'event';
  duplicateMsgidErrcode: number | undefined;
}

/** The simulator's state the API handlers read and change. */
export interface KfState {
  config: KfApiConfig;
  clock: Clock;
  tokens: AccessTokenStore;
  log: KfMessageLog;
  sessions: KfSessions;
  quota: ReplyQuota;
  codes: OneTimeCodes<EventCode>;
  sent: KfSentMessage[];
  /** Successful sends by `${open_kfid}|${msgid}`: msgid is the idempotency key per kf account. */
  sentByMsgid: Map<string, KfSentMessage>;
  /** `${open_kfid}|${external_userid}` of every client that reached a kf account. */
  clients: Set<string>;
  /** Files clients sent (image, voice, video, file), served by media/get. */
  media: ClientMediaStore;
  /** Appends a system event (origin 4) and calls back kf_msg_or_event, in the background. */
  emitSystemEvent(openKfId: string, event: Record<string, unknown>): void;
}

export function clientKey(openKfId: string, externalUserId: string): string {
  return `${openKfId}|${externalUserId}`;
}

export function kfRoutes(state: KfState): Record<string, Route> {
  const cursors = new WireCursors();
  return {
    '/cgi-bin/gettoken': { method: 'GET', auth: false, handler: (req) => getToken(state, req) },
    '/cgi-bin/kf/sync_msg': { method: 'POST', auth: true, handler: (req) => syncMsg(state, cursors, req.body) },
    '/cgi-bin/kf/send_msg': { method: 'POST', auth: true, handler: (req) => sendMsg(state, req.body) },
    '/cgi-bin/kf/send_msg_on_event': { method: 'POST', auth: true, handler: (req) => sendMsgOnEvent(state, req.body) },
    '/cgi-bin/kf/service_state/get': { method: 'POST', auth: true, handler: (req) => serviceStateGet(state, req.body) },
    '/cgi-bin/kf/service_state/trans': { method: 'POST', auth: true, handler: (req) => serviceStateTrans(state, req.body) },
    '/cgi-bin/media/get': state.media.route(),
  };
}

function getToken(state: KfState, req: ApiRequest): ApiResult {
  const corpid = req.query.get('corpid');
  const secret = req.query.get('corpsecret');
  if (!corpid) return fail(Errcode.MissingCorpId, 'corpid missing');
  if (!secret) return fail(Errcode.MissingSecret, 'corpsecret missing');
  if (corpid !== state.config.corpId) return fail(Errcode.InvalidCorpIdOrAppId, 'invalid corpid');
  if (secret !== state.config.corpSecret) return fail(Errcode.InvalidCredential, 'invalid credential (corpsecret)');
  const issued = state.tokens.issue();
  return ok({ access_token: issued.accessToken, expires_in: issued.expiresIn });
}

/**
 * The cursors this simulator instance hands out: a position in its message log behind a tag of
 * the instance. A cursor another instance issued (one stored before a restart) is therefore
 * unknown here even where the position would exist, and is refused as Tencent refuses a cursor
 * it never issued: errcode 40058.
 */
class WireCursors {
  private readonly tag = randomId(8);

  wrap(logCursor: string): string {
    return `${this.tag}${logCursor}`;
  }

  /** The log's cursor, '' for none, or null for a cursor this instance never issued. */
  unwrap(wire: string): string | null {
    if (wire === '') return '';
    return wire.startsWith(this.tag) && wire.length > this.tag.length ? wire.slice(this.tag.length) : null;
  }
}

function syncMsg(state: KfState, cursors: WireCursors, body: Record<string, unknown>): ApiResult {
  const { cursor, token, limit = KF_MAX_SYNC_LIMIT, voice_format: voiceFormat, open_kfid: openKfId } = body;
  const invalidCursor = () =>
    fail(
      Errcode.InvalidParameter,
      wecomErrmsg(Errcode.InvalidParameter, 'invalid cursor. invalid Request Parameter', state.clock),
    );
  if (cursor !== undefined && typeof cursor !== 'string') return invalidCursor();
  if (token !== undefined) {
    if (typeof token !== 'string' || state.log.tokenState(token) !== 'valid')
      return fail(Errcode.KfInvalidMsgToken, 'invalid or expired msg token');
  }
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > KF_MAX_SYNC_LIMIT) {
    return fail(Errcode.InvalidParameter, `limit must be an integer 1..${KF_MAX_SYNC_LIMIT}`);
  }
  if (voiceFormat !== undefined && voiceFormat !== 0 && voiceFormat !== 1)
    return fail(Errcode.InvalidParameter, 'voice_format must be 0 or 1');
  if (openKfId !== undefined && (typeof openKfId !== 'string' || !state.config.openKfIds.includes(openKfId))) {
    return fail(Errcode.KfInvalidOpenKfId, 'invalid open_kfid');
  }
  const logCursor = cursor === undefined ? '' : cursors.unwrap(cursor);
  if (logCursor === null) return invalidCursor();
  const page = state.log.page(logCursor || undefined, limit, openKfId);
  return page ? ok({ ...page, next_cursor: cursors.wrap(page.next_cursor) }) : invalidCursor();
}

function sendMsg(state: KfState, body: Record<string, unknown>): ApiResult {
  const { touser, open_kfid: openKfId, msgid } = body;
  const target = checkTarget(state, openKfId, touser);
  if (target) return target;
  const kfId = openKfId as string;
  const user = touser as string;
  const replay = checkDuplicate(state, kfId, msgid);
  if (replay) return replay;
  const invalid = checkKfContent(body);
  if (invalid) return invalid;
  const session = state.sessions.get(kfId, user);
  if (session.state !== 0 && session.state !== 1) {
    return fail(Errcode.KfWrongSessionState, `send msg session status invalid: state ${session.state}, send_msg needs 0 or 1`);
  }
  const id = typeof msgid === 'string' ? msgid : randomId(32);
  const verdict = state.quota.consume(clientKey(kfId, user));
  if (verdict !== 'ok') {
    const overTime = verdict === 'expired';
    if (state.config.budgetViolation === 'event') {
      // The other reading of WECOM.md: accepted, then reported by a msg_send_fail event.
      state.emitSystemEvent(kfId, {
        event_type: 'msg_send_fail',
        open_kfid: kfId,
        external_userid: user,
        fail_msgid: id,
        fail_type: overTime ? 4 : 6,
      });
      return ok({ msgid: id });
    }
    return overTime
      ? fail(Errcode.KfSendTimeLimit, 'over 48 hours since the client last wrote')
      : fail(Errcode.KfSendCountLimit, 'already sent 5 messages since the client last wrote');
  }
  return record(state, 'send_msg', kfId, user, id, body);
}

function sendMsgOnEvent(state: KfState, body: Record<string, unknown>): ApiResult {
  const { code, msgid } = body;
  if (typeof code !== 'string' || !code) return fail(Errcode.InvalidParameter, 'code missing');
  const data = state.codes.peek(code);
  if (!data) return fail(Errcode.InvalidParameter, 'invalid code');
  const replay = checkDuplicate(state, data.openKfId, msgid);
  if (replay) return replay;
  const invalid = checkKfContent(body, true);
  if (invalid) return invalid;
  const redeemed = state.codes.redeem(code);
  if (!redeemed.ok) return fail(Errcode.InvalidParameter, redeemed.reason === 'used' ? 'code already used' : 'code expired');
  const id = typeof msgid === 'string' ? msgid : randomId(32);
  return record(state, 'send_msg_on_event', data.openKfId, data.externalUserId, id, body);
}

function serviceStateGet(state: KfState, body: Record<string, unknown>): ApiResult {
  const target = checkTarget(state, body.open_kfid, body.external_userid);
  if (target) return target;
  const session = state.sessions.get(body.open_kfid as string, body.external_userid as string);
  return ok({ service_state: session.state, ...(session.servicerUserId ? { servicer_userid: session.servicerUserId } : {}) });
}

function serviceStateTrans(state: KfState, body: Record<string, unknown>): ApiResult {
  const { open_kfid: openKfId, external_userid: user, service_state: to, servicer_userid: servicer } = body;
  const target = checkTarget(state, openKfId, user);
  if (target) return target;
  if (!isServiceState(to)) return fail(Errcode.InvalidParameter, 'service_state must be 0..4');
  if (servicer !== undefined && typeof servicer !== 'string')
    return fail(Errcode.InvalidParameter, 'servicer_userid must be a string');
  if (to === 3 && servicer && state.config.servicers.length > 0 && !state.config.servicers.includes(servicer)) {
    return fail(Errcode.KfInvalidServicer, `${servicer} is not a servicer of this kf account`);
  }
  const result = state.sessions.transition(openKfId as string, user as string, to, servicer);
  if (!result.ok) {
    return result.reason === 'servicer_required'
      ? fail(Errcode.KfInvalidServicer, 'service_state 3 needs servicer_userid')
      : fail(
          Errcode.KfTransitionNotAllowed,
          `transition to ${to} not allowed from state ${state.sessions.get(openKfId as string, user as string).state}`,
        );
  }
  // Handing over or ending yields a msg_code for one send_msg_on_event (same rules as welcome_code).
  if (to === 2 || to === 3 || to === 4)
    return ok({ msg_code: state.codes.issue({ openKfId: openKfId as string, externalUserId: user as string }) });
  return ok();
}

function checkTarget(state: KfState, openKfId: unknown, user: unknown): ApiResult | null {
  if (typeof openKfId !== 'string' || !state.config.openKfIds.includes(openKfId))
    return fail(Errcode.KfInvalidOpenKfId, 'invalid open_kfid');
  if (typeof user !== 'string' || !state.clients.has(clientKey(openKfId, user)))
    return fail(Errcode.InvalidExternalUserId, 'invalid external_userid');
  return null;
}

/** A repeated msgid replays the first success (nothing is sent twice), or answers the configured errcode. */
function checkDuplicate(state: KfState, openKfId: string, msgid: unknown): ApiResult | null {
  const invalid = checkMsgid(msgid);
  if (invalid) return invalid;
  if (typeof msgid !== 'string') return null;
  const previous = state.sentByMsgid.get(clientKey(openKfId, msgid));
  if (!previous) return null;
  const errcode = state.config.duplicateMsgidErrcode;
  return errcode === undefined ? ok({ msgid: previous.msgid }) : fail(errcode, `duplicate msgid ${msgid}`);
}

function record(
  state: KfState,
  via: KfSentMessage['via'],
  openKfId: string,
  touser: string,
  msgid: string,
  body: Record<string, unknown>,
): ApiResult {
  const sent: KfSentMessage = {
    via,
    msgid,
    open_kfid: openKfId,
    touser,
    msgtype: String(body.msgtype),
    body,
    at: state.clock.now(),
  };
  state.sent.push(sent);
  state.sentByMsgid.set(clientKey(openKfId, msgid), sent);
  return ok({ msgid });
}
