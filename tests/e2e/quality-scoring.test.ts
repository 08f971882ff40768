import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SCORECARD_PATH, ScorecardStore, confirmationCounts, mintAdvisorToken, scoreJob } from '@brokerbot/agent-console';
import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, testEnv, useTestSystem } from '../support/test-system';

type Item = {
  id: string;
  label: string;
  passed: boolean | null;
  severity: string;
  evidence: { messageId: string; quote: string }[];
};
type Result = {
  total: number | null;
  scorecardVersion: string;
  revision: number;
  handoffId: string;
  items: Item[];
  flags: string[];
};
type ResultAck = { ok: boolean; result: Result; error?: string; message?: string };

/** A scorecard file of the test's own, so that the test can publish a new version. */
const scorecardFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'bb-qa-')), 'scorecard.json');
const bundled = JSON.parse(readFileSync(DEFAULT_SCORECARD_PATH, 'utf8')) as { version: string };
writeFileSync(scorecardFile, JSON.stringify({ ...bundled, version: 'e2e-1' }));

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** 智能质检: every closed chat is scored by the quality role, once, with evidence; supervisors read and confirm it. */
describe('automatic inspection of closed chats', () => {
  const ctx = useTestSystem(() => testEnv({ QUALITY_SCORECARD_PATH: scorecardFile }));
  let supervisor: Socket;
  let advisor: Socket;
  let conversationId: string;
  let adviceMessageId: string;
  let closedAt: number;
  let client: Socket;
  let surveyId: string;

  const result = (socket: Socket = supervisor, id = conversationId) =>
    emitAck<ResultAck>(socket, 'qa:result', { conversationId: id });

  beforeAll(async () => {
    supervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }),
    );
    advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'wang.fang')).token }));
    client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1003', 'SH01') }));
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(client, 'message', { clientMessageId: 'q1', text: '我的账户被冻结了，急死了！！！' });
    const accepted = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    conversationId = accepted.chat.conversationId;
    // Straight to the procedure (no acknowledgement of the anxiety), then a stock tip with a promise.
    await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'a1', text: '请提供您的资金账号。' });
    const tip = await emitAck<{ message: { id: string } }>(advisor, 'chat:send', {
      conversationId,
      clientMessageId: 'a2',
      text: '另外建议您买入这只股票，稳赚不赔。',
      // Sent over the console's compliance warning: inspection still flags it.
      confirm: true,
    });
    adviceMessageId = tip.message.id;
    const survey = nextEvent<{ surveyId: string }>(client, 'survey', () => true, 15_000);
    expect(await emitAck(advisor, 'chat:close', { conversationId, wrapUp: { category: '业务办理' } })).toMatchObject({
      ok: true,
    });
    closedAt = Date.now();
    surveyId = (await survey).surveyId;
  }, 60_000);

  it('scores the chat within seconds of closing, with evidence and severity flags', async () => {
    expect(await result()).toMatchObject({ ok: false, error: 'not_scored' });
    const scored = await until('the score', async () => {
      const r = await result();
      return r.ok ? r : null;
    });
    expect(Date.now() - closedAt).toBeLessThan(15_000);
    expect(scored.result.scorecardVersion).toBe('e2e-1');
    expect(scored.result.total).toBeLessThan(70);
    expect(scored.result.flags).toContain('critical');
    const advice = scored.result.items.find((i) => i.id === 'no_advice')!;
    expect(advice).toMatchObject({ label: '无荐股、承诺收益或预测价格', passed: false, severity: 'critical' });
    expect(advice.evidence).toEqual([{ messageId: adviceMessageId, quote: '另外建议您买入这只股票，稳赚不赔。' }]);
    const empathy = scored.result.items.find((i) => i.id === 'empathy')!;
    expect(empathy.passed).toBe(false);
    expect(empathy.evidence.map((e) => e.quote)).toEqual(['我的账户被冻结了，急死了！！！', '请提供您的资金账号。']);
    expect(scored.result.items.find((i) => i.id === 'first_response')!.passed).toBe(true);
  });

  it('stores one score however often the job is delivered', async () => {
    const { db } = ctx.sys.services;
    const { handoffId } = (await result()).result;
    const store = new ScorecardStore(scorecardFile);
    const job = { conversationId, handoffId, revision: 0 };
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => scoreJob(ctx.sys.services, store, null, job)));
    expect(outcomes.every((o) => o === 'duplicate' || o === 'stored')).toBe(true);
    // The same chat queued again under another job id: the worker stores nothing new either.
    await ctx.sys.services.queues.quality.add('score', job, { jobId: `redelivered-${handoffId}` });
    await until(
      'the redelivered job',
      async () => (await ctx.sys.services.queues.quality.getJob(`redelivered-${handoffId}`))?.finishedOn,
    );
    expect(await db.QualityScore.countDocuments({ conversationId, scorecardVersion: 'e2e-1', revision: 0 })).toBe(1);
  });

  it('refuses advisors and supervisors of other branches, and bad input', async () => {
    expect(await result(advisor)).toMatchObject({ ok: false, error: 'not_a_supervisor' });
    expect(await emitAck(advisor, 'qa:branches')).toMatchObject({ ok: false, error: 'not_a_supervisor' });
    expect(await emitAck(advisor, 'qa:rescore', { conversationId })).toMatchObject({ ok: false, error: 'not_a_supervisor' });
    expect(await emitAck(advisor, 'qa:confirm', { conversationId, itemId: 'no_advice', verdict: 'confirmed' })).toMatchObject({
      ok: false,
      error: 'not_a_supervisor',
    });
    const { db, config } = ctx.sys.services;
    const local = await db.Advisor.create({
      username: 'qa.sz',
      displayName: '孙可',
      passwordHash: 'x',
      role: 'supervisor',
      branchId: 'SZ01',
      allBranches: false,
    });
    const token = mintAdvisorToken(
      config.ADVISOR_TOKEN_SECRET,
      { sub: local._id.toString(), name: '孙可', role: 'supervisor', branchId: 'SZ01', allBranches: false },
      600,
    );
    const sz = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    expect(await result(sz)).toMatchObject({ ok: false, error: 'not_visible' });
    expect(await emitAck(sz, 'qa:confirm', { conversationId, itemId: 'no_advice', verdict: 'confirmed' })).toMatchObject({
      ok: false,
      error: 'not_visible',
    });
    expect(await emitAck(sz, 'qa:rescore', { conversationId })).toMatchObject({ ok: false, error: 'not_visible' });
    expect(await emitAck<{ ok: boolean; items: { id: string }[] }>(sz, 'qa:branches')).toEqual({
      ok: true,
      items: [{ id: 'SZ01', name: expect.any(String) }],
    });
    const bad = await emitAck<{ ok: boolean; error: string; message: string }>(supervisor, 'qa:confirm', {
      conversationId,
      itemId: 'no_advice',
      verdict: 'maybe',
    });
    expect(bad).toMatchObject({ ok: false, error: 'invalid_request' });
    expect(bad.message).toContain('confirmed');
    expect(
      await emitAck(supervisor, 'qa:confirm', { conversationId, itemId: 'nonexistent', verdict: 'confirmed' }),
    ).toMatchObject({
      ok: false,
      error: 'unknown_item',
    });
    expect(await db.QualityConfirmation.countDocuments({})).toBe(0);
  });

  it('records confirmations and overrides per item, one per supervisor', async () => {
    const confirm = (itemId: string, verdict: string, note?: string) =>
      emitAck<{ ok: boolean; confirmations: { itemId: string; verdict: string; reviewerName: string; note: string }[] }>(
        supervisor,
        'qa:confirm',
        { conversationId, itemId, verdict, ...(note ? { note } : {}) },
      );
    expect(await confirm('no_advice', 'overridden')).toMatchObject({ ok: true });
    // A second verdict on the same item replaces the first.
    expect(await confirm('no_advice', 'confirmed', '确实推荐了个股')).toMatchObject({ ok: true });
    const last = await confirm('empathy', 'overridden', '客户并不着急');
    expect(last.confirmations).toHaveLength(2);
    expect(last.confirmations.find((c) => c.itemId === 'no_advice')).toMatchObject({
      verdict: 'confirmed',
      reviewerName: '赵磊',
      note: '确实推荐了个股',
    });
    expect((await result()).result).toMatchObject({
      confirmations: expect.arrayContaining([expect.objectContaining({ itemId: 'empathy' })]),
    });
    const counts = await confirmationCounts(ctx.sys.services.db);
    expect(counts).toEqual([
      { itemId: 'empathy', confirmed: 0, overridden: 1 },
      { itemId: 'no_advice', confirmed: 1, overridden: 0 },
    ]);
    expect(await confirmationCounts(ctx.sys.services.db, { branchId: 'SZ01' })).toEqual([]);
  });

  it('filters and sorts 会话记录 by score and flag', async () => {
    type Page = { ok: boolean; items: { conversationId: string; quality: { total: number; flags: string[] } | null }[] };
    const ids = (p: Page) => p.items.map((i) => i.conversationId);
    const critical = await emitAck<Page>(supervisor, 'transcripts:search', { flag: 'critical' });
    expect(ids(critical)).toEqual([conversationId]);
    expect(critical.items[0]!.quality!.flags).toContain('critical');
    expect(ids(await emitAck<Page>(supervisor, 'transcripts:search', { minScore: 90 }))).toEqual([]);
    expect(ids(await emitAck<Page>(supervisor, 'transcripts:search', { maxScore: 90, failedItem: 'empathy' }))).toEqual([
      conversationId,
    ]);
    expect(ids(await emitAck<Page>(supervisor, 'transcripts:search', { sort: 'score_asc' }))).toEqual([conversationId]);
    const plain = await emitAck<Page>(supervisor, 'transcripts:search', {});
    expect(plain.items.find((i) => i.conversationId === conversationId)!.quality!.total).toBeLessThan(70);
    expect(await emitAck(supervisor, 'transcripts:search', { minScore: 80, maxScore: 20 })).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });
  });

  it('re-scores on request as the next revision', async () => {
    const ack = await emitAck<{ ok: boolean; revision: number }>(supervisor, 'qa:rescore', { conversationId });
    expect(ack).toEqual({ ok: true, queued: true, revision: 1 });
    const rescored = await until('the re-score', async () => {
      const r = await result();
      return r.ok && r.result.revision === 1 ? r : null;
    });
    expect(rescored.result.scorecardVersion).toBe('e2e-1');
  });

  it('scores a rating the client gives after the chat was scored in, as the next revision, once', async () => {
    const { handoffId, revision } = (await result()).result;
    expect((await result()).result.items.find((i) => i.id === 'satisfaction')!.passed).toBeNull();
    // Scoring queued a later look for the rating while the survey is open.
    const check = await ctx.sys.services.queues.quality.getJob(`qa.${handoffId}.sat.0`);
    expect(await check?.isDelayed()).toBe(true);
    const store = new ScorecardStore(scorecardFile);
    const job = { conversationId, handoffId, revision: 0, reason: 'satisfaction' as const, check: 0 };
    // No rating yet: nothing stored.
    expect(await scoreJob(ctx.sys.services, store, null, job)).toBe('waiting');
    expect(await emitAck(client, 'survey:answer', { surveyId, score: 2 })).toMatchObject({ ok: true });
    const outcomes = await Promise.all([1, 2].map(() => scoreJob(ctx.sys.services, store, null, job)));
    expect(outcomes.sort()).toEqual(['duplicate', 'stored']);
    expect(await scoreJob(ctx.sys.services, store, null, job)).toBe('duplicate');
    const rated = (await result()).result;
    expect(rated.revision).toBe(revision + 1);
    expect(rated.items.find((i) => i.id === 'satisfaction')).toMatchObject({ passed: false });
  });

  it('re-scores recent chats when a new scorecard version is published', async () => {
    const card = JSON.parse(readFileSync(scorecardFile, 'utf8')) as { items: { id: string; weight: number }[] };
    // Compliance decides advice weighs nothing any more: the new version scores the same chat higher.
    const before = (await result()).result.total!;
    card.items.find((i) => i.id === 'no_advice')!.weight = 0;
    writeFileSync(scorecardFile, JSON.stringify({ ...card, version: 'e2e-2' }));
    const rescored = await until(
      'the score under the new version',
      async () => {
        const r = await result();
        return r.ok && r.result.scorecardVersion === 'e2e-2' ? r : null;
      },
      25_000,
    );
    expect(rescored.result.total!).toBeGreaterThan(before);
    expect(await ctx.sys.services.db.QualityScore.countDocuments({ conversationId, scorecardVersion: 'e2e-2' })).toBe(1);
  }, 40_000);
});
