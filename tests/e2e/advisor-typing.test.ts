import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';
import { settled, startMpSystem, waitFor } from './miniprogram-harness';

interface Typing {
  conversationId: string;
  from: string;
  typing: boolean;
}

/** The advisor's "typing" as the client sees it: the trading app gets `typing` events on /client. */
describe('advisor typing in a trading-app chat', () => {
  const ctx = useTestSystem();
  let n = 0;

  /** A client of the app who asked for a person, and the advisor who accepted the chat. */
  async function escalatedChat(customerId: string, branchId: string, username: string) {
    const { token } = await loginAdvisor(ctx.sys.url, username);
    const advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    const client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) }));
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    const serving = nextEvent<{ state: string }>(client, 'state', (s) => s.state === 'human', 20_000);
    await emitAck(client, 'message', { clientMessageId: `t${n++}`, text: '转人工' });
    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    expect(accepted.ok).toBe(true);
    await serving;
    return { advisor, client, conversationId: accepted.chat.conversationId };
  }

  function typingEvents(client: Socket): Typing[] {
    const seen: Typing[] = [];
    client.on('typing', (t: Typing) => seen.push(t));
    return seen;
  }

  it("shows the owner's typing to the client, refreshed at most every 10 s, and its end", async () => {
    const { advisor, client, conversationId } = await escalatedChat('C1002', 'SH01', 'wang.fang');
    const seen = typingEvents(client);

    const started = nextEvent<Typing>(client, 'typing');
    expect(await emitAck(advisor, 'chat:typing', { conversationId, typing: true })).toEqual({ ok: true, supported: true });
    expect(await started).toEqual({ conversationId, from: 'advisor', typing: true });
    // Every keystroke may say "typing"; the client is told once per 10 s.
    expect(await emitAck(advisor, 'chat:typing', { conversationId, typing: true })).toEqual({ ok: true, supported: true });

    const stopped = nextEvent<Typing>(client, 'typing', (t) => !t.typing);
    expect(await emitAck(advisor, 'chat:typing', { conversationId, typing: false })).toEqual({ ok: true, supported: true });
    expect(await stopped).toEqual({ conversationId, from: 'advisor', typing: false });
    // "Stopped" again changes nothing on the client's screen and is not sent.
    expect(await emitAck(advisor, 'chat:typing', { conversationId, typing: false })).toMatchObject({ ok: true });

    // Right after the advisor's reply (which hides the indicator), typing the next one shows again.
    const again = nextEvent<Typing>(client, 'typing', (t) => t.typing);
    await emitAck(advisor, 'chat:typing', { conversationId, typing: true });
    await again;
    const reply = nextEvent<{ from: string }>(client, 'message', (m) => m.from === 'advisor');
    expect(await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'a1', text: '您好，请稍等' })).toMatchObject({
      ok: true,
    });
    await reply;
    const afterReply = nextEvent<Typing>(client, 'typing', (t) => t.typing);
    await emitAck(advisor, 'chat:typing', { conversationId, typing: true });
    await afterReply;

    expect(seen.map((t) => t.typing)).toEqual([true, false, true, true]);
  });

  it('refuses typing from an advisor who does not own the chat, and the client sees nothing', async () => {
    const { advisor, client, conversationId } = await escalatedChat('C2003', 'SZ01', 'zhang.min');
    const seen = typingEvents(client);
    // Another client, in a chat of their own, never hears of this one.
    const bystander = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C2004', 'SZ01') }));
    const overheard = typingEvents(bystander);

    for (const username of ['chen.jie', 'wang.fang', 'zhao.lei']) {
      const { token } = await loginAdvisor(ctx.sys.url, username);
      const stranger = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
      expect(await emitAck(stranger, 'chat:typing', { conversationId, typing: true })).toEqual({
        ok: false,
        error: 'not_owner',
        message: '您没有接入这个会话，或会话已结束',
      });
      stranger.disconnect();
    }
    expect(await emitAck(advisor, 'chat:typing', { conversationId: 'nope', typing: true })).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });

    // The owner's typing is the first and only one the client gets (the emits travel in order).
    const owners = nextEvent<Typing>(client, 'typing');
    await emitAck(advisor, 'chat:typing', { conversationId, typing: true });
    await owners;
    expect(seen).toEqual([{ conversationId, from: 'advisor', typing: true }]);
    expect(overheard).toEqual([]);

    // Once the chat is closed, its former owner may not show typing either.
    expect(
      await emitAck(advisor, 'chat:close', { conversationId, wrapUp: { category: '咨询解答' }, confirm: true }),
    ).toMatchObject({ ok: true });
    expect(await emitAck(advisor, 'chat:typing', { conversationId, typing: true })).toMatchObject({
      ok: false,
      error: 'not_owner',
    });
  });
});

describe('advisor typing in a mini-program chat (unchanged: Tencent typing API)', () => {
  jest.setTimeout(60_000);

  it('sends Typing once per 10 s and CancelTyping at the end, and nothing to app clients', async () => {
    const t = await startMpSystem({ mode: 'plain', format: 'json' });
    try {
      const openId = 'oTypingMp00000000000000000001';
      await t.sys.services.db.Customer.updateOne(
        { _id: 'C2002' },
        { $push: { identities: { channel: 'miniprogram', externalId: openId } } },
      );
      const { token } = await loginAdvisor(t.sys.url, 'zhang.min');
      const advisor = await connect(t.sys.url, '/advisor', { token });
      const appClient = await connect(t.sys.url, '/client', { token: clientToken(t.sys.config, 'C2002', 'SZ01') });
      const appTyping: unknown[] = [];
      appClient.on('typing', (p: unknown) => appTyping.push(p));
      try {
        const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
        await t.sim.simulateClientMessage({ openId, text: '转人工' });
        const accepted = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
          handoffId: (await offer).handoffId,
        });
        const { conversationId } = accepted.chat;
        const sent = () => t.sim.sent.filter((s) => s.touser === openId);
        await waitFor(() => sent().length === 2, 'the bot notice and the joining notice');
        await settled(t.sys);
        const since = sent()[1]!.at;

        for (const typing of [true, true, false, false]) {
          expect(await emitAck(advisor, 'chat:typing', { conversationId, typing })).toEqual({ ok: true, supported: true });
        }
        const commands = t.sim.typing.filter((c) => c.touser === openId && c.at >= since).map((c) => c.command);
        expect(commands).toEqual(['Typing', 'CancelTyping']);
        // The same customer's app chat is another conversation: it shows nothing.
        expect(appTyping).toEqual([]);
      } finally {
        advisor.disconnect();
        appClient.disconnect();
      }
    } finally {
      await t.stop();
    }
  });
});
