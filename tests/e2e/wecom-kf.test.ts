import type { KfMessage } from '@brokerbot/channels/src/simulators';
import { loadConfig } from '@brokerbot/shared';
import { startSystem } from '../../scripts/system';
import { KF, settled, startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

/**
 * WeCom 微信客服 end to end against the qyapi simulator: URL verification, kf_msg_or_event →
 * sync_msg → stored once → bot → kf/send_msg, Tencent's retries, concurrent callbacks, the
 * enter_session welcome and recalled messages.
 */
describe('WeCom 微信客服 channel', () => {
  let t: WecomTestSystem;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    t = await startWecomSystem();
  });
  afterAll(async () => {
    await t.stop();
  });

  const sentTo = (user: string) => t.sim.sent.filter((s) => s.touser === user);
  const content = (body: Record<string, unknown>) => (body.text as { content: string } | undefined)?.content ?? '';

  it('answers URL verification with the decrypted echostr, also when "+" arrives unencoded', async () => {
    const plain = await t.sim.verifyCallbackUrl();
    expect(plain.ok).toBe(true);
    expect(plain.report.attempts[0]!.durationMs).toBeLessThan(1000);
    // Tencent sometimes leaves '+' unencoded: a decoder turns it into a space, which must be undone.
    for (let i = 0; i < 8; i++) expect((await t.sim.verifyCallbackUrl({ rawPlus: true })).ok).toBe(true);
  });

  it('stores a message delivered three times (as Tencent retries) once and answers it once', async () => {
    const user = 'wmRetry0000000000000000000000001';
    const event = await t.sim.simulateClientMessage({ externalUserId: user, text: '交易时间是几点？' }, { times: 3 });
    // Each delivery was answered at once with an empty 200.
    for (const d of event.deliveries) expect(d.attempts.at(-1)).toMatchObject({ status: 200, body: '' });
    // The identical request again, concurrently (a replay), and two fresh notifications of the same message.
    await t.sim.redeliver(event.callback, { times: 2, parallel: true });
    await Promise.all([t.sim.notify(KF), t.sim.notify(KF)]);

    const [reply] = await waitFor(() => (sentTo(user).length ? sentTo(user) : null), 'the reply in the simulator');
    await settled(t.sys);
    expect(sentTo(user)).toHaveLength(1);
    expect(reply!.via).toBe('send_msg');
    expect(reply!.msgtype).toBe('text');
    expect((reply!.body.text as { content: string }).content).toContain('9:30');

    const stored = await t.sys.services.db.Message.find({ channel: 'wecom', 'author.id': user }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ channelMessageId: event.message.msgid, text: '交易时间是几点？', status: 'handled' });
    // The reply went out with our stored message id as the idempotency msgid, and is marked sent.
    const out = await t.sys.services.db.Message.findOne({ conversationId: stored[0]!.conversationId, direction: 'out' }).lean();
    expect(out).toMatchObject({ channelMessageId: reply!.msgid, status: 'sent' });
  });

  it('never pulls the same page twice when callbacks reach two gateways at once', async () => {
    // A second gateway process on the same Redis and database, as behind a load balancer.
    const second = await startSystem(loadConfig({ ...t.env, ROLES: 'gateway' }), { env: t.env, seed: false });
    try {
      const user = 'wmConcurrent00000000000000000001';
      const urls = [`${t.sys.url}/channels/wecom/callback`, `${second.url}/channels/wecom/callback`];
      // Five messages wait in WeCom while no callback reaches us…
      t.sim.setCallbackUrl(undefined);
      for (let i = 1; i <= 5; i++) await t.sim.simulateClientMessage({ externalUserId: user, text: `第${i}条：佣金是多少？` });
      const pullsBefore = t.sim.calls.filter((c) => c.path === '/cgi-bin/kf/sync_msg').length;
      // …then six distinct callbacks arrive at once, spread over both gateways.
      const notified = Array.from({ length: 6 }, (_, i) => {
        t.sim.setCallbackUrl(urls[i % 2]);
        return t.sim.notify(KF);
      });
      await Promise.all(notified);
      t.sim.setCallbackUrl(urls[0]);
      await waitFor(
        async () => (await t.sys.services.db.Message.countDocuments({ 'author.id': user })) === 5,
        'five stored messages',
      );
      await second.channels.wecom!.puller.idle();
      await settled(t.sys);

      const pulls = t.sim.calls.filter((c) => c.path === '/cgi-bin/kf/sync_msg').slice(pullsBefore);
      const seen = new Map<string, number>();
      for (const call of pulls)
        for (const m of call.response.msg_list as KfMessage[]) seen.set(m.msgid, (seen.get(m.msgid) ?? 0) + 1);
      expect(seen.size).toBe(5);
      expect([...seen.entries()].filter(([, n]) => n > 1)).toEqual([]);
      expect(await t.sys.services.db.Message.countDocuments({ 'author.id': user })).toBe(5);
    } finally {
      await second.stop();
    }
  });

  it('welcomes a client who enters the chat through send_msg_on_event within the welcome_code’s 20 s', async () => {
    const user = 'wmEnter00000000000000000000000001';
    const entered = await t.sim.simulateEnterSession({ externalUserId: user, scene: 'app_menu' });
    const [welcome] = await waitFor(() => (sentTo(user).length ? sentTo(user) : null), 'the welcome');
    expect(welcome).toMatchObject({ via: 'send_msg_on_event', msgtype: 'text' });
    expect(welcome!.body.code).toBe(entered.welcomeCode);
    expect(welcome!.at - entered.message.send_time * 1000).toBeLessThan(20_000);
    expect((welcome!.body.text as { content: string }).content).toContain('欢迎');
    // The welcome is in the transcript as the bot's message, marked sent once WeCom took it.
    const stored = await waitFor(
      () => t.sys.services.db.Message.findOne({ channel: 'wecom', channelMessageId: welcome!.msgid, status: 'sent' }).lean(),
      'the welcome marked sent',
    );
    expect(stored).toMatchObject({ direction: 'out', author: { kind: 'bot' } });
    // The same event read again (a replayed notification) sends nothing more.
    await t.sim.notify(KF);
    await settled(t.sys);
    expect(sentTo(user)).toHaveLength(1);
  });

  it('sends the bot’s clarifying menu as a msgmenu, and a tap comes back as the chosen question', async () => {
    const user = 'wmMenu00000000000000000000000001';
    await t.sim.simulateClientMessage({ externalUserId: user, text: '开户' });
    const [menu] = await waitFor(() => (sentTo(user).length ? sentTo(user) : null), 'the menu');
    expect(menu!.msgtype).toBe('msgmenu');
    const body = menu!.body.msgmenu as { head_content: string; list: { type: string; click: { id: string; content: string } }[] };
    expect(body.head_content).toBe('您想问的是以下哪个问题？');
    expect(body.list.length).toBeGreaterThan(1);
    expect(body.list.every((i) => i.type === 'click' && i.click.id && i.click.content)).toBe(true);
    // The client taps the second option: WeCom sends its text with the menu_id.
    const pick = body.list[1]!.click;
    await t.sim.simulateClientMessage({ externalUserId: user, text: pick.content, menuId: pick.id });
    const answer = await waitFor(() => sentTo(user)[1], 'the answer to the pick');
    expect(answer.msgtype).toBe('text');
    expect(content(answer.body)).not.toContain('您想问的是');
    expect(content(answer.body).length).toBeGreaterThan(10);
  });

  it('marks a message the client recalled, keeping it in the transcript', async () => {
    const user = 'wmRecall0000000000000000000000001';
    const said = await t.sim.simulateClientMessage({ externalUserId: user, text: '我的身份证号是多少来着' });
    // (The bot's turn rewrites the message's meta when it is done; the recall comes after it, as in life.)
    await waitFor(
      () => t.sys.services.db.Message.findOne({ channelMessageId: said.message.msgid, status: 'handled' }).lean(),
      'the handled message',
    );
    await t.sim.simulateEvent(KF, {
      event_type: 'user_recall_msg',
      open_kfid: KF,
      external_userid: user,
      recall_msgid: said.message.msgid,
    });
    const recalled = await waitFor(
      () =>
        t.sys.services.db.Message.findOne({ channelMessageId: said.message.msgid, 'meta.recalled': { $exists: true } }).lean(),
      'the recall mark',
    );
    expect(recalled.text).toBe('我的身份证号是多少来着');
  });
});
