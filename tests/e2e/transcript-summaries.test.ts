import { ActivitySets, backfillSummaries, backfillTranscriptIndex } from '@brokerbot/agent-console';
import { SummaryRefresher } from '../../agent-console/src/transcript-index/summary-refresher';
import { businessDayStart, transition } from '@brokerbot/shared';
import { Types } from 'mongoose';
import type { Socket } from 'socket.io-client';
import { connect, emitAck, loginAdvisor, useTestSystem } from '../support/test-system';

type Row = {
  conversationId: string;
  customer: { id: string; name: string; tier: string } | null;
  state: string;
  lastMessageAt: string;
  messageCount: number;
  escalations: { reasons: string[]; priority: number; advisorName: string | null }[];
  strongestEmotion: { emotion: string; intensity: number | null } | null;
  review: { verdict: string; reviewerName: string } | null;
};
type Page = { ok: boolean; items: Row[]; next: string | null };

/**
 * 会话记录 rows from their per-conversation summaries: built by the backfill for stored data, and
 * following what happens to the conversation afterwards (a message, a review, an escalation).
 */
describe('transcript search rows from summaries', () => {
  const ctx = useTestSystem();
  let head: Socket;
  const HOUR = 3_600_000;
  const base = businessDayStart('2025-03-03');
  const range = { from: new Date(base).toISOString(), to: new Date(base + 2 * 24 * HOUR).toISOString() };
  const cid = new Types.ObjectId().toString();
  let seq = 0;

  const rowOf = async (): Promise<Row> => {
    const page = await emitAck<Page>(head, 'transcripts:search', range);
    expect(page.ok).toBe(true);
    expect(page.items.map((i) => i.conversationId)).toEqual([cid]);
    return page.items[0]!;
  };
  const message = (direction: 'in' | 'out', at: number, text: string, emotion?: [string, number]) => ({
    conversationId: cid,
    seq: ++seq,
    channel: 'wecom',
    channelMessageId: `sum-${cid}-${seq}`,
    direction,
    author: direction === 'in' ? { kind: 'client', id: 'wm-sum', name: null } : { kind: 'bot', name: '智能助手' },
    text,
    status: direction === 'in' ? 'handled' : 'sent',
    meta: emotion ? { understanding: { emotion: emotion[0], intensity: emotion[1] } } : null,
    createdAt: new Date(at),
    updatedAt: new Date(at),
  });

  beforeAll(async () => {
    const { db } = ctx.sys.services;
    head = ctx.track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }));
    const wang = (await db.Advisor.findOne({ username: 'wang.fang' }).lean())!;
    // Stored before the summaries existed (as an import, or data from before this version).
    await db.Customer.create({ _id: 'S9001', name: '钱多多', tier: 'vip', branchId: 'SH01' });
    await db.Conversation.create({
      _id: cid,
      channel: 'wecom',
      externalUserId: 'wm-sum',
      customerId: 'S9001',
      branchId: 'SH01',
      state: 'bot',
      version: 0,
      createdAt: new Date(base + 9 * HOUR),
      updatedAt: new Date(base + 9 * HOUR),
    });
    await db.Message.insertMany([
      message('in', base + 9 * HOUR, '两融账户要被强平了', ['anxious', 0.5]),
      message('out', base + 9 * HOUR + 1_000, '您好，请问有什么可以帮您？'),
      message('in', base + 10 * HOUR, '你们到底管不管', ['angry', 0.8]),
    ]);
    await db.Handoff.create({
      conversationId: cid,
      customerId: 'S9001',
      branchId: 'SH01',
      status: 'closed',
      priority: 2,
      reasons: ['client_request'],
      advisorId: wang._id.toString(),
      createdAt: new Date(base + 10 * HOUR),
    });
    await backfillTranscriptIndex(db, new ActivitySets(ctx.sys.services.redis, ctx.sys.config.QUEUE_PREFIX));
  }, 60_000);

  it('the backfill builds each stored conversation’s summary, and the page shows the same facts', async () => {
    const { db } = ctx.sys.services;
    const built = await backfillSummaries(db);
    expect(built.summaries).toBeGreaterThanOrEqual(1);
    const stored = await db.connection.collection('transcriptsummaries').findOne({ _id: cid as never });
    expect(stored).toMatchObject({ version: 0, row: { messageCount: 3 } });
    expect(await rowOf()).toMatchObject({
      customer: { id: 'S9001', name: '钱多多', tier: 'vip' },
      state: 'bot',
      lastMessageAt: new Date(base + 10 * HOUR).toISOString(),
      messageCount: 3,
      escalations: [{ reasons: ['client_request'], priority: 2, advisorName: '王芳' }],
      strongestEmotion: { emotion: 'angry', intensity: 0.8 },
      review: null,
    });
  });

  it('a later review, message and escalation show in the row at once', async () => {
    const { db } = ctx.sys.services;
    await backfillSummaries(db);

    const reviewed = await emitAck<{ ok: boolean }>(head, 'transcripts:review', {
      conversationId: cid,
      verdict: 'issue',
      note: '',
    });
    expect(reviewed.ok).toBe(true);
    expect((await rowOf()).review).toMatchObject({ verdict: 'issue', reviewerName: '赵磊' });

    // The client writes again the next day (indexed as the worker would).
    await db.Message.insertMany([message('in', base + 30 * HOUR, '强平以后还能申诉吗', ['sad', 0.9])]);
    await backfillTranscriptIndex(db, new ActivitySets(ctx.sys.services.redis, ctx.sys.config.QUEUE_PREFIX));
    expect(await rowOf()).toMatchObject({
      lastMessageAt: new Date(base + 30 * HOUR).toISOString(),
      messageCount: 4,
      strongestEmotion: { emotion: 'sad', intensity: 0.9 },
    });

    // Escalated again: a handoff and the conversation's transition.
    const handoff = await db.Handoff.create({
      conversationId: cid,
      customerId: 'S9001',
      branchId: 'SH01',
      status: 'queued',
      priority: 3,
      reasons: ['complaint'],
    });
    const moved = await transition(db, {
      conversationId: cid,
      from: 'bot',
      to: 'queued',
      by: 'bot',
      reason: 'escalated',
      set: { handoffId: handoff._id.toString() },
    });
    expect(moved).not.toBeNull();
    const row = await rowOf();
    expect(row.state).toBe('queued');
    expect(row.escalations.map((e) => e.reasons)).toEqual([['client_request'], ['complaint']]);
    // The page and an opened transcript agree.
    const opened = await emitAck<{ ok: boolean; transcript: { summary: Row } }>(head, 'transcripts:open', {
      conversationId: cid,
    });
    expect(opened.transcript.summary).toEqual(row);
  });

  it('the index worker’s refresher recomputes a summary once its conversation is quiet', async () => {
    const { db } = ctx.sys.services;
    const summaries = db.connection.collection('transcriptsummaries');
    await db.Message.insertMany([message('in', base + 31 * HOUR, '申诉材料寄到哪里')]);
    const refresher = new SummaryRefresher(db, 60_000);
    refresher.noteActive([cid], Date.now());
    // Not yet quiet: nothing recomputed.
    expect(await refresher.runDue()).toBe(0);
    expect(await summaries.findOne({ _id: cid as never })).toMatchObject({ row: { messageCount: 4 } });
    expect(await refresher.runDue(Date.now() + 60_000)).toBe(1);
    expect(refresher.pending).toBe(0);
    // Its latest activity: the escalation's transition (today) is later than the new message.
    const conversation = (await db.Conversation.findById(cid).lean())!;
    expect(+conversation.updatedAt!).toBeGreaterThan(base + 31 * HOUR);
    expect(await summaries.findOne({ _id: cid as never })).toMatchObject({
      lastAt: conversation.updatedAt,
      row: { messageCount: 5, escalations: [{ reasons: ['client_request'] }, { reasons: ['complaint'] }] },
    });
  });
});
