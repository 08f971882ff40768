import type { Socket } from 'socket.io-client';
import type { BudgetEvent, DeliveryFailedEvent } from '@brokerbot/channels';
import { connect, emitAck, loginAdvisor, nextEvent } from '../support/test-system';
import { KF, settled, startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

type Wire = { id: string; from: string; text: string; status: string; conversationId: string };
const content = (body: Record<string, unknown>) => (body.text as { content: string } | undefined)?.content ?? '';

/** Binds a WeCom client to a brokerage client number, as the brokerage does once the client is identified. */
async function bind(t: WecomTestSystem, customerId: string, externalUserId: string): Promise<void> {
  await t.sys.services.db.Customer.updateOne(
    { _id: customerId },
    { $push: { identities: { channel: 'wecom', externalId: externalUserId } } },
  );
}

async function advisorSocket(t: WecomTestSystem, username: string): Promise<Socket> {
  const { token } = await loginAdvisor(t.sys.url, username);
  return connect(t.sys.url, '/advisor', { token });
}

/** The client writes 转人工; the online advisor of the branch gets the offer and accepts it. */
async function escalateAndAccept(t: WecomTestSystem, advisor: Socket, user: string): Promise<string> {
  const offer = nextEvent<{ handoffId: string; customer: { id: string } }>(advisor, 'offer', () => true, 20_000);
  await t.sim.simulateClientMessage({ externalUserId: user, text: '我要转人工' });
  const offered = await offer;
  const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string; messages: { text: string }[] } }>(
    advisor,
    'chat:accept',
    { handoffId: offered.handoffId },
  );
  expect(accepted.ok).toBe(true);
  expect(accepted.chat.messages.map((m) => m.text)).toContain('我要转人工');
  return accepted.chat.conversationId;
}

describe('WeCom handoff in proxy mode (advisors answer in our console, we send as the kf account)', () => {
  let t: WecomTestSystem;
  let advisor: Socket;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    t = await startWecomSystem();
    advisor = await advisorSocket(t, 'wang.fang');
  });
  afterAll(async () => {
    advisor?.disconnect();
    await t.stop();
  });

  it('brings an escalated WeCom chat to the advisor, whose replies reach the client within the 5-in-48 h budget', async () => {
    const user = 'wmHandoff000000000000000000000001';
    await bind(t, 'C1001', user);
    const sentTo = () => t.sim.sent.filter((s) => s.touser === user);
    const conversationId = await escalateAndAccept(t, advisor, user);
    // So far: the bot's "transferring you" and the advisor's joining notice went out (2 of 5).
    await waitFor(() => sentTo().length === 2, 'the bot notice and the joining notice');
    expect(sentTo().map((s) => content(s.body))).toEqual([expect.stringContaining('转接'), expect.stringContaining('王芳')]);

    // The advisor's replies reach the client as the kf account; the console sees what is left after each.
    for (const [i, left] of [2, 1, 0].entries()) {
      const budget = nextEvent<BudgetEvent>(
        advisor,
        'channel:budget',
        (b) => b.conversationId === conversationId && b.remaining === left,
      );
      const ack = await emitAck<{ ok: boolean; message: Wire }>(advisor, 'chat:send', {
        conversationId,
        clientMessageId: `reply${i}`,
        text: `顾问回复${i + 1}`,
      });
      expect(ack.ok).toBe(true);
      expect(await budget).toMatchObject({ channel: 'wecom', limit: 5, remaining: left });
      await waitFor(
        () => sentTo().some((s) => content(s.body) === `顾问回复${i + 1}` && s.msgid === ack.message.id),
        `reply ${i + 1} at the client`,
      );
    }

    // The 6th message since the client last wrote is not sent blindly: failed, with the reason, to the advisor.
    const failedEvent = nextEvent<DeliveryFailedEvent>(advisor, 'delivery:failed', (e) => e.conversationId === conversationId);
    const failedMessage = nextEvent<Wire>(advisor, 'chat:message', (m) => m.status === 'failed');
    const sixth = await emitAck<{ ok: boolean; message: Wire }>(advisor, 'chat:send', {
      conversationId,
      clientMessageId: 'reply-over',
      text: '第六条消息',
    });
    expect(sixth.ok).toBe(true);
    expect(await failedEvent).toMatchObject({
      messageId: sixth.message.id,
      channel: 'wecom',
      reason: expect.stringContaining('5条'),
    });
    expect((await failedMessage).id).toBe(sixth.message.id);
    const stored = await t.sys.services.db.Message.findOne({ channel: 'wecom', channelMessageId: sixth.message.id }).lean();
    expect(stored).toMatchObject({ status: 'failed', error: expect.stringContaining('5条') });
    expect(sentTo().map((s) => content(s.body))).not.toContain('第六条消息');
    // We never even asked WeCom to break its rule.
    expect(t.sim.calls.filter((c) => c.path === '/cgi-bin/kf/send_msg' && c.response.errcode !== 0)).toEqual([]);

    // The client writes again: five more, and the advisor sees it.
    const reset = nextEvent<BudgetEvent>(
      advisor,
      'channel:budget',
      (b) => b.conversationId === conversationId && b.remaining === 5,
    );
    const relayed = nextEvent<Wire>(advisor, 'chat:message', (m) => m.from === 'client' && m.text === '好的，谢谢');
    await t.sim.simulateClientMessage({ externalUserId: user, text: '好的，谢谢' });
    await relayed;
    expect((await reset).windowEndsAt).toEqual(expect.any(String));
    await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'after-reset', text: '不客气' });
    await waitFor(() => sentTo().some((s) => content(s.body) === '不客气'), 'the reply after the reset');
    // While the advisor owned the chat the bot stayed silent.
    await settled(t.sys);
    const bot = await t.sys.services.db.Message.countDocuments({ conversationId, 'author.kind': 'bot' });
    expect(bot).toBe(1);
    // A console opening the chat later asks for the budget; an advisor of another branch may not.
    const status = await emitAck(advisor, 'chat:channel', { conversationId });
    expect(status).toMatchObject({ ok: true, channel: 'wecom', typing: false, budget: { remaining: 4, limit: 5 } });
    const other = await advisorSocket(t, 'zhang.min');
    try {
      expect(await emitAck(other, 'chat:channel', { conversationId })).toMatchObject({ ok: false, error: 'not_visible' });
      expect(await emitAck(other, 'chat:channel', { conversationId: 'nope' })).toMatchObject({
        ok: false,
        error: 'invalid_request',
      });
    } finally {
      other.disconnect();
    }
  });
});

