import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

/**
 * The first complete path, over real sockets: FAQ answered by the bot → 转人工 → offer to an
 * advisor of the client's branch → accept → two-way chat with the bot silent → close → the
 * bot answers again; every message stored once, in order.
 */
describe('trading app → bot → escalation → advisor → reply', () => {
  const ctx = useTestSystem();

  it('carries a conversation from the bot to an advisor and back', async () => {
    const { token: advisorToken } = await loginAdvisor(ctx.sys.url, 'wang.fang');
    const advisor = await connect(ctx.sys.url, '/advisor', { token: advisorToken });
    ctx.sockets.push(advisor);
    const client = await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1001', 'SH01') });
    ctx.sockets.push(client);
    const history = await nextEvent<{ messages: unknown[] }>(client, 'history');
    expect(history.messages).toEqual([]);

    // 1. An FAQ question is answered by the bot.
    const faqReply = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.from === 'bot');
    const ack1 = await emitAck<{ ok: boolean; seq: number; duplicate: boolean }>(client, 'message', {
      clientMessageId: 'm1',
      text: '交易时间是几点？',
    });
    expect(ack1).toMatchObject({ ok: true, duplicate: false });
    expect((await faqReply).text).toContain('9:30');

    // 2. 转人工 queues a handoff that is offered to the online advisor of the branch.
    const offer = nextEvent<{ handoffId: string; customer: { id: string; phone: string } }>(advisor, 'offer');
    const handoffNotice = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.from === 'bot');
    await emitAck(client, 'message', { clientMessageId: 'm2', text: '我要转人工' });
    expect((await handoffNotice).text).toContain('转接');
    const offered = await offer;
    expect(offered.customer.id).toBe('C1001');
    expect(offered.customer.phone).toBe('138****1001');

    // 3. The advisor accepts and sees what the bot already said.
    const joined = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.from === 'system');
    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string; messages: { text: string }[] } }>(
      advisor,
      'chat:accept',
      { handoffId: offered.handoffId },
    );
    expect(accepted.ok).toBe(true);
    expect(accepted.chat.messages.map((m) => m.text)).toEqual(expect.arrayContaining(['交易时间是几点？', '我要转人工']));
    expect((await joined).text).toContain('王芳');
    const conversationId = accepted.chat.conversationId;

    // 4. The advisor's reply reaches the client.
    const advisorReply = nextEvent<{ from: string; text: string; authorName: string }>(
      client,
      'message',
      (m) => m.from === 'advisor',
    );
    const sent = await emitAck<{ ok: boolean }>(advisor, 'chat:send', {
      conversationId,
      clientMessageId: 'a1',
      text: '您好，请问有什么可以帮您？',
    });
    expect(sent.ok).toBe(true);
    expect(await advisorReply).toMatchObject({ text: '您好，请问有什么可以帮您？', authorName: '王芳' });

    // 5. The client's reply reaches the advisor, and the bot stays silent (even for an FAQ question).
    const botSpoke = jest.fn();
    client.on('message', (m: { from: string }) => m.from === 'bot' && botSpoke());
    const relayed = nextEvent<{ from: string; text: string }>(advisor, 'chat:message', (m) => m.from === 'client');
    await emitAck(client, 'message', { clientMessageId: 'm3', text: '交易时间是几点？我的转账一直没到账' });
    expect((await relayed).text).toBe('交易时间是几点？我的转账一直没到账');

    // 6. The advisor closes; the bot answers again.
    const closedNotice = nextEvent<{ from: string; text: string }>(
      client,
      'message',
      (m) => m.from === 'system' && m.text.includes('结束'),
    );
    // The client's last question is still open: the advisor confirms closing anyway, with a wrap-up.
    expect(
      await emitAck(advisor, 'chat:close', { conversationId, wrapUp: { category: '咨询解答' }, confirm: true }),
    ).toMatchObject({ ok: true });
    await closedNotice;
    expect(botSpoke).not.toHaveBeenCalled();
    const botAgain = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.from === 'bot');
    await emitAck(client, 'message', { clientMessageId: 'm4', text: '新股怎么申购' });
    expect((await botAgain).text).toMatch(/申购/);

    // Every message is stored once, in order, with who said it (the bot marks a message
    // handled just after its reply leaves, so wait for that).
    let stored = await ctx.sys.services.db.Message.find({ conversationId }).sort({ seq: 1 }).lean();
    for (let i = 0; i < 100 && stored.some((m) => m.direction === 'in' && m.status !== 'handled'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      stored = await ctx.sys.services.db.Message.find({ conversationId }).sort({ seq: 1 }).lean();
    }
    expect(stored.map((m) => m.author.kind)).toEqual([
      'client',
      'bot',
      'client',
      'bot',
      'system',
      'advisor',
      'client',
      'system',
      'client',
      'bot',
    ]);
    expect(stored.filter((m) => m.author.kind === 'client').map((m) => m.text)).toEqual([
      '交易时间是几点？',
      '我要转人工',
      '交易时间是几点？我的转账一直没到账',
      '新股怎么申购',
    ]);
    // What the bot decided about each client message is stored with it.
    expect(stored.filter((m) => m.author.kind === 'client').map((m) => (m.meta as { action: string }).action)).toEqual([
      'answered',
      'escalated',
      'relayed',
      'answered',
    ]);
    expect((stored[2]!.meta as { reasons: string[] }).reasons).toContain('explicit_request');
    expect(new Set(stored.map((m) => m.seq)).size).toBe(stored.length);
    const transitions = await ctx.sys.services.db.Transition.find({ conversationId }).sort({ version: 1 }).lean();
    expect(transitions.map((t) => `${t.from}>${t.to} by ${t.by.split(':')[0]}`)).toEqual([
      'bot>queued by bot',
      'queued>human by advisor',
      'human>bot by advisor',
    ]);
  });
});
