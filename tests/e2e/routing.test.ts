import { pickAdvisor, routeHandoff } from '@brokerbot/agent-console';
import { toHandoffView, type CustomerDoc, type HandoffDoc, type HandoffJob, type HandoffView } from '@brokerbot/shared';
import type { Job } from 'bullmq';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, testEnv, useTestSystem } from '../support/test-system';

/** How the router chooses an advisor: presence, branch, capacity, priority and the offer SLA. */
describe('handoff routing', () => {
  const ctx = useTestSystem(() => testEnv({ OFFER_TIMEOUT_S: '1', MAX_CHATS_PER_ADVISOR: '1' }));

  async function advisor(username: string) {
    const { token, advisor } = await loginAdvisor(ctx.sys.url, username);
    const s = await connect(ctx.sys.url, '/advisor', { token });
    ctx.sockets.push(s);
    await nextEvent(s, 'ready');
    return { socket: s, id: advisor.id };
  }
  async function escalateAs(customerId: string, branchId: string, text = '转人工') {
    const s = await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) });
    ctx.sockets.push(s);
    await nextEvent(s, 'history');
    await emitAck(s, 'message', { clientMessageId: `esc-${customerId}`, text });
    return s;
  }

  it('re-offers an unanswered chat to the next advisor after OFFER_TIMEOUT_S, then caps each advisor at max chats', async () => {
    const zhang = await advisor('zhang.min');
    const chen = await advisor('chen.jie');
    const offers: string[] = [];
    zhang.socket.on('offer', () => offers.push('zhang'));
    chen.socket.on('offer', () => offers.push('chen'));

    const first = Promise.race([
      nextEvent<{ handoffId: string }>(zhang.socket, 'offer'),
      nextEvent<{ handoffId: string }>(chen.socket, 'offer'),
    ]);
    await escalateAs('C2003', 'SZ01');
    const { handoffId } = await first;
    // Nobody accepts: after a second the offer moves to the other advisor.
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (offers.length >= 2) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > 8000) {
          clearInterval(poll);
          reject(new Error(`expected a second offer, saw ${offers.join(',')}`));
        }
      }, 50);
    });
    expect(offers[1]).not.toBe(offers[0]);

    // The second advisor takes it; with MAX_CHATS_PER_ADVISOR=1 they cannot take another.
    const taker = offers[1] === 'zhang' ? zhang : chen;
    expect(await emitAck(taker.socket, 'chat:accept', { handoffId })).toMatchObject({ ok: true });
    const nextOffer = nextEvent<{ handoffId: string; customer: { id: string } }>(
      offers[1] === 'zhang' ? chen.socket : zhang.socket,
      'offer',
    );
    const added = nextEvent<{ handoffId: string }>(taker.socket, 'queue:added', (h) => h.handoffId !== handoffId);
    await escalateAs('C2004', 'SZ01');
    const second = await added;
    expect(await emitAck(taker.socket, 'chat:accept', { handoffId: second.handoffId })).toMatchObject({
      ok: false,
      error: 'at_capacity',
    });
    // The router offers it only to the advisor with room.
    expect((await nextOffer).customer.id).toBe('C2004');
  });

  it('lists distress and VIP chats before ordinary ones', async () => {
    const sup = await advisor('zhao.lei');
    await escalateAs('C1001', 'SH01', '人工客服');
    await escalateAs('C1003', 'SH01', '人工客服'); // VIP
    await escalateAs('C1004', 'SH01', '两融被强平了，血本无归');
    const waitFor = async () => {
      for (let i = 0; i < 100; i++) {
        const list = await emitAck<{ items: { customer: { id: string }; priority: number; reasons: string[] }[] }>(
          sup.socket,
          'queue:list',
        );
        const ids = list.items.map((i) => i.customer.id).filter((id) => ['C1001', 'C1003', 'C1004'].includes(id));
        if (ids.length === 3) return list.items.filter((i) => ids.includes(i.customer.id));
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('handoffs did not appear');
    };
    const items = await waitFor();
    expect(items.map((i) => i.customer.id)).toEqual(['C1004', 'C1003', 'C1001']);
    expect(items[0]!.reasons.join(' ')).toContain('distress');
    expect(items[1]!.reasons).toContain('tier:vip');
    // Supervisors watch but never take chats.
    expect(
      await emitAck(sup.socket, 'chat:accept', {
        handoffId: (await emitAck<{ items: { handoffId: string }[] }>(sup.socket, 'queue:list')).items[0]!.handoffId,
      }),
    ).toMatchObject({ ok: false, error: 'not_an_advisor' });
  });

  it('offers a chat without a branch only to advisors who may take it (those who see every branch)', async () => {
    const li = await advisor('li.qiang');
    // An unbound WeCom client's chat has no branch: a branch advisor could not accept it.
    expect(await pickAdvisor(ctx.sys.services, null, [])).toBeNull();
    await ctx.sys.services.db.Advisor.updateOne({ _id: li.id }, { $set: { allBranches: true } });
    expect(await pickAdvisor(ctx.sys.services, null, [])).toBe(li.id);
    await ctx.sys.services.db.Advisor.updateOne({ _id: li.id }, { $set: { allBranches: false } });
  });

  it("offers a fresh escalation from what its job carries, as stored, to the client's own advisor first; a chat taken before it was routed gets no offer", async () => {
    const sun = await advisor('sun.hui');
    const wang = await advisor('wang.fang'); // C1002's own advisor
    // (Chats left waiting by the tests above are offered too: only C1002's counts here.)
    const offered = nextEvent<HandoffView>(wang.socket, 'offer', (h) => h.customer?.id === 'C1002');
    const toSun: string[] = [];
    sun.socket.on('offer', (h: HandoffView) => h.customer?.id === 'C1002' && toSun.push(h.handoffId));
    await escalateAs('C1002', 'SH01', '我要投诉，你们的系统把我的单子卡住了，转人工');
    const view = await offered;
    const { db, queues } = ctx.sys.services;
    // The router read neither of these: the offer must still show exactly what is stored.
    const stored = (await db.Handoff.findById(view.handoffId).lean()) as HandoffDoc;
    const customer = (await db.Customer.findById('C1002').lean()) as CustomerDoc;
    expect(view).toEqual(toHandoffView(stored, customer, wang.id));
    expect(view.customer).toMatchObject({ id: 'C1002', name: '孙丽', tier: 'gold', phone: '138****1002' });
    expect(view.reasons).toContain('complaint');
    expect(toSun).toEqual([]);
    const job = await queues.handoff.getJob(view.handoffId);
    expect(job?.data.snapshot).toBeDefined();

    // Taken, then the same route job runs again (a late or repeated run): no second offer.
    expect(await emitAck(wang.socket, 'chat:accept', { handoffId: view.handoffId })).toMatchObject({ ok: true });
    let offersAfter = 0;
    wang.socket.on('offer', (h: HandoffView) => h.handoffId === view.handoffId && (offersAfter += 1));
    expect(await routeHandoff(ctx.sys.services, { data: job!.data } as Job<HandoffJob>)).toBe('done');
    // Also when the conversation's Redis copy is gone: the stored handoff decides.
    await ctx.sys.services.redis.del(`${ctx.sys.config.QUEUE_PREFIX}:conversation:${view.conversationId}`);
    expect(await routeHandoff(ctx.sys.services, { data: job!.data } as Job<HandoffJob>)).toBe('done');
    await new Promise((r) => setTimeout(r, 300));
    expect(offersAfter).toBe(0);
  });
});
