import { plainSignature, sealCallback } from '../wecom/crypto';
import { AccessTokenStore } from './access-tokens';
import { ApiGuard, type RateLimit } from './api-guard';
import { ApiServer, type ApiCall } from './api-server';
import { CallbackChannel, type SendOptions } from './callback-channel';
import { ClientMediaStore, sampleMedia, type ClientMediaInput } from './client-media';
import type { CallbackRequest, DeliveryPolicy, DeliveryReport } from './callback-sender';
import { SECOND, systemClock, type Clock } from './clock';
import { Errcode } from './errcodes';
import { randomId, randomUint64AboveSafe } from './ids';
import { MP_ENTER_GRANT, MP_MESSAGE_GRANT, mpRoutes, type MpSentMessage, type MpState, type MpTypingCall } from './mp-api';
import { ReplyQuota } from './reply-quota';
import { formatWireBody, type WireFields, type WireFormat } from './wire-body';

/** plain: signed plaintext; safe: encrypted (encrypt_type=aes); compat: plaintext fields plus Encrypt. */
export type PushMode = 'plain' | 'safe' | 'compat';

export interface MiniProgramSimulatorOptions {
  appId: string;
  appSecret: string;
  /** The mini-program's original id (gh_…): ToUserName of every push. */
  originalId?: string;
  /** Message push as configured in the mini-program admin console. */
  push: { url?: string; token: string; encodingAESKey?: string; mode?: PushMode; format?: WireFormat };
  /** Tencent's delivery: 5 s timeout, 3 attempts; a reply other than "" or "success" counts as failed. */
  delivery?: Partial<DeliveryPolicy>;
  clock?: Clock;
  port?: number;
  accessTokenTtlSeconds?: number;
  rateLimits?: RateLimit[];
  /** Typing needs a message exchange within this window (30 s). */
  typingWindowMs?: number;
}

export interface MpClientMessageInput {
  openId: string;
  /** A text message (MsgType text, Content). */
  text?: string;
  /** Any other MsgType (image, miniprogrampage…), its fields given in `fields`. */
  msgtype?: string;
  fields?: Record<string, string>;
  /** 64-bit decimal MsgId; default a random one above 2^53. */
  msgId?: string;
}

export interface MpClientImageInput extends Partial<ClientMediaInput> {
  openId: string;
  msgId?: string;
}

export interface MpPush {
  /** The message as Tencent composed it (before any encryption). */
  fields: WireFields;
  callback: Omit<CallbackRequest, 'url'>;
  deliveries: DeliveryReport[];
}

/**
 * Loopback simulator of the mini-program customer-service API (api.weixin.qq.com) and of its
 * message push to our URL, in plaintext, safe or compatible mode, JSON or XML.
 */
export class MiniProgramSimulator {
  readonly clock: Clock;
  readonly sent: MpSentMessage[] = [];
  readonly typing: MpTypingCall[] = [];
  readonly pushes: MpPush[] = [];
  /** Images clients sent, by MediaId (media/get serves them). */
  readonly media: ClientMediaStore;
  private readonly state: MpState;
  private readonly server: ApiServer;
  private readonly guard: ApiGuard;
  private readonly channel: CallbackChannel;
  private readonly originalId: string;

  private constructor(private readonly options: MiniProgramSimulatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.originalId = options.originalId ?? 'gh_simulator0001';
    if ((options.push.mode ?? 'plain') !== 'plain' && !options.push.encodingAESKey)
      throw new Error('safe and compat modes need push.encodingAESKey');
    const tokens = new AccessTokenStore(
      this.clock,
      { missing: Errcode.MissingAccessToken, invalid: Errcode.InvalidCredential, expired: Errcode.AccessTokenExpired },
      options.accessTokenTtlSeconds,
    );
    this.guard = new ApiGuard(this.clock, options.rateLimits);
    this.channel = new CallbackChannel(options.push.url, { accepts: acceptsPushReply, ...options.delivery });
    this.media = new ClientMediaStore(this.clock);
    this.state = {
      config: { appId: options.appId, appSecret: options.appSecret, typingWindowMs: options.typingWindowMs ?? 30 * SECOND },
      clock: this.clock,
      tokens,
      quota: new ReplyQuota(this.clock),
      sent: this.sent,
      typing: this.typing,
      clients: new Set(),
      lastInteraction: new Map(),
      typingUntil: new Map(),
      media: this.media,
    };
    this.server = new ApiServer(mpRoutes(this.state), { clock: this.clock, tokens, guard: this.guard });
  }

