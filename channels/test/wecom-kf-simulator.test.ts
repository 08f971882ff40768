import {
  DAY,
  Errcode,
  HOUR,
  ManualClock,
  MINUTE,
  SECOND,
  WecomKfSimulator,
  type KfMessage,
  type WecomKfSimulatorOptions,
} from '../src/simulators';
import { detectBodyFormat, parseEncryptedEnvelope, parseXmlBody, type BodyObject } from '../src/wecom/body';
import { openCallback, restoreBase64Plus } from '../src/wecom/crypto';
import { getJson, postJson, type Json } from './support/api-client';
import { TestReceiver, type ReceivedRequest } from './support/receiver';

const CORP = 'ww1436e0e65a779aee';
const SECRET = 'kf-corp-secret';
const TOKEN = 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo';
const AES_KEY = '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt';
const KF = 'wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q';
const KF2 = 'wkAJ2GCAAAsecondKfAccount000000';
const USER = 'wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw';

let receiver: TestReceiver;
let sim: WecomKfSimulator;
let clock: ManualClock;

async function startSim(overrides: Partial<WecomKfSimulatorOptions> = {}): Promise<WecomKfSimulator> {
  clock = new ManualClock(Date.UTC(2025, 0, 6, 1, 30));
  sim = await WecomKfSimulator.start({
    corpId: CORP,
    corpSecret: SECRET,
    openKfIds: [KF, KF2],
    servicers: ['zhangsan', 'lisi'],
    callback: { url: receiver.url('/wecom/callback'), token: TOKEN, encodingAESKey: AES_KEY },
    // Generous for answers that should arrive; retry tests shorten it.
    delivery: { timeoutMs: 2000 },
    clock,
    ...overrides,
  });
  return sim;
}

async function accessToken(): Promise<string> {
  const r = await getJson(sim.url, '/cgi-bin/gettoken', { corpid: CORP, corpsecret: SECRET });
  expect(r.errcode).toBe(0);
  return r.access_token as string;
}

const api = (path: string, token: string | undefined, body: unknown = {}): Promise<Json> =>
  postJson(sim.url, `/cgi-bin/kf/${path}`, token, body);

/** What our callback endpoint does: verify, decrypt with corpid as receive id, parse. */
function openKfCallback(req: ReceivedRequest): BodyObject {
  const envelope = parseEncryptedEnvelope(req.body, detectBodyFormat(req.contentType, req.body));
  const xml = openCallback(
    { token: TOKEN, encodingAESKey: AES_KEY, receiveId: CORP },
    {
      msgSignature: req.query.msg_signature!,
      timestamp: req.query.timestamp!,
      nonce: req.query.nonce!,
      encrypt: envelope.encrypt,
    },
  );
  return parseXmlBody(xml);
}

const text = (m: KfMessage) => (m.text as { content: string }).content;

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

