import { ActivitySets, backfillTranscriptIndex, mintAdvisorToken } from '@brokerbot/agent-console';
import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

type Insight = { emotion: string | null; intentLabel: string | null; action: string | null; reasons: string[] };
type Summary = {
  conversationId: string;
  channel: string;
  customer: { id: string; name: string; tier: string } | null;
  branchId: string | null;
  state: string;
  lastMessageAt: string;
  messageCount: number;
  escalations: { reasons: string[]; priority: number; advisorName: string | null }[];
  strongestEmotion: { emotion: string; intensity: number | null } | null;
  review: { verdict: string; reviewerName: string } | null;
};
type Review = { reviewerName: string; verdict: string; note: string };
type Transcript = {
  summary: Summary;
  messages: { from: string; text: string; insight?: Insight }[];
  transitions: { from: string; to: string; by: string; byName: string | null; reason: string }[];
  handoffs: { advisorName: string | null; reasons: string[] }[];
  reviews: Review[];
};
type Page = { ok: boolean; items: Summary[]; next: string | null; error?: string; message?: string };

/** Supervisors search past conversations, read them with the bot's insight and state log, and review them. */
describe('transcript review for supervisors', () => {
  const ctx = useTestSystem();
  let supervisor: Socket;
  let escalatedId: string;
  let faqId: string;

  const search = (filters: Record<string, unknown> = {}, socket = supervisor) =>
    emitAck<Page>(socket, 'transcripts:search', filters);
  const open = (conversationId: string, socket = supervisor) =>
    emitAck<{ ok: boolean; transcript: Transcript; error?: string }>(socket, 'transcripts:open', { conversationId });

  async function botAnswers(client: Socket, id: string, text: string): Promise<void> {
    const reply = nextEvent<{ from: string }>(client, 'message', (m) => m.from === 'bot');
    await emitAck(client, 'message', { clientMessageId: id, text });
    await reply;
  }

  beforeAll(async () => {
    supervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }),
    );
    const advisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'wang.fang')).token }),
    );

    // A VIP client of SH01 in distress: escalated, served by 王芳, closed.
    const vip = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1003', 'SH01') }));
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(vip, 'message', { clientMessageId: 'v1', text: '我的账户被冻结了，急死了！！！' });
    const accepted = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    escalatedId = accepted.chat.conversationId;
    const reply = nextEvent(vip, 'message', (m: { from: string }) => m.from === 'advisor');
    await emitAck(advisor, 'chat:send', {
      conversationId: escalatedId,
      clientMessageId: 'r1',
      text: '您好，我来帮您查看冻结原因。',
    });
    await reply;
    await emitAck(advisor, 'chat:close', { conversationId: escalatedId, wrapUp: { category: '业务办理' } });

    // A client of SZ01 asks an FAQ question and is answered by the bot.
    const faq = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C2001', 'SZ01') }));
    await botAnswers(faq, 'f1', '交易时间是几点？');
    faqId = (await ctx.sys.services.db.Conversation.findOne({ customerId: 'C2001' }).lean())!._id.toString();
  }, 60_000);

  it('finds an escalated chat with filters, shows its insights and state log, and records reviews', async () => {
    const all = await search();
    expect(all).toMatchObject({ ok: true, next: null });
    // Newest activity first: the FAQ chat happened last.
    expect(all.items.map((i) => i.conversationId)).toEqual([faqId, escalatedId]);

    const escalated = await search({ escalated: true });
    expect(escalated.items).toHaveLength(1);
    const summary = escalated.items[0]!;
    expect(summary).toMatchObject({
      conversationId: escalatedId,
      channel: 'app',
      customer: { id: 'C1003', name: '周建国', tier: 'vip' },
      branchId: 'SH01',
      state: 'bot',
      strongestEmotion: { emotion: 'anxious' },
      review: null,
    });
    expect(summary.messageCount).toBeGreaterThanOrEqual(4);
    expect(summary.escalations).toEqual([
      expect.objectContaining({
        advisorName: '王芳',
        reasons: expect.arrayContaining([expect.stringMatching(/^high_risk_intent:/)]),
      }),
    ]);
    expect((await search({ escalated: false })).items.map((i) => i.conversationId)).toEqual([faqId]);
    expect((await search({ emotion: 'anxious' })).items.map((i) => i.conversationId)).toEqual([escalatedId]);
    expect((await search({ emotion: 'angry' })).items).toEqual([]);
    expect((await search({ branchId: 'SZ01' })).items.map((i) => i.conversationId)).toEqual([faqId]);
    const wang = await ctx.sys.services.db.Advisor.findOne({ username: 'wang.fang' }).lean();
    expect((await search({ advisorId: wang!._id.toString() })).items.map((i) => i.conversationId)).toEqual([escalatedId]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await search({ from: future })).items).toEqual([]);
    expect((await search({ to: future, from: new Date(Date.now() - 3600_000).toISOString() })).items).toHaveLength(2);

    // The transcript: the client's words with what the bot made of them, and the state log.
    const opened = await open(escalatedId);
    expect(opened.ok).toBe(true);
    const t = opened.transcript;
    const first = t.messages.find((m) => m.from === 'client')!;
    expect(first.text).toBe('我的账户被冻结了，急死了！！！');
    expect(first.insight).toMatchObject({ emotion: 'anxious', action: 'escalated' });
    expect(t.messages.map((m) => m.text)).toContain('您好，我来帮您查看冻结原因。');
    expect(t.transitions.map((x) => [x.from, x.to])).toEqual([
      ['bot', 'queued'],
      ['queued', 'human'],
      ['human', 'bot'],
    ]);
    expect(t.transitions[1]).toMatchObject({ byName: '王芳', reason: 'accepted' });
    expect(t.transitions[2]).toMatchObject({ byName: '王芳', reason: 'closed_by_advisor' });
    expect(t.handoffs).toEqual([expect.objectContaining({ advisorName: '王芳' })]);
    expect(t.reviews).toEqual([]);

    // A review, then a second one by the same supervisor replaces it.
    const first1 = await emitAck(supervisor, 'transcripts:review', {
      conversationId: escalatedId,
      verdict: 'issue',
      note: '  首次回复不够及时 ',
    });
    expect(first1).toMatchObject({ ok: true, review: { verdict: 'issue', note: '首次回复不够及时', reviewerName: '赵磊' } });
    const reviewed = await search({ reviewed: true });
    expect(reviewed.items).toEqual([
      expect.objectContaining({
        conversationId: escalatedId,
        review: expect.objectContaining({ verdict: 'issue', reviewerName: '赵磊' }),
      }),
    ]);
    expect((await search({ reviewed: false })).items.map((i) => i.conversationId)).toEqual([faqId]);
    await emitAck(supervisor, 'transcripts:review', { conversationId: escalatedId, verdict: 'ok', note: '已核实，处理合规' });
    expect((await open(escalatedId)).transcript.reviews).toEqual([
      expect.objectContaining({ reviewerName: '赵磊', verdict: 'ok', note: '已核实，处理合规' }),
    ]);

    // Another supervisor may review too; both reviews are kept.
    const { db } = ctx.sys.services;
    const zhao = (await db.Advisor.findOne({ username: 'zhao.lei' }).lean())!;
    await db.Advisor.create({ ...zhao, _id: undefined, username: 'qian.hui', displayName: '钱慧' });
    const qian = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'qian.hui')).token }),
    );
    await emitAck(qian, 'transcripts:review', { conversationId: escalatedId, verdict: 'issue', note: '' });
    const both = (await open(escalatedId)).transcript.reviews;
    expect(both.map((r) => `${r.reviewerName}:${r.verdict}`).sort()).toEqual(['赵磊:ok', '钱慧:issue']);
    expect(await db.ConversationReview.countDocuments({ conversationId: escalatedId })).toBe(2);
  });

  it('refuses advisors and bad requests, and changes nothing', async () => {
    const advisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'li.qiang')).token }),
    );
    for (const [event, payload] of [
      ['transcripts:search', {}],
      ['transcripts:open', { conversationId: escalatedId }],
      ['transcripts:review', { conversationId: escalatedId, verdict: 'ok', note: '' }],
    ] as const) {
      const refused = await emitAck<{ ok: boolean; error: string; message: string }>(advisor, event, payload);
      expect(refused).toMatchObject({ ok: false, error: 'not_a_supervisor' });
      expect(refused.message).toContain('督导');
    }

    const before = await ctx.sys.services.db.ConversationReview.find({}).sort({ reviewerId: 1 }).lean();
    const bad: [string, unknown][] = [
      ['transcripts:review', { conversationId: escalatedId, verdict: 'great', note: '' }],
      ['transcripts:review', { conversationId: escalatedId, verdict: 'issue', note: '很'.repeat(501) }],
      ['transcripts:review', { conversationId: 'nope', verdict: 'ok', note: '' }],
      ['transcripts:review', { conversationId: escalatedId, verdict: 'ok' }],
      ['transcripts:review', 'ok'],
      ['transcripts:search', { emotion: 'happy' }],
      ['transcripts:search', { from: '昨天' }],
      ['transcripts:search', { before: 'page-2' }],
      ['transcripts:search', { escalated: 'yes' }],
      ['transcripts:search', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
      ['transcripts:open', { conversationId: 42 }],
    ];
    for (const [event, payload] of bad) {
      const res = await emitAck<{ ok: boolean; error: string; message: string }>(supervisor, event, payload);
      expect(res).toMatchObject({ ok: false, error: 'invalid_request' });
      expect(res.message.length).toBeGreaterThan(0);
    }
    const note = await emitAck<{ message: string }>(supervisor, 'transcripts:review', {
      conversationId: escalatedId,
      verdict: 'issue',
      note: '很'.repeat(501),
    });
    expect(note.message).toContain('备注不能超过 500 字');
    const unknown = await emitAck(supervisor, 'transcripts:review', { conversationId: 'a'.repeat(24), verdict: 'ok', note: '' });
    expect(unknown).toMatchObject({ ok: false, error: 'not_visible' });
    expect(await ctx.sys.services.db.ConversationReview.find({}).sort({ reviewerId: 1 }).lean()).toEqual(before);
  });

  it('limits a supervisor of one branch to that branch', async () => {
    const { db, config } = ctx.sys.services;
    const local = await db.Advisor.create({
      username: 'sun.ke',
      displayName: '孙可',
      passwordHash: 'x',
      role: 'supervisor',
      branchId: 'SZ01',
      allBranches: false,
    });
    // Login grants every supervisor all branches today; a token limited to SZ01 is what a branch supervisor holds.
    const token = mintAdvisorToken(
      config.ADVISOR_TOKEN_SECRET,
      { sub: local._id.toString(), name: '孙可', role: 'supervisor', branchId: 'SZ01', allBranches: false },
      600,
    );
    const sz = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    expect((await search({}, sz)).items.map((i) => i.conversationId)).toEqual([faqId]);
    expect((await search({ escalated: true }, sz)).items).toEqual([]);
    expect(await search({ branchId: 'SH01' }, sz)).toMatchObject({ ok: false, error: 'not_visible' });
    expect(await open(escalatedId, sz)).toMatchObject({ ok: false, error: 'not_visible' });
    expect(await emitAck(sz, 'transcripts:review', { conversationId: escalatedId, verdict: 'issue', note: '' })).toMatchObject({
      ok: false,
      error: 'not_visible',
    });
    expect((await open(faqId, sz)).transcript.messages.map((m) => m.text)).toContain('交易时间是几点？');
  });

  it('pages through many conversations newest first, each once, also past long conversations', async () => {
    const { db } = ctx.sys.services;
    const t0 = Date.now() - 86_400_000;
    const messages: Record<string, unknown>[] = [];
    const conversations = [];
    for (let i = 0; i < 40; i++) {
      conversations.push({
        channel: 'app',
        externalUserId: `gz-${i}`,
        customerId: null,
        branchId: 'GZ01',
        state: 'bot',
        version: 0,
      });
    }
    const created = await db.Conversation.insertMany(conversations);
    const add = (conversationId: string, seq: number, at: number) =>
      messages.push({
        conversationId,
        seq,
        channel: 'app',
        channelMessageId: `gz-${conversationId}-${seq}`,
        direction: 'in',
        author: { kind: 'client', id: null, name: null },
        text: '你好',
        status: 'handled',
        meta: null,
        createdAt: new Date(at),
        updatedAt: new Date(at),
      });
    created.forEach((c, i) => {
      add(c._id.toString(), 1, t0 + i * 60_000);
      add(c._id.toString(), 2, t0 + i * 60_000 + 1000);
    });
    // Conversation 10 is long: 1200 more messages, its latest between conversations 24 and 25.
    const chatty = created[10]!._id.toString();
    for (let s = 3; s < 1203; s++) add(chatty, s, t0 + 24 * 60_000 + 2000 + s);
    await db.Message.collection.insertMany(messages);
    // Stored past the message path (as an import would be): indexed for 会话记录 search by the backfill.
    await backfillTranscriptIndex(db, new ActivitySets(ctx.sys.services.redis, ctx.sys.config.QUEUE_PREFIX));

    const expected = created.map((c, i) => ({ id: c._id.toString(), i })).filter((x) => x.i !== 10);
    expected.splice(24, 0, { id: chatty, i: 10 });
    const order = expected.map((x) => x.id).reverse();

    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const page: Page = await search({ branchId: 'GZ01', ...(next ? { before: next } : {}) });
      expect(page.ok).toBe(true);
      expect(page.items.length).toBeLessThanOrEqual(30);
      seen.push(...page.items.map((i) => i.conversationId));
      next = page.next;
      pages++;
    } while (next && pages < 10);
    expect(seen).toEqual(order);
    expect(pages).toBeLessThanOrEqual(3);
  }, 60_000);
});
