import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

type Insight = {
  emotion: string | null;
  intensity: number | null;
  intentLabel: string | null;
  action: string | null;
  reasons: string[];
};
type Wire = { id: string; from: string; text: string; insight?: Insight };

/** What the bot made of each client message is shown to advisors, and only to them. */
describe('message insight for advisors', () => {
  const ctx = useTestSystem();

  it('shows advisors the emotion, intent and decision behind client messages, never the client', async () => {
    const client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1003', 'SH01') }));
    const { token } = await loginAdvisor(ctx.sys.url, 'li.qiang');
    const advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    const seenByClient: Wire[] = [];
    client.on('message', (m: Wire) => seenByClient.push(m));

    const insights: { messageId: string; insight: Insight }[] = [];
    advisor.on('chat:insight', (u: { messageId: string; insight: Insight }) => insights.push(u));
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(client, 'message', { clientMessageId: 'i1', text: '我的账户被冻结了，急死了！！！' });
    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string; messages: Wire[] } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    // The chat opens with the bot's reading of what the client already wrote (or, when the
    // advisor was quicker than the end of the bot's turn, it follows as an update).
    const first = accepted.chat.messages.find((m) => m.from === 'client')!;
    for (let i = 0; i < 50 && !first.insight; i++) {
      first.insight = insights.find((u) => u.messageId === first.id)?.insight;
      if (!first.insight) await new Promise((r) => setTimeout(r, 20));
    }
    expect(first.insight).toMatchObject({
      emotion: 'anxious',
      intentLabel: expect.any(String),
      action: 'escalated',
      reasons: expect.arrayContaining([expect.stringMatching(/^high_risk_intent:/)]),
    });

    // While the advisor serves the client, each new message is read too, and arrives as an update.
    const insight = nextEvent<{ messageId: string; insight: Insight }>(advisor, 'chat:insight', (u) => u.messageId !== first.id);
    const relayed = nextEvent<Wire>(advisor, 'chat:message', (m) => m.text === '你们到底管不管？太气人了！');
    await emitAck(client, 'message', { clientMessageId: 'i2', text: '你们到底管不管？太气人了！' });
    const live = await relayed;
    const update = await insight;
    expect(update.messageId).toBe(live.id);
    expect(update.insight).toMatchObject({ emotion: 'angry', action: 'relayed' });

    // The client's own screens never get any of it.
    expect(seenByClient.length).toBeGreaterThan(0);
    expect(seenByClient.every((m) => m.insight === undefined)).toBe(true);
    const history = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1003', 'SH01') }));
    const replay = await nextEvent<{ messages: Wire[] }>(history, 'history');
    expect(replay.messages.every((m) => m.insight === undefined)).toBe(true);
  });
});