describe('gettoken and access_token enforcement', () => {
  it('checks corpid and corpsecret and returns a cached 7200 s token', async () => {
    await startSim();
    expect((await getJson(sim.url, '/cgi-bin/gettoken', { corpsecret: SECRET })).errcode).toBe(41002);
    expect((await getJson(sim.url, '/cgi-bin/gettoken', { corpid: CORP })).errcode).toBe(41004);
    expect((await getJson(sim.url, '/cgi-bin/gettoken', { corpid: 'wwother', corpsecret: SECRET })).errcode).toBe(40013);
    expect((await getJson(sim.url, '/cgi-bin/gettoken', { corpid: CORP, corpsecret: 'wrong' })).errcode).toBe(40001);
    const first = await getJson(sim.url, '/cgi-bin/gettoken', { corpid: CORP, corpsecret: SECRET });
    expect(first).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    clock.advance(HOUR);
    const again = await getJson(sim.url, '/cgi-bin/gettoken', { corpid: CORP, corpsecret: SECRET });
    expect(again).toMatchObject({ access_token: first.access_token, expires_in: 3600 });
  });

  it('answers 41001 missing, 40014 invalid, 42001 expired; a new token works after expiry', async () => {
    await startSim();
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    expect((await api('sync_msg', undefined)).errcode).toBe(41001);
    expect((await api('sync_msg', 'forged-token')).errcode).toBe(40014);
    const old = await accessToken();
    expect((await api('sync_msg', old)).errcode).toBe(0);
    clock.advance(7200 * SECOND);
    expect((await api('sync_msg', old)).errcode).toBe(42001);
    const fresh = await accessToken();
    expect(fresh).not.toBe(old);
    expect((await api('sync_msg', fresh)).errcode).toBe(0);
    sim.expireAccessTokens();
    expect((await api('sync_msg', fresh)).errcode).toBe(42001);
    sim.revokeAccessTokens();
    expect((await api('sync_msg', fresh)).errcode).toBe(40014);
  });

  it('can answer an expired token with 40014, the other reading of WECOM.md', async () => {
    await startSim({ expiredTokenErrcode: 40014 });
    const t = await accessToken();
    clock.advance(2 * HOUR);
    expect((await api('sync_msg', t)).errcode).toBe(40014);
  });

  it('injects -1 system busy and enforces a configurable rate limit with 45009', async () => {
    await startSim();
    const t = await accessToken();
    sim.injectBusy(2, '/cgi-bin/kf/sync_msg');
    expect((await api('service_state/get', t, { open_kfid: KF, external_userid: USER })).errcode).toBe(40096); // other APIs unaffected
    expect((await api('sync_msg', t)).errcode).toBe(-1);
    expect((await api('sync_msg', t)).errcode).toBe(-1);
    expect((await api('sync_msg', t)).errcode).toBe(0);
    sim.setRateLimits([{ limit: 2, windowMs: MINUTE }]);
    expect((await api('sync_msg', t)).errcode).toBe(0);
    expect((await api('sync_msg', t)).errcode).toBe(0);
    expect((await api('sync_msg', t)).errcode).toBe(45009);
    clock.advance(MINUTE);
    expect((await api('sync_msg', t)).errcode).toBe(0);
  });
});