  static async start(options: MiniProgramSimulatorOptions): Promise<MiniProgramSimulator> {
    const sim = new MiniProgramSimulator(options);
    await sim.server.listen(options.port ?? 0);
    return sim;
  }

  /** Base URL replacing https://api.weixin.qq.com. */
  get url(): string {
    return this.server.url;
  }

  get calls(): readonly ApiCall[] {
    return this.server.calls;
  }

  get deliveries(): readonly DeliveryReport[] {
    return this.channel.deliveries;
  }

  setPushUrl(url: string | undefined): void {
    this.channel.url = url;
  }

  setDeliveryPolicy(policy: Partial<DeliveryPolicy>): void {
    this.channel.policy = { ...this.channel.policy, ...policy };
  }

  /** A client writes in the customer-service chat: opens 5 replies within 48 h, then pushes the message. */
  async simulateClientMessage(input: MpClientMessageInput, delivery?: SendOptions): Promise<MpPush> {
    const msgtype = input.text !== undefined ? 'text' : (input.msgtype ?? 'text');
    const content: WireFields =
      input.text !== undefined ? { Content: input.text } : { ...(input.fields ?? this.defaultFields(msgtype)) };
    this.touch(input.openId);
    this.state.quota.grant(input.openId, 'message', MP_MESSAGE_GRANT.count, MP_MESSAGE_GRANT.ttlMs);
    const fields: WireFields = {
      ToUserName: this.originalId,
      FromUserName: input.openId,
      CreateTime: this.nowSeconds(),
      MsgType: msgtype,
      ...content,
      MsgId: { bare: input.msgId ?? randomUint64AboveSafe() },
    };
    return this.push(input.openId, fields, delivery);
  }

  /** A client sends an image: uploaded under a new MediaId (valid 3 days, served by media/get), then pushed. */
  async simulateClientImage(input: MpClientImageInput, delivery?: SendOptions): Promise<MpPush & { mediaId: string }> {
    const sample = sampleMedia('image');
    const mediaId = this.media.put({
      bytes: input.bytes ?? sample.bytes,
      contentType: input.contentType ?? (input.bytes ? undefined : sample.contentType),
      fileName: input.fileName,
    });
    const push = await this.simulateClientMessage(
      { openId: input.openId, msgtype: 'image', fields: imageFields(mediaId), msgId: input.msgId },
      delivery,
    );
    return { ...push, mediaId };
  }

  /** The MediaId is past its 3 days: media/get answers 40007 invalid media_id. */
  expireMedia(mediaId: string): void {
    this.media.expire(mediaId);
  }

  /** A client opens the chat (user_enter_tempsession): opens 2 replies within 1 min. */
  async simulateEnterSession(input: { openId: string; sessionFrom?: string }, delivery?: SendOptions): Promise<MpPush> {
    this.touch(input.openId);
    this.state.quota.grant(input.openId, 'enter', MP_ENTER_GRANT.count, MP_ENTER_GRANT.ttlMs);
    const fields: WireFields = {
      ToUserName: this.originalId,
      FromUserName: input.openId,
      CreateTime: this.nowSeconds(),
      MsgType: 'event',
      Event: 'user_enter_tempsession',
      SessionFrom: input.sessionFrom ?? '',
    };
    return this.push(input.openId, fields, delivery);
  }

