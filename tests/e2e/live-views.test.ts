import { ensureConversation, recordInbound, recordOutbound } from '@brokerbot/shared';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

/** What every open screen sees live: the client's tabs, the advisor's tabs and a supervisor's. */
describe('live views', () => {
  const ctx = useTestSystem();
  const track = ctx.track;

  it('shows every screen the same chat as it happens', async () => {
    const { token } = await loginAdvisor(ctx.sys.url, 'zhang.min');
    const tab1 = track(await connect(ctx.sys.url, '/advisor', { token }));
    const tab2 = track(await connect(ctx.sys.url, '/advisor', { token }));
    const sup = track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }));
    const phone = track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C2005', 'SZ01') }));
    const laptop = track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C2005', 'SZ01') }));

    // The client's other device sees what they wrote, and the state as it changes.
    const echoed = nextEvent<{ from: string; text: string }>(laptop, 'message', (m) => m.from === 'client');
    const queued = nextEvent<{ state: string }>(laptop, 'state', (s) => s.state === 'queued');
    const offer = nextEvent<{ handoffId: string }>(tab1, 'offer');
    await emitAck(phone, 'message', { clientMessageId: 'p1', text: '我要找人工' });
    expect((await echoed).text).toBe('我要找人工');
    await queued;

    // Accepting in one console tab opens the chat in the other; the client learns who serves them.
    const serving = nextEvent<{ state: string; advisorName: string }>(phone, 'state', (s) => s.state === 'human');
    const opened = nextEvent<{ conversationId: string }>(tab2, 'chat:opened');
    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string } }>(tab1, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    expect(accepted.ok).toBe(true);
    const conversationId = accepted.chat.conversationId;
    expect((await opened).conversationId).toBe(conversationId);
    expect(await serving).toMatchObject({ advisorName: '张敏' });

    // A supervisor finds the chat in progress and listens silently, then stops.
    const active = await emitAck<{ chats: { conversationId: string; advisorName: string; customer: { id: string } }[] }>(
      sup,
      'chat:active',
    );
    expect(active.chats.find((c) => c.conversationId === conversationId)).toMatchObject({
      advisorName: '张敏',
      customer: { id: 'C2005' },
    });
    expect(await emitAck(sup, 'chat:watch', { conversationId })).toMatchObject({ ok: true });
    const heard = nextEvent<{ from: string; text: string }>(sup, 'chat:message', (m) => m.from === 'client');
    await emitAck(phone, 'message', { clientMessageId: 'p2', text: '账户被冻结了' });
    expect((await heard).text).toBe('账户被冻结了');
    expect(await emitAck(sup, 'chat:unwatch', { conversationId })).toMatchObject({ ok: true });
    const silent = jest.fn();
    sup.on('chat:message', silent);
    const ownerHears = nextEvent<{ text: string }>(tab1, 'chat:message', (m) => m.text === '还在吗');
    await emitAck(phone, 'message', { clientMessageId: 'p3', text: '还在吗' });
    await ownerHears;
    expect(silent).not.toHaveBeenCalled();

    // An advisor in another branch does not see it.
    const other = track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'wang.fang')).token }));
    const theirs = await emitAck<{ chats: { conversationId: string }[] }>(other, 'chat:active');
    expect(theirs.chats.map((c) => c.conversationId)).not.toContain(conversationId);
    expect(await emitAck(other, 'chat:watch', { conversationId })).toMatchObject({ ok: false, error: 'not_visible' });

    // Closing tells the client the bot is back.
    const back = nextEvent<{ state: string }>(laptop, 'state', (s) => s.state === 'bot');
    // The client's 还在吗 has no reply: closing anyway is confirmed.
    await emitAck(tab1, 'chat:close', { conversationId, wrapUp: { category: '咨询解答' }, confirm: true });
    await back;
  });

  it('gives a fresh screen the latest messages of a long conversation', async () => {
    const conversation = await ensureConversation(ctx.sys.services.db, {
      channel: 'app',
      externalUserId: 'C2006',
      customerId: 'C2006',
      branchId: 'SZ01',
    });
    const conversationId = conversation._id.toString();
    for (let i = 0; i < 110; i++) {
      const { message } = await recordInbound(ctx.sys.services, {
        conversationId,
        channel: 'app',
        channelMessageId: `C2006.long${i}`,
        externalUserId: 'C2006',
        text: `第${i}问`,
      });
      // Already answered (below): the bot's recovery sweep must not take it up again.
      await ctx.sys.services.db.Message.updateOne({ _id: message._id }, { $set: { status: 'handled' } });
      await recordOutbound(ctx.sys.services, { conversationId, channel: 'app', author: { kind: 'bot' }, text: `第${i}答` });
    }
    const fresh = track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C2006', 'SZ01') }));
    const history = await nextEvent<{ messages: { seq: number; text: string }[] }>(fresh, 'history');
    expect(history.messages).toHaveLength(200);
    expect(history.messages.at(-1)!.text).toBe('第109答');
    expect(history.messages[0]!.text).toBe('第10问');
  }, 90_000); // 330 writes one after another: slow on a busy 2-core machine
});
