import {
  Errcode,
  HOUR,
  ManualClock,
  MiniProgramSimulator,
  MINUTE,
  SECOND,
  type MiniProgramSimulatorOptions,
  type PushMode,
} from '../src/simulators';
import { detectBodyFormat, parseBody, parseEncryptedEnvelope, type BodyObject } from '../src/wecom/body';
import { openCallback, verifyPlainSignature } from '../src/wecom/crypto';
import { postJson, type Json } from './support/api-client';
import { TestReceiver, type ReceivedRequest } from './support/receiver';

const APP_ID = 'wx5823bf96d3bd56c7';
const APP_SECRET = 'mp-app-secret';
const PUSH_TOKEN = 'QDG6eK';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const ORIGINAL_ID = 'gh_brokerage0001';
const OPENID = 'oLOkR5PG536EbZgd9WcCfGaLfoM8';
const BIG_MSGID = '9223372036854775807'; // 2^63 - 1, far above Number.MAX_SAFE_INTEGER

let receiver: TestReceiver;
let sim: MiniProgramSimulator;
let clock: ManualClock;

async function startSim(overrides: Partial<MiniProgramSimulatorOptions> = {}): Promise<MiniProgramSimulator> {
  clock = new ManualClock(Date.UTC(2025, 0, 6, 1, 30));
  sim = await MiniProgramSimulator.start({
    appId: APP_ID,
    appSecret: APP_SECRET,
    originalId: ORIGINAL_ID,
    push: { url: receiver.url('/mp/push'), token: PUSH_TOKEN, encodingAESKey: AES_KEY, mode: 'safe', format: 'json' },
    delivery: { timeoutMs: 2000 },
    clock,
    ...overrides,
  });
  return sim;
}

async function accessToken(extra: Record<string, unknown> = {}): Promise<string> {
  const r = await postJson(sim.url, '/cgi-bin/stable_token', undefined, {
    grant_type: 'client_credential',
    appid: APP_ID,
    secret: APP_SECRET,
    ...extra,
  });
  expect(r.errcode ?? 0).toBe(0);
  return r.access_token as string;
}

const send = (token: string, body: Record<string, unknown>): Promise<Json> =>
  postJson(sim.url, '/cgi-bin/message/custom/send', token, { touser: OPENID, ...body });
const sendText = (token: string, content: string) => send(token, { msgtype: 'text', text: { content } });
const typing = (token: string, command: string, path = 'typing') =>
  postJson(sim.url, `/cgi-bin/message/custom/${path}`, token, { touser: OPENID, command });

/** What our push endpoint does: check signatures, decrypt in safe mode (AppID as receive id), parse losslessly. */
function openPush(req: ReceivedRequest): BodyObject {
  const { signature, timestamp, nonce, msg_signature: msgSignature, encrypt_type: encryptType } = req.query;
  expect(verifyPlainSignature(PUSH_TOKEN, timestamp!, nonce!, signature!)).toBe(true);
  const format = detectBodyFormat(req.contentType, req.body);
  if (encryptType !== 'aes') return parseBody(req.body, format);
  const { encrypt } = parseEncryptedEnvelope(req.body, format);
  const plain = openCallback(
    { token: PUSH_TOKEN, encodingAESKey: AES_KEY, receiveId: APP_ID },
    { msgSignature: msgSignature!, timestamp: timestamp!, nonce: nonce!, encrypt },
  );
  return parseBody(plain, format);
}

beforeAll(async () => {
  receiver = await TestReceiver.start();
});
afterEach(async () => {
  await sim?.stop();
  receiver.reset();
});
afterAll(async () => {
  await receiver.close();
});