describe('client messages, callbacks and sync_msg', () => {
  it('calls back an encrypted kf_msg_or_event that our crypto opens, and sync_msg returns the message', async () => {
    await startSim();
    const sent = await sim.simulateClientMessage({ externalUserId: USER, text: '你好，怎么开通创业板？' });
    expect(sent.deliveries).toHaveLength(1);
    expect(sent.deliveries[0]!.delivered).toBe(true);
    const [req] = receiver.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/wecom/callback', contentType: 'text/xml' });
    expect(Object.keys(req!.query).sort()).toEqual(['msg_signature', 'nonce', 'timestamp']);
    expect(req!.body).toMatch(
      /^<xml><ToUserName><!\[CDATA\[ww1436e0e65a779aee]]><\/ToUserName><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+]]><\/Encrypt><AgentID>/,
    );
    const event = openKfCallback(req!);
    expect(event).toEqual({
      ToUserName: CORP,
      CreateTime: String(Math.floor(clock.now() / 1000)),
      MsgType: 'event',
      Event: 'kf_msg_or_event',
      Token: sent.syncToken,
      OpenKfId: KF,
    });

    const t = await accessToken();
    const page = await api('sync_msg', t, { token: event.Token, open_kfid: KF, limit: 1000 });
    expect(page).toMatchObject({ errcode: 0, has_more: 0 });
    const list = page.msg_list as KfMessage[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      msgid: sent.message.msgid,
      open_kfid: KF,
      external_userid: USER,
      origin: 3,
      msgtype: 'text',
      send_time: Math.floor(clock.now() / 1000),
    });
    expect(text(list[0]!)).toBe('你好，怎么开通创业板？');
  });

  it('supports the JSON envelope variant and other message types', async () => {
    await startSim({
      callback: { url: receiver.url(), token: TOKEN, encodingAESKey: AES_KEY, envelope: 'json', agentId: '1000002' },
    });
    await sim.simulateClientMessage({
      externalUserId: USER,
      msgtype: 'location',
      payload: { latitude: 31.23, longitude: 121.47, name: '陆家嘴', address: '上海' },
    });
    const [req] = receiver.requests;
    expect(req!.contentType).toBe('application/json');
    expect(JSON.parse(req!.body)).toMatchObject({ ToUserName: CORP, AgentID: '1000002' });
    expect(openKfCallback(req!).Event).toBe('kf_msg_or_event');
    const page = await api('sync_msg', await accessToken(), {});
    expect((page.msg_list as KfMessage[])[0]).toMatchObject({ msgtype: 'location', location: { name: '陆家嘴' } });
    await sim.simulateClientMessage({ externalUserId: USER, text: '1', menuId: '101' });
    const next = await api('sync_msg', await accessToken(), { cursor: page.next_cursor });
    expect((next.msg_list as KfMessage[])[0]!.text).toEqual({ content: '1', menu_id: '101' });
  });

  it('pages with limit, has_more and next_cursor; never returns what we sent', async () => {
    await startSim();
    for (let i = 1; i <= 5; i++) await sim.simulateClientMessage({ externalUserId: USER, text: `m${i}` });
    await sim.simulateClientMessage({ externalUserId: 'wmOtherKfUser', openKfId: KF2, text: 'other account' });
    const t = await accessToken();
    expect(
      (await api('send_msg', t, { touser: USER, open_kfid: KF, msgtype: 'text', text: { content: 'bot reply' } })).errcode,
    ).toBe(0);

    const seen: string[] = [];
    const hasMore: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = await api('sync_msg', t, { cursor, limit: 2, open_kfid: KF });
      expect(page.errcode).toBe(0);
      seen.push(...(page.msg_list as KfMessage[]).map(text));
      hasMore.push(page.has_more);
      cursor = page.next_cursor as string;
      if (page.has_more !== 1) break;
    } while (hasMore.length < 10);
    expect(seen).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(hasMore).toEqual([1, 1, 0]);

    // The persisted cursor resumes after the last message read.
    expect((await api('sync_msg', t, { cursor, open_kfid: KF })).msg_list).toEqual([]);
    await sim.simulateClientMessage({ externalUserId: USER, text: 'm6' });
    expect(((await api('sync_msg', t, { cursor, open_kfid: KF })).msg_list as KfMessage[]).map(text)).toEqual(['m6']);
    // Without open_kfid every account's messages are returned.
    expect(((await api('sync_msg', t, {})).msg_list as KfMessage[]).map(text)).toEqual([
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
      'other account',
      'm6',
    ]);
  });

  it('may return empty pages with has_more = 1 and fewer items than the limit', async () => {
    await startSim({ sync: { maxPageSize: 2 } });
    for (let i = 1; i <= 3; i++) await sim.simulateClientMessage({ externalUserId: USER, text: `m${i}` });
    const t = await accessToken();
    sim.injectEmptySyncPages(1);
    const empty = await api('sync_msg', t, { limit: 1000 });
    expect(empty).toMatchObject({ errcode: 0, has_more: 1, msg_list: [] });
    const first = await api('sync_msg', t, { cursor: empty.next_cursor, limit: 1000 });
    expect((first.msg_list as KfMessage[]).map(text)).toEqual(['m1', 'm2']);
    expect(first.has_more).toBe(1);
    const second = await api('sync_msg', t, { cursor: first.next_cursor, limit: 1000 });
    expect(second).toMatchObject({ has_more: 0 });
    expect((second.msg_list as KfMessage[]).map(text)).toEqual(['m3']);
  });

  it('rejects an expired or unknown callback Token (95007), bad limits and cursors (40058), unknown kf (95000)', async () => {
    await startSim();
    const { syncToken } = await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    const t = await accessToken();
    expect((await api('sync_msg', t, { token: syncToken })).errcode).toBe(0);
    expect((await api('sync_msg', t, { token: 'ENCnotissued' })).errcode).toBe(Errcode.KfInvalidMsgToken);
    clock.advance(10 * MINUTE + SECOND);
    expect((await api('sync_msg', t, { token: syncToken })).errcode).toBe(Errcode.KfInvalidMsgToken);
    expect((await api('sync_msg', t, {})).errcode).toBe(0); // the token is optional
    const renotified = await sim.notify(KF);
    expect(openKfCallback(receiver.requests.at(-1)!).Token).toBe(renotified.syncToken);
    expect((await api('sync_msg', t, { token: renotified.syncToken })).errcode).toBe(0);
    expect((await api('sync_msg', t, { limit: 0 })).errcode).toBe(40058);
    expect((await api('sync_msg', t, { limit: 1001 })).errcode).toBe(40058);
    expect((await api('sync_msg', t, { cursor: 'not-a-cursor' })).errcode).toBe(40058);
    expect((await api('sync_msg', t, { open_kfid: 'wkUnknown' })).errcode).toBe(95000);
  });

  it('only reads the last 3 days', async () => {
    await startSim();
    await sim.simulateClientMessage({ externalUserId: USER, text: 'old' });
    clock.advance(3 * DAY + SECOND);
    await sim.simulateClientMessage({ externalUserId: USER, text: 'new' });
    expect(((await api('sync_msg', await accessToken(), {})).msg_list as KfMessage[]).map(text)).toEqual(['new']);
  });
});

