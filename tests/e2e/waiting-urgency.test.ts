import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

type View = { handoffId: string; priority: number; reasons: string[]; customer: { id: string } | null };

/** A client who writes something alarming while waiting for a person moves up the waiting list. */
describe('a waiting client who becomes more urgent', () => {
  const ctx = useTestSystem();

  it('raises the waiting handoff once, and advisors see and are offered it as urgent', async () => {
    // The supervisor watches every branch's waiting list; no advisor of SH01 is online yet.
    const supervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }),
    );
    const client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1004', 'SH01') }));

    const queued = nextEvent<View>(supervisor, 'queue:added', (v) => v.customer?.id === 'C1004', 20_000);
    await emitAck(client, 'message', { clientMessageId: 'w1', text: '转人工' });
    const waiting = await queued;
    expect(waiting.priority).toBe(5);

    const raised = nextEvent<View>(supervisor, 'queue:added', (v) => v.handoffId === waiting.handoffId && v.priority < 5);
    await emitAck(client, 'message', { clientMessageId: 'w2', text: '两融爆仓了，血本无归，我活不下去了' });
    const urgent = await raised;
    expect(urgent.priority).toBe(1);
    expect(urgent.reasons).toEqual(expect.arrayContaining(['explicit_request', expect.stringMatching(/^distress:/)]));

    // The list puts it first; the same words again raise nothing more.
    const list = await emitAck<{ items: View[] }>(supervisor, 'queue:list');
    expect(list.items.find((v) => v.handoffId === waiting.handoffId)).toMatchObject({ priority: 1 });
    const relayed = nextEvent(supervisor, 'queue:added', (v: View) => v.handoffId === waiting.handoffId, 1_500);
    await emitAck(client, 'message', { clientMessageId: 'w3', text: '两融爆仓了，血本无归，我活不下去了' });
    await expect(relayed).rejects.toThrow(/timed out/);
    expect(await ctx.sys.services.db.HandoffRaise.countDocuments({ handoffId: waiting.handoffId })).toBe(1);
    // The handoff document itself was not rewritten (one writer per change).
    expect(await ctx.sys.services.db.Handoff.findById(waiting.handoffId).lean()).toMatchObject({ priority: 5, status: 'queued' });

    // An advisor coming online is offered it as urgent.
    const advisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'wang.fang')).token }),
    );
    const offer = await nextEvent<View>(advisor, 'offer', (v) => v.handoffId === waiting.handoffId, 20_000);
    expect(offer.priority).toBe(1);
  });
});