describe('stable_token and access_token enforcement', () => {
  it('checks grant_type, appid and secret; keeps the token stable; force_refresh rotates it', async () => {
    await startSim();
    const bad = (body: Record<string, unknown>) =>
      postJson(sim.url, '/cgi-bin/stable_token', undefined, {
        grant_type: 'client_credential',
        appid: APP_ID,
        secret: APP_SECRET,
        ...body,
      });
    expect((await bad({ grant_type: 'password' })).errcode).toBe(40002);
    expect((await bad({ appid: 'wxother' })).errcode).toBe(40013);
    expect((await bad({ secret: 'wrong' })).errcode).toBe(40125);
    const first = await bad({});
    expect(first).toMatchObject({ expires_in: 7200, access_token: expect.any(String) });
    expect(await accessToken()).toBe(first.access_token);
    const rotated = await accessToken({ force_refresh: true });
    expect(rotated).not.toBe(first.access_token);
    await sim.simulateClientMessage({ openId: OPENID, text: 'hi' });
    expect((await sendText(first.access_token as string, 'old token, grace period')).errcode).toBe(0);
    clock.advance(5 * MINUTE + SECOND);
    expect((await sendText(first.access_token as string, 'old token, after grace')).errcode).toBe(42001);
    expect((await sendText(rotated, 'new token')).errcode).toBe(0);
  });

  it('answers 41001 missing, 40001 invalid, 42001 expired, -1 busy and 45009', async () => {
    await startSim();
    await sim.simulateClientMessage({ openId: OPENID, text: 'hi' });
    expect((await postJson(sim.url, '/cgi-bin/message/custom/send', undefined, {})).errcode).toBe(41001);
    expect((await sendText('forged', 'x')).errcode).toBe(40001);
    const t = await accessToken();
    clock.advance(2 * HOUR);
    expect((await sendText(t, 'x')).errcode).toBe(42001);
    const t2 = await accessToken();
    sim.revokeAccessTokens();
    expect((await sendText(t2, 'x')).errcode).toBe(40001);
    const t3 = await accessToken();
    sim.injectBusy(1);
    expect((await sendText(t3, 'x')).errcode).toBe(-1);
    sim.setRateLimits([{ limit: 1, windowMs: MINUTE }]);
    expect((await sendText(t3, 'x')).errcode).toBe(0);
    expect((await sendText(t3, 'x')).errcode).toBe(45009);
  });
});

describe('message/custom/send windows', () => {
  it('allows 5 messages within 48 h after a client message (45047 beyond, 45015 after 48 h)', async () => {
    await startSim();
    const t = await accessToken();
    await sim.simulateEnterSession({ openId: 'oSomeoneElse' });
    expect((await send(t, { touser: 'oNeverSeen', msgtype: 'text', text: { content: 'x' } })).errcode).toBe(40003);
    await sim.simulateClientMessage({ openId: OPENID, text: '你好' });
    for (let i = 1; i <= 5; i++) expect((await sendText(t, `r${i}`)).errcode).toBe(0);
    expect((await sendText(t, 'r6')).errcode).toBe(Errcode.ReplyCountExceeded);
    await sim.simulateClientMessage({ openId: OPENID, text: '还在吗' });
    expect((await sendText(t, 'r6')).errcode).toBe(0);
    clock.advance(48 * HOUR + SECOND);
    expect((await sendText(await accessToken(), 'late')).errcode).toBe(Errcode.ReplyWindowExpired);
    expect(sim.sent).toHaveLength(6);
  });

  it('allows 2 messages within 1 min after the client enters the chat', async () => {
    await startSim();
    const t = await accessToken();
    await sim.simulateEnterSession({ openId: OPENID, sessionFrom: 'trade-app' });
    expect((await sendText(t, 'welcome 1')).errcode).toBe(0);
    expect((await sendText(t, 'welcome 2')).errcode).toBe(0);
    expect((await sendText(t, 'welcome 3')).errcode).toBe(45047);
    await sim.simulateEnterSession({ openId: OPENID });
    expect((await sendText(t, 'again 1')).errcode).toBe(0);
    clock.advance(MINUTE + SECOND);
    expect((await sendText(t, 'too late')).errcode).toBe(45015);
  });

  it('limits text to 2048 bytes and checks message types', async () => {
    await startSim();
    const t = await accessToken();
    await sim.simulateClientMessage({ openId: OPENID, text: 'hi' });
    expect((await sendText(t, 'a'.repeat(2049))).errcode).toBe(45002);
    expect((await send(t, { msgtype: 'video', video: {} })).errcode).toBe(40008);
    expect((await send(t, { msgtype: 'link', link: { title: 't' } })).errcode).toBe(40058);
    expect(
      (
        await send(t, {
          msgtype: 'miniprogrampage',
          miniprogrampage: { title: '开户', pagepath: 'pages/open', thumb_media_id: 'm1' },
        })
      ).errcode,
    ).toBe(0);
    expect(sim.sent[0]).toMatchObject({ touser: OPENID, msgtype: 'miniprogrampage' });
  });
});

describe('typing', () => {
  it.each(['typing', 'business/typing'])('is served on message/custom/%s with its limits (45072, 45081, 45080)', async (path) => {
    await startSim();
    const t = await accessToken();
    await sim.simulateClientMessage({ openId: OPENID, text: 'hi' });
    expect((await typing(t, 'Thinking', path)).errcode).toBe(45072);
    expect((await typing(t, 'Typing', path)).errcode).toBe(0);
    expect((await typing(t, 'Typing', path)).errcode).toBe(45081);
    expect((await typing(t, 'CancelTyping', path)).errcode).toBe(0);
    expect((await typing(t, 'Typing', path)).errcode).toBe(0);
    expect((await sendText(t, 'answer')).errcode).toBe(0); // a message ends the indicator
    expect((await typing(t, 'Typing', path)).errcode).toBe(0);
    clock.advance(31 * SECOND);
    expect((await typing(t, 'Typing', path)).errcode).toBe(45080);
    expect(sim.typing.map((c) => [c.command, c.path])).toEqual([
      ['Typing', `/cgi-bin/message/custom/${path}`],
      ['CancelTyping', `/cgi-bin/message/custom/${path}`],
      ['Typing', `/cgi-bin/message/custom/${path}`],
      ['Typing', `/cgi-bin/message/custom/${path}`],
    ]);
  });
});