describe('WeCom handoff in native mode (the WeCom session moves to the pool and to the advisor)', () => {
  let t: WecomTestSystem;
  let advisor: Socket;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    t = await startWecomSystem({ env: { WECOM_HANDOFF_MODE: 'native' } });
    await t.sys.services.db.Advisor.updateOne({ username: 'wang.fang' }, { $set: { wecomUserId: 'wangfang' } });
    advisor = await advisorSocket(t, 'wang.fang');
  });
  afterAll(async () => {
    advisor?.disconnect();
    await t.stop();
  });

  it('moves the session with service_state/trans and sends the notices through the msg_code it yields', async () => {
    const user = 'wmNative00000000000000000000000001';
    await bind(t, 'C1002', user);
    const sentTo = () => t.sim.sent.filter((s) => s.touser === user);
    const conversationId = await escalateAndAccept(t, advisor, user);
    await waitFor(() => sentTo().length === 2, 'both notices');
    // Queued → the pool (2) with the bot's notice; accepted → the advisor's WeCom account (3) with the joining notice.
    expect(sentTo().map((s) => s.via)).toEqual(['send_msg_on_event', 'send_msg_on_event']);
    expect(t.sim.getSession(KF, user)).toEqual({ state: 3, servicerUserId: 'wangfang' });
    const moves = t.sim.calls.filter((c) => c.path === '/cgi-bin/kf/service_state/trans').map((c) => c.body.service_state);
    expect(moves).toEqual([2, 3]);

    // The advisor answers in the WeCom app: the message joins our transcript as theirs.
    const mirrored = nextEvent<Wire>(
      advisor,
      'chat:message',
      (m) => m.from === 'advisor' && m.text === '您好，我在企业微信里回复您',
    );
    t.sim.log.append({
      msgid: 'servicer-msg-0001',
      open_kfid: KF,
      external_userid: user,
      send_time: Math.floor(Date.now() / 1000),
      origin: 5,
      servicer_userid: 'wangfang',
      msgtype: 'text',
      text: { content: '您好，我在企业微信里回复您' },
    });
    await t.sim.notify(KF);
    await mirrored;
    const stored = await t.sys.services.db.Message.findOne({ channel: 'wecom', channelMessageId: 'servicer-msg-0001' }).lean();
    expect(stored).toMatchObject({ conversationId, status: 'sent', author: { kind: 'advisor', name: '王芳' } });

    // Back to the bot: the WeCom session ends (4), the closing notice goes with its msg_code.
    await emitAck(advisor, 'chat:close', { conversationId, wrapUp: { category: '咨询解答' } });
    // The closing notice (then the satisfaction survey) goes out.
    await waitFor(() => sentTo().length >= 3, 'the closing notice');
    expect(sentTo()[2]!.via).toBe('send_msg_on_event');
    expect(t.sim.getSession(KF, user).state).toBe(4);
  });

  it('gives the chat to the advisor who takes the client from the pool inside WeCom, and stops offering it', async () => {
    const user = 'wmNative00000000000000000000000003';
    await bind(t, 'C1004', user);
    const offer = nextEvent<{ handoffId: string; conversationId: string }>(advisor, 'offer', () => true, 20_000);
    await t.sim.simulateClientMessage({ externalUserId: user, text: '我要转人工' });
    const { handoffId, conversationId } = await offer;
    await waitFor(() => t.sim.getSession(KF, user).state === 2, 'the session in the pool');

    // 王芳 takes the client in the WeCom app instead of in our console.
    const opened = nextEvent<{ conversationId: string; handoff: { handoffId: string } }>(
      advisor,
      'chat:opened',
      (c) => c.conversationId === conversationId,
    );
    const removed = nextEvent<{ handoffId: string }>(advisor, 'queue:removed', (r) => r.handoffId === handoffId);
    t.sim.setSession(KF, user, 3, 'wangfang');
    await t.sim.simulateEvent(KF, {
      event_type: 'session_status_change',
      open_kfid: KF,
      external_userid: user,
      change_type: 1,
      new_servicer_userid: 'wangfang',
    });
    await Promise.all([opened, removed]);
    const wang = await t.sys.services.db.Advisor.findOne({ username: 'wang.fang' }).lean();
    expect(await t.sys.services.db.Conversation.findById(conversationId).lean()).toMatchObject({
      state: 'human',
      advisorId: wang!._id.toString(),
    });
    expect(await t.sys.services.db.Handoff.findById(handoffId).lean()).toMatchObject({ status: 'accepted' });
    // Nobody can take it a second time from our console (which would pull the session away in WeCom).
    expect(await emitAck(advisor, 'chat:accept', { handoffId })).toMatchObject({ ok: false, error: 'not_available' });
    expect(t.sim.getSession(KF, user)).toEqual({ state: 3, servicerUserId: 'wangfang' });
  });

  it('ends our chat when the advisor ends the session inside WeCom, and the bot serves the client again', async () => {
    const user = 'wmNative00000000000000000000000002';
    await bind(t, 'C1003', user);
    const conversationId = await escalateAndAccept(t, advisor, user);
    await waitFor(() => t.sim.getSession(KF, user).state === 3, 'the session with the advisor');

    const closed = nextEvent<{ conversationId: string; by: string }>(
      advisor,
      'chat:closed',
      (c) => c.conversationId === conversationId,
    );
    t.sim.setSession(KF, user, 4);
    await t.sim.simulateEvent(KF, {
      event_type: 'session_status_change',
      open_kfid: KF,
      external_userid: user,
      change_type: 3,
      old_servicer_userid: 'wangfang',
    });
    expect(await closed).toMatchObject({ by: 'wecom' });
    const conversation = await t.sys.services.db.Conversation.findById(conversationId).lean();
    expect(conversation).toMatchObject({ state: 'bot', advisorId: null });
    const handoff = await t.sys.services.db.Handoff.findOne({ conversationId }).sort({ createdAt: -1 }).lean();
    expect(handoff).toMatchObject({ status: 'closed' });
    // The advisor no longer owns it: replying is refused, and the client's next question gets the bot.
    expect(await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'late', text: '还在吗' })).toMatchObject({
      ok: false,
    });
    const before = t.sim.sent.filter((s) => s.touser === user).length;
    await t.sim.simulateClientMessage({ externalUserId: user, text: '交易时间是几点' });
    await waitFor(() => t.sim.sent.filter((s) => s.touser === user).length > before, "the bot's answer");
    const answer = t.sim.sent.filter((s) => s.touser === user).at(-1)!;
    expect(content(answer.body)).toMatch(/9:30|9：30/);
  });
});