describe('send_msg rules', () => {
  const textMsg = (content: string, extra: Record<string, unknown> = {}) => ({
    touser: USER,
    open_kfid: KF,
    msgtype: 'text',
    text: { content },
    ...extra,
  });

  it('allows 5 messages within 48 h after the client last wrote; a new client message resets the budget', async () => {
    await startSim();
    const t = await accessToken();
    expect((await api('send_msg', t, textMsg('before any message'))).errcode).toBe(40096);
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    for (let i = 1; i <= 5; i++) expect((await api('send_msg', t, textMsg(`r${i}`))).errcode).toBe(0);
    expect((await api('send_msg', t, textMsg('r6'))).errcode).toBe(Errcode.KfSendCountLimit);
    await sim.simulateClientMessage({ externalUserId: USER, text: 'again' });
    expect((await api('send_msg', t, textMsg('r6'))).errcode).toBe(0);
    clock.advance(48 * HOUR + SECOND);
    expect((await api('send_msg', await accessToken(), textMsg('late'))).errcode).toBe(Errcode.KfSendTimeLimit);
    expect(sim.sent.map((s) => (s.body.text as { content: string }).content)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('can report budget violations as msg_send_fail events instead (fail_type 6 and 4)', async () => {
    await startSim({ budgetViolation: 'event' });
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    const t = await accessToken();
    for (let i = 1; i <= 5; i++) await api('send_msg', t, textMsg(`r${i}`));
    const over = await api('send_msg', t, textMsg('r6', { msgid: 'over_budget_1' }));
    expect(over).toMatchObject({ errcode: 0, msgid: 'over_budget_1' });
    await sim.settle();
    expect(receiver.requests).toHaveLength(2); // the client message, then the failure event
    const page = await api('sync_msg', t, { token: openKfCallback(receiver.requests[1]!).Token });
    const failure = (page.msg_list as KfMessage[]).find((m) => m.msgtype === 'event');
    expect(failure).toMatchObject({
      origin: 4,
      event: { event_type: 'msg_send_fail', fail_msgid: 'over_budget_1', fail_type: 6, external_userid: USER },
    });
    clock.advance(49 * HOUR);
    const t2 = await accessToken();
    expect((await api('send_msg', t2, textMsg('late', { msgid: 'too_late_1' }))).errcode).toBe(0);
    await sim.settle();
    const later = await api('sync_msg', t2, { cursor: page.next_cursor });
    expect((later.msg_list as KfMessage[])[0]).toMatchObject({
      event: { event_type: 'msg_send_fail', fail_msgid: 'too_late_1', fail_type: 4 },
    });
    expect(sim.sent).toHaveLength(5);
  });

  it('answers 95018 outside session states 0 and 1', async () => {
    await startSim();
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    const t = await accessToken();
    expect(sim.getSession(KF, USER).state).toBe(0);
    expect((await api('send_msg', t, textMsg('in state 0'))).errcode).toBe(0);
    expect((await api('service_state/trans', t, { open_kfid: KF, external_userid: USER, service_state: 1 })).errcode).toBe(0);
    expect((await api('send_msg', t, textMsg('in state 1'))).errcode).toBe(0);
    expect((await api('service_state/trans', t, { open_kfid: KF, external_userid: USER, service_state: 2 })).errcode).toBe(0);
    expect((await api('send_msg', t, textMsg('in state 2'))).errcode).toBe(95018);
    sim.setSession(KF, USER, 3, 'zhangsan');
    expect((await api('send_msg', t, textMsg('in state 3'))).errcode).toBe(95018);
    sim.setSession(KF, USER, 4);
    expect((await api('send_msg', t, textMsg('in state 4'))).errcode).toBe(95018);
    expect(sim.sent).toHaveLength(2);
  });

  it('uses msgid as an idempotency key and validates its format', async () => {
    await startSim();
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    const t = await accessToken();
    expect((await api('send_msg', t, textMsg('x', { msgid: 'a'.repeat(33) }))).errcode).toBe(40058);
    expect((await api('send_msg', t, textMsg('x', { msgid: 'has space' }))).errcode).toBe(40058);
    expect((await api('send_msg', t, textMsg('x', { msgid: '中文' }))).errcode).toBe(40058);
    const first = await api('send_msg', t, textMsg('once', { msgid: 'reply-01_ABC' }));
    const retry = await api('send_msg', t, textMsg('once', { msgid: 'reply-01_ABC' }));
    expect(first).toEqual({ errcode: 0, errmsg: 'ok', msgid: 'reply-01_ABC' });
    expect(retry).toEqual(first);
    expect(sim.sent).toHaveLength(1);
    // The replay did not use the budget: 4 more messages fit.
    for (let i = 0; i < 4; i++) expect((await api('send_msg', t, textMsg(`n${i}`))).errcode).toBe(0);
    expect((await api('send_msg', t, textMsg('n4'))).errcode).toBe(95001);
    // A generated msgid is returned when none is given.
    expect(sim.sent[1]!.msgid).toMatch(/^[0-9a-zA-Z_-]{1,32}$/);
  });

  it('can answer a repeated msgid with an errcode instead', async () => {
    await startSim({ duplicateMsgidErrcode: 40058 });
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    const t = await accessToken();
    expect((await api('send_msg', t, textMsg('once', { msgid: 'dup1' }))).errcode).toBe(0);
    expect((await api('send_msg', t, textMsg('once', { msgid: 'dup1' }))).errcode).toBe(40058);
    expect(sim.sent).toHaveLength(1);
  });

  it('limits text to 2048 bytes and checks message types', async () => {
    await startSim();
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    const t = await accessToken();
    expect((await api('send_msg', t, textMsg('好'.repeat(683)))).errcode).toBe(45002); // 2049 bytes
    expect((await api('send_msg', t, textMsg(`${'好'.repeat(682)}12`))).errcode).toBe(0); // 2048 bytes
    expect((await api('send_msg', t, textMsg(''))).errcode).toBe(44004);
    expect((await api('send_msg', t, { touser: USER, open_kfid: KF, msgtype: 'bogus' })).errcode).toBe(40008);
    const menu = (n: number) => ({
      head_content: '请选择',
      list: Array.from({ length: n }, (_, i) => ({ type: 'click', click: { id: `${i}`, content: `选项${i}` } })),
    });
    expect((await api('send_msg', t, { touser: USER, open_kfid: KF, msgtype: 'msgmenu', msgmenu: menu(11) })).errcode).toBe(
      40058,
    );
    expect((await api('send_msg', t, { touser: USER, open_kfid: KF, msgtype: 'msgmenu', msgmenu: menu(10) })).errcode).toBe(0);
    expect(
      (await api('send_msg', t, { touser: USER, open_kfid: 'wkUnknown', msgtype: 'text', text: { content: 'x' } })).errcode,
    ).toBe(95000);
  });
});

describe('service_state', () => {
  it('follows the documented transitions and returns msg_code on hand-over', async () => {
    await startSim();
    const t = await accessToken();
    const trans = (service_state: number, servicer_userid?: string) =>
      api('service_state/trans', t, { open_kfid: KF, external_userid: USER, service_state, servicer_userid });
    const get = () => api('service_state/get', t, { open_kfid: KF, external_userid: USER });
    await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    expect(await get()).toEqual({ errcode: 0, errmsg: 'ok', service_state: 0 });
    expect((await trans(1)).errcode).toBe(0);
    expect((await trans(0)).errcode).toBe(95016);
    expect((await trans(3)).errcode).toBe(95014);
    expect((await trans(3, 'stranger')).errcode).toBe(95014);
    const handover = await trans(3, 'zhangsan');
    expect(handover).toMatchObject({ errcode: 0, msg_code: expect.any(String) });
    expect(await get()).toMatchObject({ service_state: 3, servicer_userid: 'zhangsan' });
    expect((await trans(1)).errcode).toBe(95016);
    expect((await trans(3, 'lisi')).errcode).toBe(0); // transfer to another servicer
    expect((await trans(4)).errcode).toBe(0);
    expect((await trans(1)).errcode).toBe(95016); // an ended session only reopens when the client writes
    await sim.simulateClientMessage({ externalUserId: USER, text: 'back again' });
    expect((await get()).service_state).toBe(0);
    expect((await trans(9)).errcode).toBe(40058);

    // msg_code from the hand-over sends one message in any state.
    const notice = await api('send_msg_on_event', t, {
      code: handover.msg_code,
      msgtype: 'text',
      text: { content: '已为您转接人工客服' },
    });
    expect(notice.errcode).toBe(0);
    expect(sim.sent.at(-1)).toMatchObject({ via: 'send_msg_on_event', touser: USER, open_kfid: KF });
  });
});

describe('enter_session and welcome_code', () => {
  it('delivers enter_session with a welcome_code usable once within 20 s', async () => {
    await startSim();
    const entered = await sim.simulateEnterSession({ externalUserId: USER, scene: 'app', sceneParam: 'from=trade' });
    expect(entered.deliveries[0]!.delivered).toBe(true);
    const t = await accessToken();
    const page = await api('sync_msg', t, { token: openKfCallback(receiver.requests[0]!).Token, open_kfid: KF });
    const event = (page.msg_list as KfMessage[])[0]!;
    expect(event).toMatchObject({
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'enter_session', open_kfid: KF, external_userid: USER, scene: 'app', scene_param: 'from=trade' },
    });
    const code = (event.event as { welcome_code: string }).welcome_code;
    expect(code).toBe(entered.welcomeCode);

    const welcome = { code, msgtype: 'text', text: { content: '您好，我是智能客服' } };
    expect((await api('send_msg_on_event', t, { ...welcome, msgtype: 'image', image: { media_id: 'x' } })).errcode).toBe(40008);
    expect(await api('send_msg_on_event', t, { ...welcome, msgid: 'welcome_1' })).toEqual({
      errcode: 0,
      errmsg: 'ok',
      msgid: 'welcome_1',
    });
    expect(await api('send_msg_on_event', t, { ...welcome, msgid: 'welcome_1' })).toEqual({
      errcode: 0,
      errmsg: 'ok',
      msgid: 'welcome_1',
    }); // idempotent replay
    expect(await api('send_msg_on_event', t, welcome)).toMatchObject({ errcode: 40058, errmsg: 'code already used' });
    expect(sim.sent).toHaveLength(1);
  });

  it('expires the welcome_code after 20 s', async () => {
    await startSim();
    const { welcomeCode } = await sim.simulateEnterSession({ externalUserId: USER });
    const t = await accessToken();
    clock.advance(20 * SECOND);
    expect(await api('send_msg_on_event', t, { code: welcomeCode, msgtype: 'text', text: { content: '您好' } })).toMatchObject({
      errcode: 40058,
      errmsg: 'code expired',
    });
    expect(await api('send_msg_on_event', t, { code: 'never-issued', msgtype: 'text', text: { content: '您好' } })).toMatchObject(
      { errcode: 40058, errmsg: 'invalid code' },
    );
    // Entering alone opens no session (state 4): send_msg needs a client message first.
    expect((await api('send_msg', t, { touser: USER, open_kfid: KF, msgtype: 'text', text: { content: 'x' } })).errcode).toBe(
      95018,
    );
  });
});

describe('callback delivery like Tencent', () => {
  it('retries 3 times in total when the receiver never answers within the timeout', async () => {
    await startSim();
    sim.setDeliveryPolicy({ timeoutMs: 300 });
    receiver.respond = () => 'hang';
    const started = Date.now();
    const { deliveries } = await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 300);
    expect(deliveries[0]!.delivered).toBe(false);
    expect(deliveries[0]!.attempts.map((a) => a.error)).toEqual(['timeout', 'timeout', 'timeout']);
    expect(receiver.requests).toHaveLength(3);
    // Every attempt is the same request: same signature, nonce and body.
    expect(new Set(receiver.requests.map((r) => `${r.rawQuery}|${r.body}`)).size).toBe(1);
  });

  it('retries on a slow answer and on non-200 statuses, and stops at the first 200', async () => {
    await startSim();
    sim.setDeliveryPolicy({ timeoutMs: 1000 });
    receiver.respond = (_req, i) => (i === 0 ? { status: 200, delayMs: 2500 } : i === 1 ? { status: 503 } : { status: 200 });
    const { deliveries } = await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' });
    expect(deliveries[0]!.attempts.map((a) => [a.status, a.error, a.accepted])).toEqual([
      [undefined, 'timeout', false],
      [503, undefined, false],
      [200, undefined, true],
    ]);
    expect(deliveries[0]!.delivered).toBe(true);
    expect(receiver.requests).toHaveLength(3);
  });

  it('delivers the same callback N times on purpose, sequentially or concurrently', async () => {
    await startSim();
    const { callback } = await sim.simulateClientMessage({ externalUserId: USER, text: 'hi' }, { times: 3 });
    expect(receiver.requests).toHaveLength(3);
    await sim.redeliver(callback, { times: 4, parallel: true });
    expect(receiver.requests).toHaveLength(7);
    expect(new Set(receiver.requests.map((r) => `${r.rawQuery}|${r.body}`)).size).toBe(1);
    expect(sim.deliveries.every((d) => d.delivered)).toBe(true);
    // Each copy still opens: the receiver de-duplicates on the message, not on transport.
    expect(openKfCallback(receiver.requests[6]!).Event).toBe('kf_msg_or_event');
  });

  it('verifies the callback URL with an encrypted echostr, also when "+" arrives unencoded', async () => {
    await startSim();
    receiver.respond = (req) => ({
      status: 200,
      body: openCallback(
        { token: TOKEN, encodingAESKey: AES_KEY, receiveId: CORP },
        {
          msgSignature: req.query.msg_signature!,
          timestamp: req.query.timestamp!,
          nonce: req.query.nonce!,
          encrypt: restoreBase64Plus(req.query.echostr!),
        },
      ),
    });
    const result = await sim.verifyCallbackUrl();
    expect(result.ok).toBe(true);
    expect(result.expected).toMatch(/^\d+$/);
    let sawRawPlus = false;
    for (let i = 0; i < 30 && !sawRawPlus; i++) {
      const raw = await sim.verifyCallbackUrl({ rawPlus: true });
      expect(raw.ok).toBe(true);
      sawRawPlus = /echostr=[^&]*\+/.test(receiver.requests.at(-1)!.rawQuery);
    }
    expect(sawRawPlus).toBe(true);
  });
});
