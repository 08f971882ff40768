import { sealCallback, type CallbackCredentials } from '../wecom/crypto';
import { AccessTokenStore } from './access-tokens';
import { ApiGuard, type RateLimit } from './api-guard';
import { ApiServer, type ApiCall } from './api-server';
import { CallbackChannel, type SendOptions } from './callback-channel';
import { ClientMediaStore, sampleMedia, type ClientMediaInput, type ClientMediaKind } from './client-media';
import type { CallbackRequest, DeliveryPolicy, DeliveryReport } from './callback-sender';
import { SECOND, systemClock, type Clock } from './clock';
import { Errcode } from './errcodes';
import { clientMsgId, randomId, randomUint64AboveSafe } from './ids';
import { clientKey, KF_REPLY_GRANT, kfRoutes, type EventCode, type KfSentMessage, type KfState } from './kf-api';
import { KfMessageLog, type KfMessage, type KfMessageLogOptions } from './kf-message-log';
import { KfSessions, type KfSession, type ServiceState } from './kf-sessions';
import { OneTimeCodes } from './one-time-codes';
import { ReplyQuota } from './reply-quota';
import { formatWireBody, toXml, type WireFormat } from './wire-body';

export interface WecomKfSimulatorOptions {
  corpId: string;
  corpSecret: string;
  /** The corp's kf accounts (open_kfid); the first is the default for simulated clients. */
  openKfIds?: string[];
  /** Servicer userids accepted by service_state/trans to state 3; empty (default) accepts any. */
  servicers?: string[];
  /** Our callback endpoint as configured in the WeCom admin console. */
  callback: { url?: string; token: string; encodingAESKey: string; agentId?: string; envelope?: WireFormat };
  /** Tencent's delivery: 5 s timeout, 3 attempts. Shorten timeoutMs in tests. */
  delivery?: Partial<DeliveryPolicy>;
  clock?: Clock;
  /** 0 (default): an ephemeral port on 127.0.0.1. */
  port?: number;
  accessTokenTtlSeconds?: number;
  /** WECOM.md marks 42001 for an expired token with (?): 42001 (default) or 40014 (the "invalid" code). */
  expiredTokenErrcode?: number;
  rateLimits?: RateLimit[];
  sync?: Partial<KfMessageLogOptions>;
  /** How a send over the 48 h / 5-message budget fails: errcode 95002/95001 (default) or a msg_send_fail event. */
  budgetViolation?: 'errcode' | 'event';
  /** Answer to a repeated msgid: replay the first success (default) or this errcode. */
  duplicateMsgidErrcode?: number;
  /** welcome_code and msg_code lifetime (20 s). */
  eventCodeTtlMs?: number;
}

/** A message or event as a client produced it, and the kf_msg_or_event callbacks that announced it. */
export interface SimulatedKfEvent {
  message: KfMessage;
  /** The Token in the callback, for sync_msg (valid 10 min). */
  syncToken: string;
  callback: Omit<CallbackRequest, 'url'>;
  deliveries: DeliveryReport[];
}

export interface KfClientMessageInput {
  externalUserId: string;
  openKfId?: string;
  /** A text message (msgtype text). */
  text?: string;
  /** With text: the id of the clicked menu item. */
  menuId?: string;
  /** Any other msgtype (image, voice, video, file, location, link, business_card, miniprogram…). */
  msgtype?: string;
  /** Content under the msgtype key; image / voice / video / file default to a small sample file's media_id. */
  payload?: Record<string, unknown>;
  msgid?: string;
}

export interface KfClientMediaInput extends Partial<ClientMediaInput> {
  externalUserId: string;
  openKfId?: string;
  kind: ClientMediaKind;
  msgid?: string;
}

/** WeCom's media/get serves at most 20 MB in one piece (more needs Range: errcode 830002). */
const MEDIA_GET_MAX_BYTES = 20 * 1024 * 1024;
const MEDIA_MSGTYPES: readonly string[] = ['image', 'voice', 'video', 'file'];

