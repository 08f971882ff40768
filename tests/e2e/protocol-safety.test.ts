import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

/** Bad input gets a clear error and changes nothing; chats are never owned twice; branches stay apart. */
describe('client and advisor protocol safety', () => {
  const ctx = useTestSystem();

  async function client(customerId: string, branchId: string) {
    const s = await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) });
    ctx.sockets.push(s);
    const history = await nextEvent<{ conversationId: string; messages: { seq: number; text: string }[] }>(s, 'history');
    return { socket: s, history };
  }

  async function advisor(username: string) {
    const { token } = await loginAdvisor(ctx.sys.url, username);
    const s = await connect(ctx.sys.url, '/advisor', { token });
    ctx.sockets.push(s);
    return s;
  }

  it('refuses a connection without a valid token', async () => {
    await expect(connect(ctx.sys.url, '/client', { token: 'forged.token' })).rejects.toThrow('token_invalid');
    await expect(connect(ctx.sys.url, '/advisor', {})).rejects.toThrow('token_invalid');
  });

  it('rejects malformed messages with a reason and stores nothing', async () => {
    const { socket } = await client('C1004', 'SH01');
    const before = await ctx.sys.services.db.Message.countDocuments({});
    expect(await emitAck(socket, 'message', { clientMessageId: 'bad id!', text: 'hi' })).toMatchObject({
      ok: false,
      error: 'invalid_message',
    });
    expect(await emitAck(socket, 'message', { clientMessageId: 'e1', text: '   ' })).toMatchObject({
      ok: false,
      message: '消息不能为空',
    });
    expect(await emitAck(socket, 'message', { clientMessageId: 'e2', text: '长'.repeat(2001) })).toMatchObject({
      ok: false,
      message: '消息不能超过 2000 字',
    });
    expect(await emitAck(socket, 'message', 'just a string')).toMatchObject({ ok: false });
    expect(await ctx.sys.services.db.Message.countDocuments({})).toBe(before);
  });

  it('stores and answers a re-sent message once, and replays only missed history on reconnect', async () => {
    const { socket, history } = await client('C1005', 'SH01');
    const reply = nextEvent<{ from: string; seq: number }>(socket, 'message', (m) => m.from === 'bot');
    const first = await emitAck<{ ok: boolean; duplicate: boolean; seq: number }>(socket, 'message', {
      clientMessageId: 'same',
      text: '佣金是多少',
    });
    const again = await emitAck<{ ok: boolean; duplicate: boolean; seq: number }>(socket, 'message', {
      clientMessageId: 'same',
      text: '佣金是多少',
    });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ ok: true, duplicate: true, seq: first.seq });
    const botReply = await reply;
    socket.disconnect();

    const messages = await ctx.sys.services.db.Message.find({ conversationId: history.conversationId }).lean();
    expect(messages.filter((m) => m.author.kind === 'client')).toHaveLength(1);

    // Reconnect having seen the client's message only: the bot's reply is replayed.
    const s2 = await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1005', 'SH01'), lastSeq: first.seq });
    ctx.sockets.push(s2);
    const replay = await nextEvent<{ messages: { seq: number; from: string }[] }>(s2, 'history');
    expect(replay.messages.map((m) => m.seq)).toEqual([botReply.seq]);
  });

  it('lets only one advisor take a chat when two accept at once, and keeps other branches out', async () => {
    const wang = await advisor('wang.fang');
    const li = await advisor('li.qiang');
    const zhang = await advisor('zhang.min'); // SZ01
    const added = nextEvent<{ handoffId: string }>(wang, 'queue:added');
    const { socket } = await client('C1006', 'SH01');
    await emitAck(socket, 'message', { clientMessageId: 'h1', text: '人工客服' });
    const { handoffId } = await added;

    const zhangList = await emitAck<{ items: { handoffId: string }[] }>(zhang, 'queue:list');
    expect(zhangList.items.map((i) => i.handoffId)).not.toContain(handoffId);
    expect(await emitAck(zhang, 'chat:accept', { handoffId })).toMatchObject({ ok: false, error: 'not_available' });

    const [a, b] = await Promise.all([
      emitAck<{ ok: boolean }>(wang, 'chat:accept', { handoffId }),
      emitAck<{ ok: boolean }>(li, 'chat:accept', { handoffId }),
    ]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    const loser = a.ok ? b : a;
    expect(loser).toMatchObject({ error: 'not_available', message: '该会话已被其他顾问接入或已结束' });

    const winner = a.ok ? wang : li;
    const other = a.ok ? li : wang;
    const conversation = await ctx.sys.services.db.Conversation.findOne({ handoffId }).lean();
    expect(
      await emitAck(other, 'chat:send', { conversationId: conversation!._id.toString(), clientMessageId: 'x1', text: '我来' }),
    ).toMatchObject({ ok: false, error: 'not_owner' });
    expect(await emitAck(winner, 'chat:send', { conversationId: 'nothex', clientMessageId: 'x1', text: '我来' })).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });
  });
});