  /** Delivers a push already sent, byte for byte, again. */
  redeliver(callback: Omit<CallbackRequest, 'url'>, delivery?: SendOptions): Promise<DeliveryReport[]> {
    return this.channel.send(callback, delivery);
  }

  /** The GET made when the push URL is saved: 3-part signature; the endpoint must echo echostr unchanged. */
  async verifyPushUrl(): Promise<{ ok: boolean; expected: string; report: DeliveryReport }> {
    const timestamp = String(this.nowSeconds());
    const nonce = randomId(10);
    const expected = randomId(20);
    const query = { signature: plainSignature(this.options.push.token, timestamp, nonce), timestamp, nonce, echostr: expected };
    const channel = new CallbackChannel(this.channel.url, { ...this.channel.policy, accepts: undefined, maxAttempts: 1 });
    const [report] = await channel.send({ method: 'GET', query, body: '', contentType: '' });
    if (!report) throw new Error('no push URL configured');
    const last = report.attempts.at(-1);
    return { ok: last?.status === 200 && last.body === expected, expected, report };
  }

  expireAccessTokens(): void {
    this.state.tokens.expireAll();
  }

  /** Every token becomes unknown (answers 40001 "invalid credential"). */
  revokeAccessTokens(): void {
    this.state.tokens.revokeAll();
  }

  injectBusy(count = 1, api?: string): void {
    this.guard.injectBusy(count, api);
  }

  setRateLimits(limits: RateLimit[]): void {
    this.guard.setRateLimits(limits);
  }

  async stop(): Promise<void> {
    await this.server.close();
  }

  private touch(openId: string): void {
    this.state.clients.add(openId);
    this.state.lastInteraction.set(openId, this.clock.now());
  }

  private async push(openId: string, fields: WireFields, delivery?: SendOptions): Promise<MpPush> {
    const callback = this.buildPush(openId, fields);
    const pushed: MpPush = { fields, callback, deliveries: [] };
    this.pushes.push(pushed);
    pushed.deliveries = await this.channel.send(callback, delivery);
    return pushed;
  }

  private buildPush(openId: string, fields: WireFields): Omit<CallbackRequest, 'url'> {
    const { token, encodingAESKey, mode = 'plain', format = 'json' } = this.options.push;
    const timestamp = String(this.nowSeconds());
    const nonce = randomId(10);
    const query: Record<string, string> = {
      signature: plainSignature(token, timestamp, nonce),
      timestamp,
      nonce,
      openid: openId,
    };
    if (mode === 'plain') return { method: 'POST', query, ...formatWireBody(format, fields) };
    const inner = formatWireBody(format, fields).body;
    const sealed = sealCallback({ token, encodingAESKey: encodingAESKey!, receiveId: this.options.appId }, inner, {
      timestamp,
      nonce,
    });
    const outer: WireFields =
      mode === 'safe' ? { ToUserName: this.originalId, Encrypt: sealed.encrypt } : { ...fields, Encrypt: sealed.encrypt };
    return {
      method: 'POST',
      query: { ...query, encrypt_type: 'aes', msg_signature: sealed.msgSignature },
      ...formatWireBody(format, outer),
    };
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private defaultFields(msgtype: string): Record<string, string> {
    // An image without fields is a real sample picture, so that it can be downloaded.
    if (msgtype === 'image') return imageFields(this.media.put(sampleMedia('image')));
    if (msgtype === 'miniprogrampage')
      return {
        Title: 'simulated page',
        AppId: 'wxsimulated',
        PagePath: 'pages/index/index',
        ThumbUrl: '',
        ThumbMediaId: randomId(40),
      };
    return {};
  }
}

function imageFields(mediaId: string): Record<string, string> {
  return { PicUrl: `http://mmbiz.qpic.cn/simulated/${mediaId}/0`, MediaId: mediaId };
}

/** Tencent takes "success" or an empty body as received; anything else is a failed push. */
function acceptsPushReply(status: number, body: string): boolean {
  return status === 200 && (body.trim() === '' || body.trim() === 'success');
}