export interface KfEnterSessionInput {
  externalUserId: string;
  openKfId?: string;
  scene?: string;
  sceneParam?: string;
  /** Tencent gives a welcome_code only when it may be used; default true. */
  withWelcomeCode?: boolean;
}

export interface UrlVerification {
  ok: boolean;
  expected: string;
  report: DeliveryReport;
}

/**
 * Loopback simulator of qyapi's 微信客服 API and of Tencent calling our callback URL. Point the
 * adapter's base URL at `sim.url` instead of https://qyapi.weixin.qq.com.
 */
export class WecomKfSimulator {
  readonly clock: Clock;
  readonly sent: KfSentMessage[] = [];
  readonly log: KfMessageLog;
  /** What clients uploaded, by media_id (media/get serves it). */
  readonly media: ClientMediaStore;
  private readonly state: KfState;
  private readonly server: ApiServer;
  private readonly guard: ApiGuard;
  private readonly channel: CallbackChannel;
  private readonly credentials: CallbackCredentials;
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(private readonly options: WecomKfSimulatorOptions) {
    this.clock = options.clock ?? systemClock;
    const tokens = new AccessTokenStore(
      this.clock,
      {
        missing: Errcode.MissingAccessToken,
        invalid: Errcode.InvalidAccessToken,
        expired: options.expiredTokenErrcode ?? Errcode.AccessTokenExpired,
      },
      options.accessTokenTtlSeconds,
    );
    this.log = new KfMessageLog(this.clock, options.sync);
    this.media = new ClientMediaStore(this.clock, MEDIA_GET_MAX_BYTES);
    this.guard = new ApiGuard(this.clock, options.rateLimits);
    this.channel = new CallbackChannel(options.callback.url, options.delivery);
    this.credentials = {
      token: options.callback.token,
      encodingAESKey: options.callback.encodingAESKey,
      receiveId: options.corpId,
    };
    this.state = {
      config: {
        corpId: options.corpId,
        corpSecret: options.corpSecret,
        openKfIds: options.openKfIds ?? ['wkSimulatorKf0000000000000000000'],
        servicers: options.servicers ?? [],
        budgetViolation: options.budgetViolation ?? 'errcode',
        duplicateMsgidErrcode: options.duplicateMsgidErrcode,
      },
      clock: this.clock,
      tokens,
      log: this.log,
      sessions: new KfSessions(),
      quota: new ReplyQuota(this.clock),
      codes: new OneTimeCodes<EventCode>(this.clock, options.eventCodeTtlMs ?? 20 * SECOND),
      sent: this.sent,
      sentByMsgid: new Map(),
      clients: new Set(),
      media: this.media,
      emitSystemEvent: (openKfId, event) => void this.track(this.simulateEvent(openKfId, event)),
    };
    this.server = new ApiServer(kfRoutes(this.state), { clock: this.clock, tokens, guard: this.guard });
  }

  static async start(options: WecomKfSimulatorOptions): Promise<WecomKfSimulator> {
    const sim = new WecomKfSimulator(options);
    await sim.server.listen(options.port ?? 0);
    return sim;
  }

  /** Base URL replacing https://qyapi.weixin.qq.com. */
  get url(): string {
    return this.server.url;
  }

  get openKfIds(): readonly string[] {
    return this.state.config.openKfIds;
  }

  /** Every API call served, with its answer. */
  get calls(): readonly ApiCall[] {
    return this.server.calls;
  }

  /** Every callback delivery (with its attempts). */
  get deliveries(): readonly DeliveryReport[] {
    return this.channel.deliveries;
  }

  setCallbackUrl(url: string | undefined): void {
    this.channel.url = url;
  }

  setDeliveryPolicy(policy: Partial<DeliveryPolicy>): void {
    this.channel.policy = { ...this.channel.policy, ...policy };
  }