describe('message push', () => {
  const modes: [PushMode, 'json' | 'xml'][] = [
    ['plain', 'json'],
    ['plain', 'xml'],
    ['safe', 'json'],
    ['safe', 'xml'],
    ['compat', 'json'],
    ['compat', 'xml'],
  ];

  it.each(modes)('pushes in %s mode as %s with a 64-bit MsgId kept exact', async (mode, format) => {
    await startSim({ push: { url: receiver.url('/mp/push'), token: PUSH_TOKEN, encodingAESKey: AES_KEY, mode, format } });
    const pushed = await sim.simulateClientMessage({ openId: OPENID, text: '请问<两融>利率是多少？', msgId: BIG_MSGID });
    expect(pushed.deliveries[0]!.delivered).toBe(true);
    const [req] = receiver.requests;
    expect(req!.contentType).toBe(format === 'json' ? 'application/json' : 'text/xml');
    expect(req!.query.openid).toBe(OPENID);
    expect(req!.query.encrypt_type).toBe(mode === 'plain' ? undefined : 'aes');
    if (mode !== 'safe') {
      // The MsgId goes on the wire as a bare 64-bit number, which JSON.parse would round.
      expect(req!.body).toContain(format === 'json' ? `"MsgId":${BIG_MSGID}` : `<MsgId>${BIG_MSGID}</MsgId>`);
    }
    const message = openPush(req!);
    expect(message).toEqual({
      ToUserName: ORIGINAL_ID,
      FromUserName: OPENID,
      CreateTime: String(Math.floor(clock.now() / 1000)),
      MsgType: 'text',
      Content: '请问<两融>利率是多少？',
      MsgId: BIG_MSGID,
    });
    expect(BigInt(message.MsgId as string)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
  });

  it('generates MsgIds above 2^53 and pushes other message types', async () => {
    await startSim();
    await sim.simulateClientMessage({ openId: OPENID, msgtype: 'image' });
    const image = openPush(receiver.requests[0]!);
    expect(image).toMatchObject({ MsgType: 'image', PicUrl: expect.any(String), MediaId: expect.any(String) });
    expect(BigInt(image.MsgId as string)).toBeGreaterThan(2n ** 53n);
  });

  it('pushes user_enter_tempsession events', async () => {
    await startSim({
      push: { url: receiver.url('/mp/push'), token: PUSH_TOKEN, encodingAESKey: AES_KEY, mode: 'safe', format: 'xml' },
    });
    await sim.simulateEnterSession({ openId: OPENID, sessionFrom: '{"page":"trade"}' });
    expect(openPush(receiver.requests[0]!)).toEqual({
      ToUserName: ORIGINAL_ID,
      FromUserName: OPENID,
      CreateTime: String(Math.floor(clock.now() / 1000)),
      MsgType: 'event',
      Event: 'user_enter_tempsession',
      SessionFrom: '{"page":"trade"}',
    });
  });

  it('takes only "success" or an empty body as received, retrying 3 times in total otherwise', async () => {
    await startSim();
    receiver.respond = () => ({ status: 200, body: 'ok' });
    const failed = await sim.simulateClientMessage({ openId: OPENID, text: 'hi' });
    expect(failed.deliveries[0]!.delivered).toBe(false);
    expect(receiver.requests).toHaveLength(3);
    receiver.reset();
    sim.setDeliveryPolicy({ timeoutMs: 1000 });
    receiver.respond = (_req, i) => (i === 0 ? 'hang' : { status: 200, body: 'success' });
    const retried = await sim.simulateClientMessage({ openId: OPENID, text: 'hi again' });
    expect(retried.deliveries[0]!.attempts.map((a) => a.error ?? a.body)).toEqual(['timeout', 'success']);
    await sim.redeliver(retried.callback, { times: 2 });
    expect(receiver.requests).toHaveLength(4);
    expect(new Set(receiver.requests.map((r) => `${r.rawQuery}|${r.body}`)).size).toBe(1);
  });

  it('verifies the push URL by echoing echostr', async () => {
    await startSim();
    receiver.respond = (req) => {
      const ok = verifyPlainSignature(PUSH_TOKEN, req.query.timestamp!, req.query.nonce!, req.query.signature!);
      return ok ? { status: 200, body: req.query.echostr } : { status: 403 };
    };
    expect((await sim.verifyPushUrl()).ok).toBe(true);
  });
});
