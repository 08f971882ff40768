import { Types } from 'mongoose';
import { QueueEvents, Queue } from 'bullmq';
import type { Socket } from 'socket.io-client';
import { ActivitySets, mintAdvisorToken } from '@brokerbot/agent-console';
import { createRedis } from '@brokerbot/shared';
import { termsOf } from '../../agent-console/src/transcript-index/terms';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

type AuditEntry = {
  actorId: string | null;
  actorName: string;
  role: string;
  action: string;
  conversationId: string;
  branchId: string | null;
  details: Record<string, unknown>;
};
type AuditPage = { ok: boolean; items: AuditEntry[]; next: string | null; error?: string; message?: string };
type Hold = { held: boolean; reason: string; byName: string | null };

const DAY = 24 * 3600_000;

/**
 * Records (issue #10): a printable export of a transcript, the audit log of who opened, reviewed,
 * exported, watched or held which conversation, legal holds, and the retention purge.
 */
describe('records: export, audit log, legal hold, retention', () => {
  const ctx = useTestSystem();
  let supervisor: Socket;
  let advisor: Socket;
  let branchSupervisor: Socket;
  let escalatedId: string;
  let faqId: string;

  const audit = (q: Record<string, unknown>, socket = supervisor) => emitAck<AuditPage>(socket, 'audit:list', q);
  const hold = (payload: Record<string, unknown>, socket = supervisor) =>
    emitAck<{ ok: boolean; legalHold: Hold; error?: string; message?: string }>(socket, 'transcripts:hold', payload);
  const exportOf = (conversationId: string, socket = supervisor) =>
    emitAck<{ ok: boolean; html: string; filename: string; error?: string }>(socket, 'transcripts:export', { conversationId });

  beforeAll(async () => {
    const { db, config } = ctx.sys.services;
    supervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }),
    );
    advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'wang.fang')).token }));
    const local = await db.Advisor.create({
      username: 'sun.ke',
      displayName: '孙可',
      passwordHash: 'x',
      role: 'supervisor',
      branchId: 'SZ01',
      allBranches: false,
    });
    branchSupervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', {
        token: mintAdvisorToken(
          config.ADVISOR_TOKEN_SECRET,
          { sub: local._id.toString(), name: '孙可', role: 'supervisor', branchId: 'SZ01', allBranches: false },
          600,
        ),
      }),
    );

    // A VIP client of SH01 in distress, served by 王芳; the client also sends markup, which must stay text.
    const vip = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(config, 'C1003', 'SH01') }));
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(vip, 'message', { clientMessageId: 'v1', text: '我的账户被冻结了，急死了！！！' });
    const accepted = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    escalatedId = accepted.chat.conversationId;
    const seen = nextEvent(advisor, 'chat:message', (m: { text: string }) => m.text.startsWith('<img'));
    await emitAck(vip, 'message', { clientMessageId: 'v2', text: '<img src=x onerror=alert(1)>截图在这里' });
    await seen;
    // The supervisor watches the live chat (静默监听): audited.
    expect(await emitAck(supervisor, 'chat:watch', { conversationId: escalatedId })).toMatchObject({ ok: true });
    const reply = nextEvent(vip, 'message', (m: { from: string }) => m.from === 'advisor');
    await emitAck(advisor, 'chat:send', {
      conversationId: escalatedId,
      clientMessageId: 'r1',
      text: '您好，我来帮您查看冻结原因。',
    });
    await reply;
    expect(
      await emitAck(advisor, 'chat:note', {
        conversationId: escalatedId,
        clientMessageId: 'n1',
        text: '客户情绪激动，<b>需回访</b>',
      }),
    ).toMatchObject({ ok: true });
    await emitAck(advisor, 'chat:close', {
      conversationId: escalatedId,
      wrapUp: { category: '业务办理', note: '已解释冻结原因' },
    });

    // A client of SZ01 answered by the bot.
    const faq = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(config, 'C2001', 'SZ01') }));
    const botReply = nextEvent<{ from: string }>(faq, 'message', (m) => m.from === 'bot');
    await emitAck(faq, 'message', { clientMessageId: 'f1', text: '交易时间是几点？' });
    await botReply;
    faqId = (await db.Conversation.findOne({ customerId: 'C2001' }).lean())!._id.toString();
  }, 60_000);

  it('exports a printable transcript with every section, client markup shown as text, and audits it', async () => {
    const res = await exportOf(escalatedId);
    expect(res.ok).toBe(true);
    expect(res.filename).toMatch(new RegExp(`^会话记录-${escalatedId}-\\d{8}\\.html$`));
    const html = res.html;
    for (const heading of ['<th>客户</th>', '<th>营业部</th>', '<th>渠道</th>', '<th>时间</th>', '<th>顾问</th>']) {
      expect(html).toContain(heading);
    }
    expect(html).toContain('周建国（客户号 C1003）');
    expect(html).toContain('上海陆家嘴营业部（SH01）');
    expect(html).toContain('<td>App</td>');
    expect(html).toContain('<td>王芳</td>');
    expect(html).toContain('我的账户被冻结了，急死了！！！');
    expect(html).toContain('您好，我来帮您查看冻结原因。');
    expect(html).toContain('业务办理 · 已解释冻结原因（王芳）');
    expect(html).toContain('客户满意度');
    expect(html).toContain('智能质检结果');
    expect(html).toContain('导出人 赵磊');
    // The client's markup and the advisor's note are text: escaped, never elements.
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;截图在这里');
    expect(html).toContain('客户情绪激动，&lt;b&gt;需回访&lt;/b&gt;');
    expect(html).not.toMatch(/<img|<script|<b>/i);
    expect(html).toContain(`default-src 'none'`);
    // The note is listed after the message it followed (the advisor's reply).
    expect(html.indexOf('您好，我来帮您查看冻结原因。')).toBeLessThan(html.indexOf('客户情绪激动'));

    const entries = await audit({ conversationId: escalatedId });
    expect(entries.items[0]).toMatchObject({
      action: 'export',
      actorName: '赵磊',
      role: 'supervisor',
      conversationId: escalatedId,
      branchId: 'SH01',
    });
  });

  it('logs who watched, opened, reviewed and exported a transcript, newest first', async () => {
    expect(await emitAck(supervisor, 'transcripts:open', { conversationId: escalatedId })).toMatchObject({
      ok: true,
      transcript: { legalHold: { held: false } },
    });
    expect(
      await emitAck(supervisor, 'transcripts:review', { conversationId: escalatedId, verdict: 'issue', note: '首次回复偏慢' }),
    ).toMatchObject({ ok: true });
    expect((await exportOf(escalatedId)).ok).toBe(true);

    const page = await audit({ conversationId: escalatedId });
    expect(page).toMatchObject({ ok: true, next: null });
    expect(page.items.map((e) => e.action)).toEqual(['export', 'review', 'open', 'export', 'watch']);
    expect(page.items[1]).toMatchObject({ actorName: '赵磊', details: { verdict: 'issue', note: '首次回复偏慢' } });
    expect(page.items.every((e) => e.branchId === 'SH01' && e.conversationId === escalatedId)).toBe(true);

    // By person: everything 赵磊 did; 王芳 opened no records.
    const zhao = await ctx.sys.services.db.Advisor.findOne({ username: 'zhao.lei' }).lean();
    const wang = await ctx.sys.services.db.Advisor.findOne({ username: 'wang.fang' }).lean();
    expect((await audit({ advisorId: zhao!._id.toString() })).items).toHaveLength(5);
    expect((await audit({ advisorId: wang!._id.toString() })).items).toEqual([]);

    // Advisors cannot read the log; bad filters are refused.
    expect(await audit({}, advisor)).toMatchObject({ ok: false, error: 'not_a_supervisor' });
    expect(await audit({ conversationId: 'nope' })).toMatchObject({ ok: false });
    expect(await audit({ before: '12' })).toMatchObject({ ok: false });
  });

  it('pages through the audit log', async () => {
    const { db } = ctx.sys.services;
    const conversationId = new Types.ObjectId().toString();
    const t0 = Date.now() - DAY;
    await db.connection.collection('auditentries').insertMany(
      Array.from({ length: 75 }, (_, i) => ({
        actorId: null,
        actorName: '系统',
        role: 'system',
        action: 'open',
        conversationId,
        branchId: 'SZ01',
        at: new Date(t0 + Math.floor(i / 3) * 1000), // three entries share each second
        details: { i },
      })),
    );
    const first = await audit({ conversationId });
    expect(first.items).toHaveLength(50);
    expect(first.next).toEqual(expect.any(String));
    const second = await audit({ conversationId, before: first.next });
    expect(second).toMatchObject({ ok: true, next: null });
    const all = [...first.items, ...second.items].map((e) => e.details.i as number);
    expect(new Set(all).size).toBe(75);
    expect(all.slice(0, 3).every((i) => i >= 72)).toBe(true);
  });

  it('keeps a branch supervisor to their branch for the audit log, exports and holds', async () => {
    const { db } = ctx.sys.services;
    expect((await emitAck(supervisor, 'transcripts:open', { conversationId: faqId })).ok).toBe(true);
    const before = await db.connection.collection('auditentries').countDocuments({ conversationId: escalatedId });

    const own = await audit({}, branchSupervisor);
    expect(own.ok).toBe(true);
    expect(own.items.length).toBeGreaterThan(0);
    expect(own.items.every((e) => e.branchId === 'SZ01')).toBe(true);
    expect(own.items.some((e) => e.conversationId === faqId && e.action === 'open')).toBe(true);
    expect((await audit({ conversationId: escalatedId }, branchSupervisor)).items).toEqual([]);

    expect(await exportOf(escalatedId, branchSupervisor)).toMatchObject({ ok: false, error: 'not_visible' });
    expect(await hold({ conversationId: escalatedId, hold: true, reason: '客户投诉调查' }, branchSupervisor)).toMatchObject({
      ok: false,
      error: 'not_visible',
    });
    expect(await db.connection.collection('legalholds').countDocuments({ conversationId: escalatedId })).toBe(0);
    expect(await db.connection.collection('auditentries').countDocuments({ conversationId: escalatedId })).toBe(before);

    // Their own branch's conversation they may export (audited under their name).
    const res = await exportOf(faqId, branchSupervisor);
    expect(res.ok).toBe(true);
    expect(res.html).toContain('深圳福田营业部（SZ01）');
    expect(res.html).toContain('无（全程机器人服务）');
    expect((await audit({ conversationId: faqId }, branchSupervisor)).items[0]).toMatchObject({
      action: 'export',
      actorName: '孙可',
    });

    // Advisors hold nothing.
    expect(await hold({ conversationId: faqId, hold: true, reason: '测试' }, advisor)).toMatchObject({
      ok: false,
      error: 'not_a_supervisor',
    });
  });

  it('places and lifts a legal hold with a reason, once each', async () => {
    const { db } = ctx.sys.services;
    expect(await hold({ conversationId: faqId, hold: true })).toMatchObject({ ok: false });
    expect(await hold({ conversationId: faqId, hold: true, reason: ' ' })).toMatchObject({ ok: false });
    expect(await db.connection.collection('legalholds').countDocuments({ conversationId: faqId })).toBe(0);

    expect(await hold({ conversationId: faqId, hold: true, reason: '监管问询，保留记录' })).toMatchObject({
      ok: true,
      legalHold: { held: true, reason: '监管问询，保留记录', byName: '赵磊' },
    });
    expect(await hold({ conversationId: faqId, hold: true, reason: '再次保全' })).toMatchObject({
      ok: false,
      error: 'already_held',
    });
    const opened = await emitAck<{ transcript: { legalHold: Hold } }>(supervisor, 'transcripts:open', { conversationId: faqId });
    expect(opened.transcript.legalHold).toMatchObject({ held: true, reason: '监管问询，保留记录' });
    expect((await exportOf(faqId)).html).toContain('保全中');

    expect(await hold({ conversationId: faqId, hold: false, reason: '问询结束' })).toMatchObject({
      ok: true,
      legalHold: { held: false },
    });
    expect(await hold({ conversationId: faqId, hold: false, reason: '问询结束' })).toMatchObject({
      ok: false,
      error: 'not_held',
    });
    const holds = (await audit({ conversationId: faqId })).items.filter((e) => e.action === 'legal_hold');
    expect(holds.map((e) => e.details)).toEqual([
      { hold: false, reason: '问询结束' },
      { hold: true, reason: '监管问询，保留记录' },
    ]);
  });

  it('audits a confirmation of an inspection result, and exports the result with it', async () => {
    const { db } = ctx.sys.services;
    const handoff = await db.Handoff.findOne({ conversationId: escalatedId }).lean();
    await db.QualityScore.create({
      conversationId: escalatedId,
      handoffId: handoff!._id.toString(),
      branchId: 'SH01',
      advisorId: null,
      scorecardVersion: 'records-test',
      revision: 0,
      total: 50,
      items: [
        {
          id: 'risk_warning',
          label: '风险提示',
          kind: 'rule',
          passed: false,
          severity: 'major',
          weight: 1,
          detail: '未提示风险',
          evidence: [],
        },
        { id: 'greeting', label: '问候语', kind: 'rule', passed: true, severity: 'minor', weight: 1, detail: '', evidence: [] },
      ],
      failedItemIds: ['risk_warning'],
      flags: ['major'],
      // Newer than any automatic score of the chat: this is the result qa:confirm judges.
      closedAt: new Date(Date.now() + DAY),
      scoredAt: new Date(),
    });
    expect(
      await emitAck(supervisor, 'qa:confirm', {
        conversationId: escalatedId,
        itemId: 'risk_warning',
        verdict: 'overridden',
        note: '已口头提示',
      }),
    ).toMatchObject({ ok: true });
    expect((await audit({ conversationId: escalatedId })).items[0]).toMatchObject({
      action: 'qa_confirm',
      actorName: '赵磊',
      branchId: 'SH01',
      details: { itemId: 'risk_warning', verdict: 'overridden', note: '已口头提示' },
    });
    const html = (await exportOf(escalatedId)).html;
    expect(html).toContain('总分</th><td>50 分');
    expect(html).toContain('风险提示：未通过（重要）');
    expect(html).toContain('已推翻 · 赵磊 · 已口头提示');
    expect(html).toContain('问候语：通过');
  });

  describe('retention purge', () => {
    const old = new Date(Date.now() - 21 * 365 * DAY);
    const handoffOf = new Map<string, string>();

    /** An old conversation with the records the purge must remove, inserted as if made 21 years ago. */
    async function oldConversation(customerId: string, branchId: string, options: { recentMessage?: boolean } = {}) {
      const { db } = ctx.sys.services;
      const _id = new Types.ObjectId();
      const conversationId = _id.toString();
      await db.Conversation.collection.insertOne({
        _id,
        channel: 'app',
        externalUserId: `old-${customerId}-${conversationId}`,
        customerId,
        branchId,
        state: 'bot',
        advisorId: null,
        handoffId: null,
        version: 2,
        createdAt: old,
        updatedAt: old,
      });
      const messages = [0, 1, 2].map((seq) => ({
        conversationId,
        seq,
        channel: 'app',
        channelMessageId: `old-${conversationId}-${seq}`,
        direction: seq % 2 ? 'out' : 'in',
        author: { kind: seq % 2 ? 'advisor' : 'client', id: null, name: null },
        text: `我的账户被冻结了 ${seq}`,
        status: 'handled',
        meta: null,
        error: null,
        createdAt: options.recentMessage && seq === 2 ? new Date() : new Date(old.getTime() + seq * 1000),
        updatedAt: old,
      }));
      await db.Message.collection.insertMany(messages);
      const handoff = await db.Handoff.collection.insertOne({
        conversationId,
        branchId,
        status: 'closed',
        priority: 5,
        reasons: ['user_requested'],
        createdAt: old,
        updatedAt: old,
      });
      const handoffId = handoff.insertedId.toString();
      handoffOf.set(conversationId, handoffId);
      await db.HandoffOffer.collection.insertOne({ handoffId, attempt: 0, advisorId: 'x', at: old });
      await db.Transition.collection.insertMany([
        { conversationId, version: 1, from: 'bot', to: 'queued', by: 'bot', reason: 'user_requested', set: {}, at: old },
        { conversationId, version: 2, from: 'queued', to: 'bot', by: 'system', reason: 'closed', set: {}, at: old },
      ]);
      await db.ConversationNote.collection.insertOne({
        conversationId,
        key: `old-note-${conversationId}`,
        authorId: 'x',
        authorName: '旧顾问',
        authorRole: 'advisor',
        text: '旧备注',
        afterSeq: 1,
        at: old,
      });
      await db.ConversationReview.collection.insertOne({
        conversationId,
        reviewerId: 'x',
        reviewerName: '旧督导',
        verdict: 'ok',
        note: '',
        at: old,
      });
      await db.ConversationLog.collection.insertOne({
        conversationId,
        kind: 'watch',
        by: 'advisor:x',
        byName: '旧督导',
        detail: {},
        at: old,
      });
      await db.Survey.collection.insertOne({ conversationId, handoffId, channel: 'app', at: old, expiresAt: old });
      // Its entries in the 会话记录 keyword search index (agent-console/src/transcript-index).
      await db.connection
        .collection('transcriptactivities')
        .insertOne({ _id: `2005-01-01:${conversationId}` as never, conversationId, day: '2005-01-01' });
      // …and in its Redis sets (latest activity, the day, escalated), as the index worker and the escalation put them.
      await searchSets().note([{ conversationId, branchId, day: '2005-01-01', lastAt: old }]);
      await ctx.sys.services.redis.sadd(`${ctx.sys.config.QUEUE_PREFIX}:tindex:escalated`, conversationId);
      const terms = termsOf('我的账户被冻结了 0');
      expect(terms.length).toBeGreaterThan(0);
      await db.connection
        .collection('transcriptterms')
        .insertMany(terms.map((term) => ({ _id: `${term}:${conversationId}` as never, term, conversationId })));
      return conversationId;
    }

    async function recordsOf(conversationId: string) {
      const { db } = ctx.sys.services;
      return {
        conversation: await db.Conversation.countDocuments({ _id: conversationId }),
        messages: await db.Message.countDocuments({ conversationId }),
        transitions: await db.Transition.countDocuments({ conversationId }),
        handoffs: await db.Handoff.countDocuments({ conversationId }),
        notes: await db.ConversationNote.countDocuments({ conversationId }),
        reviews: await db.ConversationReview.countDocuments({ conversationId }),
        logs: await db.ConversationLog.countDocuments({ conversationId }),
        surveys: await db.Survey.countDocuments({ conversationId }),
        searchIndex:
          (await db.connection.collection('transcriptactivities').countDocuments({ conversationId })) +
          (await db.connection.collection('transcriptterms').countDocuments({ conversationId })),
        searchSets: await inSearchSets(conversationId),
      };
    }

    const searchSets = () => new ActivitySets(ctx.sys.services.redis, ctx.sys.config.QUEUE_PREFIX);
    /** In how many of 会话记录's Redis sets a conversation is (latest activity of all and of its branch, its day's two, escalated). */
    async function inSearchSets(conversationId: string): Promise<number> {
      const { redis, config } = ctx.sys.services;
      const prefix = `${config.QUEUE_PREFIX}:tindex`;
      const keys = await redis.keys(`${prefix}:*`);
      let n = 0;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'zset' && (await redis.zscore(key, conversationId)) !== null) n += 1;
        if (type === 'set' && (await redis.sismember(key, conversationId))) n += 1;
      }
      return n;
    }

    /** Runs the purge as the quality role runs it: a job on the retention queue, done by its worker. */
    async function runPurgeJob(): Promise<{ examined: number; purged: number; held: number; recent: number }> {
      const { config, redis } = ctx.sys.services;
      const queue = new Queue('retention', { connection: redis, prefix: config.QUEUE_PREFIX });
      const eventsConnection = createRedis(config.REDIS_URL, 'test-retention-events');
      const events = new QueueEvents('retention', { connection: eventsConnection, prefix: config.QUEUE_PREFIX });
      try {
        await events.waitUntilReady();
        const job = await queue.add('purge', {});
        return (await job.waitUntilFinished(events, 30_000)) as {
          examined: number;
          purged: number;
          held: number;
          recent: number;
        };
      } finally {
        await queue.close();
        await events.close();
        await eventsConnection.quit();
      }
    }

    it('is scheduled daily by the quality role', async () => {
      const { config, redis } = ctx.sys.services;
      const queue = new Queue('retention', { connection: redis, prefix: config.QUEUE_PREFIX });
      try {
        const schedulers = await queue.getJobSchedulers();
        expect(schedulers).toEqual([expect.objectContaining({ key: 'retention-purge', every: DAY })]);
      } finally {
        await queue.close();
      }
    });

    it('deletes old conversations with their records, keeps held and recent ones, and audits each purge', async () => {
      const { db } = ctx.sys.services;
      const expired = await oldConversation('C1001', 'SH01');
      const held = await oldConversation('C1002', 'SH01');
      const active = await oldConversation('C2002', 'SZ01', { recentMessage: true });
      expect(await hold({ conversationId: held, hold: true, reason: '诉讼保全' })).toMatchObject({ ok: true });

      const result = await runPurgeJob();
      expect(result).toMatchObject({ purged: 1, held: 1, recent: 1 });

      expect(await recordsOf(expired)).toEqual({
        conversation: 0,
        messages: 0,
        transitions: 0,
        handoffs: 0,
        notes: 0,
        reviews: 0,
        logs: 0,
        surveys: 0,
        searchIndex: 0,
        searchSets: 0,
      });
      expect(await db.HandoffOffer.countDocuments({ handoffId: handoffOf.get(expired) })).toBe(0);
      expect(await db.HandoffOffer.countDocuments({ handoffId: handoffOf.get(held) })).toBe(1);
      for (const kept of [held, active]) {
        expect(await recordsOf(kept)).toEqual({
          conversation: 1,
          messages: 3,
          transitions: 2,
          handoffs: 1,
          notes: 1,
          reviews: 1,
          logs: 1,
          surveys: 1,
          searchIndex: 1 + termsOf('我的账户被冻结了 0').length,
          searchSets: 5,
        });
      }
      // The live conversations of this test are untouched.
      expect(await db.Conversation.countDocuments({ _id: { $in: [escalatedId, faqId] } })).toBe(2);

      // The purge is in the audit log (kept), for a supervisor of the branch.
      const entries = await audit({ conversationId: expired });
      expect(entries.items).toEqual([
        expect.objectContaining({
          action: 'purge',
          role: 'system',
          actorId: null,
          branchId: 'SH01',
          details: expect.objectContaining({
            retentionDays: 7305,
            deleted: expect.objectContaining({ messages: 3, transitions: 2, handoffs: 1, handoffOffers: 1, notes: 1 }),
          }),
        }),
      ]);
      // A purged conversation can no longer be opened or held.
      expect(await emitAck(supervisor, 'transcripts:open', { conversationId: expired })).toMatchObject({
        ok: false,
        error: 'not_visible',
      });
      expect(await hold({ conversationId: expired, hold: true, reason: '太迟了' })).toMatchObject({
        ok: false,
        error: 'not_visible',
      });

      // Running again changes nothing; lifting the hold lets the next run purge it.
      expect(await runPurgeJob()).toMatchObject({ purged: 0, held: 1, recent: 1 });
      expect(await hold({ conversationId: held, hold: false, reason: '诉讼结束' })).toMatchObject({ ok: true });
      expect(await runPurgeJob()).toMatchObject({ purged: 1, held: 0, recent: 1 });
      expect((await recordsOf(held)).conversation).toBe(0);
      expect((await audit({ conversationId: held })).items.map((e) => e.action)).toEqual(['purge', 'legal_hold', 'legal_hold']);
      expect(await db.connection.collection('auditentries').countDocuments({ conversationId: expired, action: 'purge' })).toBe(1);
    });

    it('finishes a purge that stopped half-way, and a hold cannot slip in after the purge claimed a conversation', async () => {
      const { db } = ctx.sys.services;
      const claimed = await oldConversation('C1004', 'SH01');
      // A purge claimed it and died after deleting the messages.
      await db.connection.collection('legalholds').insertOne({
        conversationId: claimed,
        version: 1,
        kind: 'purge',
        reason: '',
        byId: null,
        byName: '系统',
        branchId: 'SH01',
        at: new Date(),
      });
      await db.Message.deleteMany({ conversationId: claimed });

      expect(await hold({ conversationId: claimed, hold: true, reason: '诉讼保全' })).toMatchObject({
        ok: false,
        error: 'purged',
      });
      expect(await runPurgeJob()).toMatchObject({ purged: 1 });
      expect(await recordsOf(claimed)).toMatchObject({ conversation: 0, transitions: 0, handoffs: 0, notes: 0 });
      expect(await db.connection.collection('auditentries').countDocuments({ conversationId: claimed, action: 'purge' })).toBe(1);
    });
  });
});