  /** A client writes to a kf account: the message joins the sync_msg log, then kf_msg_or_event is called back. */
  async simulateClientMessage(input: KfClientMessageInput, delivery?: SendOptions): Promise<SimulatedKfEvent> {
    const openKfId = input.openKfId ?? this.defaultKfId();
    const msgtype = input.text !== undefined ? 'text' : (input.msgtype ?? 'text');
    const content =
      input.text !== undefined
        ? { content: input.text, ...(input.menuId ? { menu_id: input.menuId } : {}) }
        : (input.payload ?? this.defaultPayload(msgtype));
    const message: KfMessage = {
      msgid: input.msgid ?? clientMsgId(),
      open_kfid: openKfId,
      external_userid: input.externalUserId,
      send_time: this.nowSeconds(),
      origin: 3,
      msgtype,
      [msgtype]: content,
    };
    this.state.clients.add(clientKey(openKfId, input.externalUserId));
    this.state.sessions.onClientMessage(openKfId, input.externalUserId);
    this.state.quota.grant(clientKey(openKfId, input.externalUserId), 'message', KF_REPLY_GRANT.count, KF_REPLY_GRANT.ttlMs);
    return this.announce(openKfId, message, delivery);
  }

  /** A client sends an image, voice, video or file: uploaded under a new media_id (valid 3 days), then announced. */
  async simulateClientMedia(input: KfClientMediaInput, delivery?: SendOptions): Promise<SimulatedKfEvent & { mediaId: string }> {
    const sample = sampleMedia(input.kind);
    const mediaId = this.media.put({
      bytes: input.bytes ?? sample.bytes,
      contentType: input.contentType ?? (input.bytes ? undefined : sample.contentType),
      fileName: input.fileName ?? (input.bytes ? undefined : sample.fileName),
    });
    const event = await this.simulateClientMessage(
      {
        externalUserId: input.externalUserId,
        openKfId: input.openKfId,
        msgtype: input.kind,
        payload: { media_id: mediaId },
        msgid: input.msgid,
      },
      delivery,
    );
    return { ...event, mediaId };
  }

  /** The media_id is past its 3 days: media/get answers 40007 invalid media_id. */
  expireMedia(mediaId: string): void {
    this.media.expire(mediaId);
  }

  /** A client opens the chat (enter_session event), with a welcome_code valid 20 s for send_msg_on_event. */
  async simulateEnterSession(
    input: KfEnterSessionInput,
    delivery?: SendOptions,
  ): Promise<SimulatedKfEvent & { welcomeCode?: string }> {
    const openKfId = input.openKfId ?? this.defaultKfId();
    this.state.clients.add(clientKey(openKfId, input.externalUserId));
    const welcomeCode =
      input.withWelcomeCode === false ? undefined : this.state.codes.issue({ openKfId, externalUserId: input.externalUserId });
    const event = {
      event_type: 'enter_session',
      open_kfid: openKfId,
      external_userid: input.externalUserId,
      scene: input.scene ?? '',
      scene_param: input.sceneParam ?? '',
      ...(welcomeCode ? { welcome_code: welcomeCode } : {}),
    };
    return { ...(await this.simulateEvent(openKfId, event, delivery)), welcomeCode };
  }

  /** Any system event (origin 4): session_status_change, msg_send_fail, user_recall_msg… */
  async simulateEvent(openKfId: string, event: Record<string, unknown>, delivery?: SendOptions): Promise<SimulatedKfEvent> {
    const message: KfMessage = { msgid: clientMsgId(), send_time: this.nowSeconds(), origin: 4, msgtype: 'event', event };
    return this.announce(openKfId, message, delivery);
  }

  /** Calls back kf_msg_or_event again without a new message (what Tencent does when it re-notifies). */
  async notify(
    openKfId = this.defaultKfId(),
    delivery?: SendOptions,
  ): Promise<{ syncToken: string; deliveries: DeliveryReport[] }> {
    const { syncToken, callback } = this.buildCallback(openKfId);
    return { syncToken, deliveries: await this.channel.send(callback, delivery) };
  }

  /** Delivers a callback already sent once, byte for byte, `times` more times. */
  redeliver(callback: Omit<CallbackRequest, 'url'>, delivery?: SendOptions): Promise<DeliveryReport[]> {
    return this.channel.send(callback, delivery);
  }

