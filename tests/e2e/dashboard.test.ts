import { backfillDashboard, loadBuckets, sealDashboard, summarizeDashboard } from '@brokerbot/agent-console';
import type { DashboardSeries, DashboardSummary } from '@brokerbot/shared';
import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

type SummaryAck = { ok: boolean; summary: DashboardSummary; error?: string; message?: string };
type SeriesAck = { ok: boolean; series: DashboardSeries; error?: string; message?: string };

/**
 * 看板: the dashboard's figures against a set of conversations with known counts, driven through
 * the running system (app clients, the bot, an advisor), read live from the counters, then from
 * sealed hour rollups, then from a rebuild out of the stored data; and who may see what.
 */
describe('supervisor dashboard', () => {
  const ctx = useTestSystem();
  let supervisor: Socket;
  let advisor: Socket;
  const started = Date.now();
  const range = () => ({
    from: new Date(started - 2 * 3_600_000).toISOString(),
    to: new Date(Date.now() + 3_600_000).toISOString(),
  });
  const summary = (socket: Socket, extra: Record<string, unknown> = {}) =>
    emitAck<SummaryAck>(socket, 'dashboard:summary', { ...range(), ...extra });

  async function botAnswers(client: Socket, id: string, text: string): Promise<void> {
    const reply = nextEvent<{ from: string }>(client, 'message', (m) => m.from === 'bot');
    await emitAck(client, 'message', { clientMessageId: id, text });
    await reply;
  }

  /** What the database holds, counted by hand: the dashboard must say the same. */
  async function stored() {
    const msgs = await ctx.sys.services.db.Message.find({}, { direction: 1, author: 1, status: 1 }).lean();
    const by = (kind: string) => msgs.filter((m) => (m.direction === 'in' ? 'client' : m.author.kind) === kind).length;
    // The closed chat is inspected automatically (quality role): its first score is counted too.
    const scores = await ctx.sys.services.db.QualityScore.find({}, { handoffId: 1, total: 1 }).lean();
    return {
      client: by('client'),
      bot: by('bot'),
      advisor: by('advisor'),
      system: by('system'),
      unsent: msgs.filter((m) => m.direction === 'out' && m.status !== 'sent').length,
      scored: scores.length > 0,
      inspected: new Set(scores.filter((q) => q.total !== null).map((q) => q.handoffId)).size,
    };
  }

  async function settled(): Promise<SummaryAck> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const db = await stored();
      const res = await summary(supervisor);
      const m = res.summary.messages;
      const inspected = res.summary.inspection.count === db.inspected;
      if (
        db.unsent === 0 &&
        db.scored &&
        inspected &&
        m.client === db.client &&
        m.bot === db.bot &&
        m.advisor === db.advisor &&
        m.system === db.system
      )
        return res;
      if (Date.now() > deadline)
        throw new Error(`dashboard ${JSON.stringify(m)} never matched the database ${JSON.stringify(db)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    supervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }),
    );
    advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'wang.fang')).token }));

    // SH01, app: an FAQ answered by the bot; the same message resent after a "lost ack" counts once.
    const faq = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1001', 'SH01') }));
    await botAnswers(faq, 'a1', '交易时间是几点？');
    expect(await emitAck(faq, 'message', { clientMessageId: 'a1', text: '交易时间是几点？' })).toMatchObject({
      ok: true,
      duplicate: true,
    });

    // SH01, app: a VIP client whose account is frozen — escalated, accepted by 王芳, answered, closed.
    const vip = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1003', 'SH01') }));
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(vip, 'message', { clientMessageId: 'v1', text: '我的账户被冻结了，急死了！！！' });
    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    expect(accepted.ok).toBe(true);
    const conversationId = accepted.chat.conversationId;
    const reply = nextEvent(vip, 'message', (m: { from: string }) => m.from === 'advisor');
    await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'r1', text: '您好，我来帮您查看冻结原因。' });
    await reply;
    // A second reply is not a first response.
    await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'r2', text: '已为您提交解冻申请。' });
    expect(await emitAck(advisor, 'chat:close', { conversationId, wrapUp: { category: '业务办理' } })).toMatchObject({
      ok: true,
    });

    // SZ01, app: two FAQ questions answered by the bot.
    const sz = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C2001', 'SZ01') }));
    await botAnswers(sz, 's1', '交易时间是几点？');
    await botAnswers(sz, 's2', '怎么修改交易密码');
  }, 90_000);

  function expectKnownCounts(s: DashboardSummary) {
    expect(s.conversations).toBe(3);
    expect(s.escalations).toBe(1);
    expect(s.botResolved).toBe(2);
    expect(s.botResolvedShare).toBeCloseTo(2 / 3, 3);
    expect(s.messages.client).toBe(4);
    expect(s.messages.advisor).toBe(2);
    expect(s.byBranch.map((b) => [b.branchId, b.conversations, b.escalations])).toEqual([
      ['SH01', 2, 1],
      ['SZ01', 1, 0],
    ]);
    expect(s.byChannel.map((c) => [c.channel, c.conversations])).toEqual([['app', 3]]);
    expect(s.byReason.length).toBeGreaterThan(0);
    expect(s.queueWait.count).toBe(1);
    expect(s.firstResponse.count).toBe(1);
    expect(s.handleTime.count).toBe(1);
    expect(s.queueWait.p50).not.toBeNull();
    // Every client message the bot read has an emotion.
    expect(Object.values(s.emotions).reduce((a, b) => a + b, 0)).toBe(4);
  }

  it('counts the seeded conversations live, the same after sealing, and the same rebuilt from stored data', async () => {
    const live = await settled();
    expect(live.ok).toBe(true);
    expectKnownCounts(live.summary);
    const db = await stored();
    expect(live.summary.messages.bot).toBe(db.bot);
    expect(live.summary.messages.system).toBe(db.system);

    // The hour is over (as far as the sealer knows): its counters become an insert-only rollup; sealing again changes nothing.
    const later = Date.now() + 2 * 3_600_000;
    const sealed = await sealDashboard(ctx.sys.services, later);
    expect(sealed.hours).toBeGreaterThan(0);
    expect(await sealDashboard(ctx.sys.services, later)).toEqual({ hours: 0, days: 0 });
    // Read from the rollups, not the live counters: those may go now.
    const hourKeys = await ctx.sys.services.redis.keys(`${ctx.sys.config.QUEUE_PREFIX}:dash:h:*`);
    if (hourKeys.length) await ctx.sys.services.redis.del(...hourKeys);
    const fromRollups = await summary(supervisor);
    expect({ ...fromRollups.summary, to: null }).toEqual({ ...live.summary, to: null });

    // Days later, today is a sealed day rollup: a 7-day range reads it (and hours for the rest) and counts the same.
    const daysLater = Date.now() + 36 * 3_600_000;
    const sealedDays = await sealDashboard(ctx.sys.services, daysLater);
    expect(sealedDays.days).toBeGreaterThan(0);
    const week = { from: daysLater - 7 * 86_400_000, to: daysLater };
    const buckets = await loadBuckets(ctx.sys.services, week.from, week.to, daysLater);
    expect(buckets.find((b) => b.span === 'day' && b.start <= started && started < b.start + 86_400_000)).toBeDefined();
    const weekly = summarizeDashboard(buckets, { ...week, branches: null, waitThresholdS: 60, firstResponseThresholdS: 30 });
    expect({ ...weekly, from: null, to: null }).toEqual({ ...live.summary, from: null, to: null });

    // Redis loses the counters and the rollups are gone: a rebuild from stored data gives the same figures.
    const keys = await ctx.sys.services.redis.keys(`${ctx.sys.config.QUEUE_PREFIX}:dash:*`);
    if (keys.length) await ctx.sys.services.redis.del(...keys);
    await ctx.sys.services.db.connection.collection('dashboardhours').deleteMany({});
    await ctx.sys.services.db.connection.collection('dashboarddays').deleteMany({});
    expect((await summary(supervisor)).summary.conversations).toBe(0);
    await backfillDashboard(ctx.sys.services.db, { from: started - 3 * 3_600_000, to: later, now: later });
    const rebuilt = await summary(supervisor);
    expectKnownCounts(rebuilt.summary);
    expect(rebuilt.summary.messages).toEqual(live.summary.messages);
    expect(rebuilt.summary.byReason).toEqual(live.summary.byReason);
    expect(rebuilt.summary.emotions).toEqual(live.summary.emotions);
    expect(rebuilt.summary.inspection).toEqual(live.summary.inspection);
  });

  it('gives the charts hourly series of the same counts', async () => {
    const res = await emitAck<SeriesAck>(supervisor, 'dashboard:series', range());
    expect(res.ok).toBe(true);
    expect(res.series.step).toBe('hour');
    expect(res.series.buckets.reduce((n, b) => n + b.conversations, 0)).toBe(3);
    expect(res.series.buckets.reduce((n, b) => n + (b.messagesByChannel.app ?? 0), 0)).toBeGreaterThanOrEqual(4);
    expect(res.series.recent).toHaveLength(24);
  });

  it('shows a surge of worried clients in the last minutes, as the bot read them', async () => {
    const { db } = ctx.sys.services;
    // The first test wiped the live counters: from here on, only these clients' messages are in them.
    const since = Date.now();
    const texts = ['两融账户担保比例跌破130%了，好担心怎么办', '我很着急，会不会被强平', '市场暴跌，我的账户怎么办，急死了'];
    for (const [i, customerId] of ['C1004', 'C1005', 'C2003'].entries()) {
      const branchId = customerId.startsWith('C1') ? 'SH01' : 'SZ01';
      const client = ctx.track(
        await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) }),
      );
      await botAnswers(client, `surge-${i}`, texts[i]!);
    }
    const deadline = Date.now() + 10_000;
    for (;;) {
      // What the bot read, per emotion, for these messages: the live 5-minute series says the same.
      const read = await db.Message.find({ direction: 'in' }, { meta: 1, createdAt: 1 }).lean();
      const expected: Record<string, number> = {};
      for (const m of read) {
        const e = (m.meta as { understanding?: { emotion?: string } } | null)?.understanding?.emotion;
        if (e && +new Date(m.createdAt) >= since) expected[e] = (expected[e] ?? 0) + 1;
      }
      const res = await emitAck<SeriesAck>(supervisor, 'dashboard:series', range());
      const recent: Record<string, number> = {};
      for (const b of res.series.recent) for (const [e, n] of Object.entries(b.emotions)) recent[e] = (recent[e] ?? 0) + n;
      const total = Object.values(expected).reduce((a, b) => a + b, 0);
      if (total === 3 && JSON.stringify(Object.entries(recent).sort()) === JSON.stringify(Object.entries(expected).sort())) {
        // The bot read worry in these messages, and the chart shows it in the newest buckets.
        expect((recent.anxious ?? 0) + (recent.angry ?? 0) + (recent.sad ?? 0)).toBeGreaterThan(0);
        const newest = res.series.recent.slice(-2).reduce((n, b) => n + Object.values(b.emotions).reduce((a, c) => a + c, 0), 0);
        expect(newest).toBe(3);
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`recent emotions ${JSON.stringify(recent)} never matched ${JSON.stringify(expected)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('is for supervisors only, within their branches', async () => {
    expect(await summary(advisor)).toMatchObject({ ok: false, error: 'not_a_supervisor' });
    expect(await emitAck(advisor, 'dashboard:series', range())).toMatchObject({ ok: false, error: 'not_a_supervisor' });

    // A branch supervisor of SZ01 (not head office).
    const { db } = ctx.sys.services;
    const head = await db.Advisor.findOne({ username: 'zhao.lei' }).lean();
    await db.Advisor.create({
      username: 'sun.li',
      displayName: '孙丽',
      passwordHash: head!.passwordHash,
      role: 'supervisor',
      branchId: 'SZ01',
      allBranches: false,
    });
    const branchSupervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'sun.li')).token }),
    );
    const own = await summary(branchSupervisor);
    expect(own.ok).toBe(true);
    expect(own.summary.branches).toEqual(['SZ01']);
    expect(own.summary.conversations).toBe(1);
    expect(own.summary.escalations).toBe(0);
    expect(await summary(branchSupervisor, { branchId: 'SH01' })).toMatchObject({ ok: false, error: 'not_visible' });
    expect(await emitAck(branchSupervisor, 'dashboard:series', { ...range(), branchId: 'SH01' })).toMatchObject({
      ok: false,
      error: 'not_visible',
    });

    // Head office filters by branch.
    const sh = await summary(supervisor, { branchId: 'SH01' });
    expect(sh.summary).toMatchObject({ branches: ['SH01'], conversations: 2, escalations: 1 });
  });

  it('refuses a malformed range with a reason', async () => {
    const now = Date.now();
    const bad = [
      {},
      { from: 'yesterday', to: new Date(now).toISOString() },
      { from: new Date(now).toISOString(), to: new Date(now - 3_600_000).toISOString() },
      { from: new Date(now - 40 * 86_400_000).toISOString(), to: new Date(now).toISOString() },
      { ...range(), branchId: 'SH01;drop' },
    ];
    for (const payload of bad) {
      const res = await emitAck<SummaryAck>(supervisor, 'dashboard:summary', payload);
      expect(res).toMatchObject({ ok: false, error: 'invalid_request' });
      expect(res.message).toMatch(/[\u4e00-\u9fa5]/);
    }
  });
});
