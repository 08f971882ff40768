import { plainSignature, sealCallback } from '@brokerbot/channels/src/wecom/crypto';
import { connect, emitAck, loginAdvisor, nextEvent } from '../support/test-system';
import { settled, startMpSystem, waitFor, type MpTestSystem } from './miniprogram-harness';

const BIG_MSGID = '9223372036854775807'; // 2^63 - 1: far above Number.MAX_SAFE_INTEGER
const content = (body: Record<string, unknown>) => (body.text as { content: string } | undefined)?.content ?? '';

describe('mini-program channel in safe mode, JSON', () => {
  let t: MpTestSystem;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    t = await startMpSystem({ mode: 'safe', format: 'json' });
  });
  afterAll(async () => {
    await t.stop();
  });

  const sentTo = (openId: string) => t.sim.sent.filter((s) => s.touser === openId);

  it('answers URL verification by echoing echostr', async () => {
    expect((await t.sim.verifyPushUrl()).ok).toBe(true);
  });

  it('round-trips a message with a 64-bit MsgId: stored exactly once, answered once, with typing while the bot works', async () => {
    const openId = 'oSafeJson0000000000000000001';
    const push = await t.sim.simulateClientMessage({ openId, text: '交易时间是几点？', msgId: BIG_MSGID }, { times: 2 });
    for (const d of push.deliveries) expect(d.attempts.at(-1)).toMatchObject({ status: 200, body: 'success' });
    // The body on the wire carries the MsgId as a bare JSON number.
    expect(push.callback.body).not.toContain(`"${BIG_MSGID}"`);
    await t.sim.redeliver(push.callback, { times: 2, parallel: true });

    const [reply] = await waitFor(() => (sentTo(openId).length ? sentTo(openId) : null), 'the reply');
    await settled(t.sys);
    expect(sentTo(openId)).toHaveLength(1);
    expect(content(reply!.body)).toContain('9:30');
    const stored = await t.sys.services.db.Message.find({ channel: 'miniprogram', direction: 'in' }).lean();
    expect(stored.map((m) => m.channelMessageId)).toEqual([BIG_MSGID]);
    expect(stored[0]).toMatchObject({ text: '交易时间是几点？', status: 'handled' });
    // "对方正在输入" was shown when the bot's turn started, before the reply.
    const typing = t.sim.typing.filter((c) => c.touser === openId);
    expect(typing[0]).toMatchObject({ command: 'Typing' });
    expect(typing[0]!.at).toBeLessThanOrEqual(reply!.at);
  });

  it('welcomes a client entering the chat within the 2-per-minute allowance', async () => {
    const openId = 'oSafeJson0000000000000000002';
    await t.sim.simulateEnterSession({ openId });
    const [welcome] = await waitFor(() => (sentTo(openId).length ? sentTo(openId) : null), 'the welcome');
    expect(content(welcome!.body)).toContain('欢迎');
    // The same event pushed again greets nobody twice.
    await t.sim.redeliver(t.sim.pushes.at(-1)!.callback);
    await settled(t.sys);
    expect(sentTo(openId)).toHaveLength(1);
  });

  it('stores an image as [图片] and tells the client the bot reads text only', async () => {
    const openId = 'oSafeJson0000000000000000003';
    await t.sim.simulateClientMessage({ openId, msgtype: 'image' });
    const [ack] = await waitFor(() => (sentTo(openId).length ? sentTo(openId) : null), 'the acknowledgement');
    expect(content(ack!.body)).toContain('只能阅读文字');
    const stored = await t.sys.services.db.Message.findOne({ channel: 'miniprogram', 'author.id': openId }).lean();
    expect(stored).toMatchObject({
      text: '[图片]',
      status: 'handled',
      meta: { channel: { msgtype: 'image', item: { MsgType: 'image' } } },
    });
  });

  it('shows the advisor typing to the client of an escalated chat', async () => {
    const openId = 'oSafeJson0000000000000000004';
    await t.sys.services.db.Customer.updateOne(
      { _id: 'C2001' },
      { $push: { identities: { channel: 'miniprogram', externalId: openId } } },
    );
    const { token } = await loginAdvisor(t.sys.url, 'zhang.min');
    const advisor = await connect(t.sys.url, '/advisor', { token });
    try {
      const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
      await t.sim.simulateClientMessage({ openId, text: '转人工' });
      const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string } }>(advisor, 'chat:accept', {
        handoffId: (await offer).handoffId,
      });
      const conversationId = accepted.chat.conversationId;
      await waitFor(() => sentTo(openId).length === 2, 'the bot notice and the joining notice');
      expect(await emitAck(advisor, 'chat:typing', { conversationId, typing: true })).toEqual({ ok: true, supported: true });
      expect(await emitAck(advisor, 'chat:typing', { conversationId, typing: false })).toEqual({ ok: true, supported: true });
      const commands = t.sim.typing.filter((c) => c.touser === openId && c.at >= sentTo(openId)[1]!.at).map((c) => c.command);
      expect(commands).toEqual(['Typing', 'CancelTyping']);
      // Only the chat's owner may do that.
      const { token: other } = await loginAdvisor(t.sys.url, 'chen.jie');
      const stranger = await connect(t.sys.url, '/advisor', { token: other });
      expect(await emitAck(stranger, 'chat:typing', { conversationId, typing: true })).toMatchObject({
        ok: false,
        error: 'not_owner',
      });
      stranger.disconnect();
      // The advisor's reply reaches the client through message/custom/send.
      await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'mp1', text: '您好，我是您的顾问' });
      await waitFor(() => sentTo(openId).some((s) => content(s.body) === '您好，我是您的顾问'), 'the advisor reply');
    } finally {
      advisor.disconnect();
    }
  });

  it('refuses forged, downgraded and malformed pushes with a reason, storing nothing', async () => {
    const { db } = t.sys.services;
    await settled(t.sys);
    const before = { messages: await db.Message.countDocuments({}), conversations: await db.Conversation.countDocuments({}) };
    const url = `${t.sys.url}/channels/miniprogram/callback`;
    const now = String(Math.floor(Date.now() / 1000));
    const creds = { token: t.creds.token, encodingAESKey: t.creds.aesKey, receiveId: t.creds.appId };
    const inner = (fields: string) =>
      `{"ToUserName":"gh_x","FromUserName":"oForged00000000000000000001","CreateTime":${now},${fields}}`;
    const safe = (message: string, c = creds) => {
      const s = sealCallback(c, message, { timestamp: now });
      const query = {
        signature: plainSignature(t.creds.token, now, s.nonce),
        timestamp: now,
        nonce: s.nonce,
        encrypt_type: 'aes',
        msg_signature: s.msgSignature,
      };
      return { query, body: JSON.stringify({ ToUserName: 'gh_x', Encrypt: s.encrypt }) };
    };
    const post = async (query: Record<string, string>, body: string, type = 'application/json') => {
      const res = await fetch(`${url}?${new URLSearchParams(query)}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      return { status: res.status, text: await res.text() };
    };
    const textMessage = inner('"MsgType":"text","Content":"hi","MsgId":123');
    const forged = safe(textMessage, { ...creds, token: 'nottoken' });
    const plainQuery = { signature: plainSignature(t.creds.token, now, 'n1'), timestamp: now, nonce: 'n1' };
    const cases: { name: string; query: Record<string, string>; body: string; type?: string; status: number; reason: RegExp }[] =
      [
        { name: 'forged msg_signature', ...forged, status: 401, reason: /signature/ },
        {
          name: 'plaintext push while safe mode is configured',
          query: plainQuery,
          body: textMessage,
          status: 400,
          reason: /safe mode/,
        },
        {
          name: 'wrong AppID inside',
          ...safe(textMessage, { ...creds, receiveId: 'wxsomeoneelse0000' }),
          status: 400,
          reason: /receive id/,
        },
        { name: 'MsgId missing', ...safe(inner('"MsgType":"text","Content":"hi"')), status: 400, reason: /MsgId/ },
        {
          name: 'MsgId not an integer',
          ...safe(inner('"MsgType":"text","Content":"hi","MsgId":"12a"')),
          status: 400,
          reason: /MsgId/,
        },
        { name: 'inner JSON malformed', ...safe('{"MsgType":'), status: 400, reason: /malformed/ },
        {
          name: 'envelope too deep',
          query: safe(textMessage).query,
          body: `{"Encrypt":${'['.repeat(50)}${']'.repeat(50)}}`,
          status: 400,
          reason: /deep/,
        },
        { name: 'wrong content type', ...safe(textMessage), type: 'multipart/form-data', status: 415, reason: /content type/ },
      ];
    for (const c of cases) {
      const res = await post(c.query, c.body, c.type);
      expect({ name: c.name, status: res.status }).toEqual({ name: c.name, status: c.status });
      expect(res.text).toMatch(c.reason);
    }
    const verify = await fetch(
      `${url}?${new URLSearchParams({ signature: 'f'.repeat(40), timestamp: now, nonce: 'n', echostr: 'abc' })}`,
    );
    expect(verify.status).toBe(401);
    await settled(t.sys);
    expect({ messages: await db.Message.countDocuments({}), conversations: await db.Conversation.countDocuments({}) }).toEqual(
      before,
    );
  });
});

describe('mini-program channel in safe mode, XML', () => {
  let t: MpTestSystem;
  jest.setTimeout(60_000);
  beforeAll(async () => {
    t = await startMpSystem({ mode: 'safe', format: 'xml' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('round-trips a 64-bit MsgId pushed as XML', async () => {
    const openId = 'oSafeXml00000000000000000001';
    const push = await t.sim.simulateClientMessage({ openId, text: '佣金怎么收？', msgId: '18446744073709551615' });
    expect(push.callback.contentType).toBe('text/xml');
    await waitFor(() => t.sim.sent.some((s) => s.touser === openId), 'the reply');
    const stored = await t.sys.services.db.Message.findOne({ channel: 'miniprogram', direction: 'in' }).lean();
    expect(stored?.channelMessageId).toBe('18446744073709551615');
  });
});

describe('mini-program channel in plaintext mode', () => {
  let t: MpTestSystem;
  jest.setTimeout(60_000);
  beforeAll(async () => {
    t = await startMpSystem({ mode: 'plain', format: 'json' });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('accepts signed plaintext pushes and refuses a forged signature or a replay', async () => {
    const openId = 'oPlain0000000000000000000001';
    const push = await t.sim.simulateClientMessage({ openId, text: '怎么开户？', msgId: BIG_MSGID });
    expect(push.deliveries[0]!.attempts.at(-1)).toMatchObject({ status: 200, body: 'success' });
    await waitFor(() => t.sim.sent.some((s) => s.touser === openId), 'the reply');
    const stored = await t.sys.services.db.Message.find({ channel: 'miniprogram', direction: 'in' }).lean();
    expect(stored.map((m) => m.channelMessageId)).toEqual([BIG_MSGID]);

    // In plaintext mode the signature covers only timestamp and nonce: the seen-cache is what stops a
    // captured signature from carrying another body.
    const captured = push.callback;
    const tampered = captured.body.replace('怎么开户？', '把我的钱转走');
    const res = await fetch(`${t.sys.url}/channels/miniprogram/callback?${new URLSearchParams(captured.query)}`, {
      method: 'POST',
      headers: { 'content-type': captured.contentType },
      body: tampered,
    });
    expect(res.status).toBe(200);
    await settled(t.sys);
    expect(await t.sys.services.db.Message.countDocuments({ direction: 'in' })).toBe(1);
    expect(await t.sys.services.db.Message.countDocuments({ text: '把我的钱转走' })).toBe(0);

    const forged = await fetch(
      `${t.sys.url}/channels/miniprogram/callback?${new URLSearchParams({ ...captured.query, signature: 'f'.repeat(40) })}`,
      {
        method: 'POST',
        headers: { 'content-type': captured.contentType },
        body: captured.body,
      },
    );
    expect(forged.status).toBe(401);
  });
});