  /**
   * The GET Tencent makes when the callback URL is saved: msg_signature, timestamp, nonce and an
   * encrypted echostr; the endpoint must answer the decrypted plaintext within 1 s. `rawPlus`
   * leaves '+' unencoded in the query, as Tencent sometimes does.
   */
  async verifyCallbackUrl(options: { rawPlus?: boolean } = {}): Promise<UrlVerification> {
    const expected = randomUint64AboveSafe();
    const sealed = sealCallback(this.credentials, expected, { timestamp: this.nowSeconds() });
    const query = {
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      echostr: sealed.encrypt,
    };
    const channel = new CallbackChannel(this.channel.url, {
      ...this.channel.policy,
      timeoutMs: Math.min(this.channel.policy.timeoutMs, 1000),
      maxAttempts: 1,
    });
    const [report] = await channel.send({ method: 'GET', query, body: '', contentType: '', rawPlus: options.rawPlus });
    if (!report) throw new Error('no callback URL configured');
    const last = report.attempts.at(-1);
    return { ok: last?.status === 200 && last.body === expected, expected, report };
  }

  getSession(openKfId: string, externalUserId: string): KfSession {
    return this.state.sessions.get(openKfId, externalUserId);
  }

  /** Sets a session state as a servicer would in the WeCom app (no transition rules). */
  setSession(openKfId: string, externalUserId: string, state: ServiceState, servicerUserId?: string): void {
    this.state.sessions.set(openKfId, externalUserId, state, servicerUserId);
  }

  /** Every issued access_token is now expired (answers 42001, or the configured code). */
  expireAccessTokens(): void {
    this.state.tokens.expireAll();
  }

  /** Every issued access_token is now unknown (answers 40014). */
  revokeAccessTokens(): void {
    this.state.tokens.revokeAll();
  }

  /** The next `count` calls (to one API path, or any) answer errcode -1 (system busy). */
  injectBusy(count = 1, api?: string): void {
    this.guard.injectBusy(count, api);
  }

  setRateLimits(limits: RateLimit[]): void {
    this.guard.setRateLimits(limits);
  }

  /** The next `count` sync_msg pages are empty with has_more = 1. */
  injectEmptySyncPages(count: number): void {
    this.log.injectEmptyPages(count);
  }

  /** Waits for callbacks started in the background (msg_send_fail events). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async stop(): Promise<void> {
    await this.settle();
    await this.server.close();
  }

  private async announce(openKfId: string, message: KfMessage, delivery?: SendOptions): Promise<SimulatedKfEvent> {
    this.log.append(message);
    const { syncToken, callback } = this.buildCallback(openKfId);
    const deliveries = await this.channel.send(callback, delivery);
    return { message, syncToken, callback, deliveries };
  }

  /** kf_msg_or_event carries no message, only a Token for sync_msg and the kf account. */
  private buildCallback(openKfId: string): { syncToken: string; callback: Omit<CallbackRequest, 'url'> } {
    const syncToken = this.log.issueToken();
    const createTime = this.nowSeconds();
    const event = toXml({
      ToUserName: this.options.corpId,
      CreateTime: createTime,
      MsgType: 'event',
      Event: 'kf_msg_or_event',
      Token: syncToken,
      OpenKfId: openKfId,
    });
    const sealed = sealCallback(this.credentials, event, { timestamp: createTime });
    const envelope = formatWireBody(this.options.callback.envelope ?? 'xml', {
      ToUserName: this.options.corpId,
      Encrypt: sealed.encrypt,
      AgentID: this.options.callback.agentId ?? '',
    });
    const query = { msg_signature: sealed.msgSignature, timestamp: sealed.timestamp, nonce: sealed.nonce };
    return { syncToken, callback: { method: 'POST', query, ...envelope } };
  }

  /** A media message without a payload carries a real sample file; other types a random media_id (no download). */
  private defaultPayload(msgtype: string): Record<string, unknown> {
    if (!MEDIA_MSGTYPES.includes(msgtype)) return { media_id: randomId(40) };
    return { media_id: this.media.put(sampleMedia(msgtype as ClientMediaKind)) };
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
  }

  private defaultKfId(): string {
    const id = this.state.config.openKfIds[0];
    if (!id) throw new Error('no open_kfid configured');
    return id;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}
