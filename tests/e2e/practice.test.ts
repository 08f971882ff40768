import { mintAdvisorToken } from '@brokerbot/agent-console';
import type { Socket } from 'socket.io-client';
import { OpenAiSimulator } from '../support/openai-simulator';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, testEnv, useTestSystem } from '../support/test-system';

type Wire = {
  id: string;
  conversationId: string;
  seq: number;
  from: string;
  text: string;
  practice?: boolean;
  insight?: { emotion: string | null; reasons: string[] };
};
type Chat = { conversationId: string; practice: true; status: string; messages: Wire[] };
type Score = {
  total: number | null;
  scorecardVersion: string;
  items: { id: string; passed: boolean | null; evidence: { messageId: string; quote: string }[] }[];
};
type Result = {
  conversationId: string;
  practice: true;
  advisorName: string;
  outcome: string;
  endedBy: string;
  turns: number;
  endMood: number;
  feedback: { turn: number; reaction: string; evidence: { messageId: string; quote: string }[] }[];
  score: Score | null;
};
type Ack<T = object> = ({ ok: true } & T) | { ok: false; error: string; message: string };

const MARGIN = 'margin-call-anxious';
/** Empathy, a risk disclosure and concrete steps (turn 1), then the steps to finish (turn 2). */
const GOOD = [
  '刘先生，非常理解您现在的担心，别着急。担保比例低于130%有被平仓的风险，我马上帮您查一下需要追加多少担保品。',
  '您可以登录App，在两融页面点击“担保品划转”转入资金，或者卖出部分持仓直接还款，完成后担保比例会实时更新。',
];
/** A procedure read out to an anxious client, then a price prediction (sent over the compliance warning). */
const BAD = ['根据规定，维持担保比例低于130%需要在T+2日前追加担保品或还款。', '这只股票明天肯定会涨，您可以加仓摊低成本。'];

function ok<T>(res: Ack<T>): { ok: true } & T {
  if (!res.ok) throw new Error(`request failed: ${res.error} ${res.message}`);
  return res;
}

/** 智能陪练 through the real socket protocol: start, chat:send, the simulated client's chat:message, the end, the result. */
describe('practice with a simulated client (智能陪练)', () => {
  const ctx = useTestSystem(() => testEnv({ PRACTICE_REPLY_DELAY_MS: '50', PRACTICE_IDLE_S: '0' }));
  let good: Socket; // 王芳 SH01
  let bad: Socket; // 李强 SH01
  let supervisor: Socket; // 赵磊, every branch
  let szSupervisor: Socket; // a supervisor of SZ01 only
  let szAdvisor: Socket; // 张敏 SZ01
  let ids: Record<string, string>;
  let goodPractice: string;
  let badPractice: string;

  const login = async (username: string) => {
    const { token, advisor } = await loginAdvisor(ctx.sys.url, username);
    return { socket: ctx.track(await connect(ctx.sys.url, '/advisor', { token })), id: advisor.id };
  };

  /** Sends an advisor turn and resolves with the simulated client's answer. */
  async function turn(socket: Socket, conversationId: string, n: number, text: string, confirm = false): Promise<Wire> {
    const answer = nextEvent<Wire>(
      socket,
      'chat:message',
      (m) => m.conversationId === conversationId && m.from === 'client' && m.seq > n,
    );
    const sent = ok(
      await emitAck<Ack<{ message: Wire }>>(socket, 'chat:send', { conversationId, clientMessageId: `t${n}`, text, confirm }),
    );
    expect(sent.message).toMatchObject({ from: 'advisor', text, practice: true });
    return answer;
  }

  beforeAll(async () => {
    const a = await login('wang.fang');
    const b = await login('li.qiang');
    const s = await login('zhao.lei');
    const z = await login('zhang.min');
    good = a.socket;
    bad = b.socket;
    supervisor = s.socket;
    szAdvisor = z.socket;
    ids = { wang: a.id, li: b.id, zhang: z.id };
    const created = await ctx.sys.services.db.Advisor.create({
      username: 'sz.supervisor',
      displayName: '深圳督导',
      passwordHash: 'x',
      role: 'supervisor',
      branchId: 'SZ01',
      allBranches: false,
    });
    const token = mintAdvisorToken(
      ctx.sys.config.ADVISOR_TOKEN_SECRET,
      { sub: created._id.toString(), name: '深圳督导', role: 'supervisor', branchId: 'SZ01', allBranches: false },
      3600,
    );
    szSupervisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
  }, 60_000);

  it('lists the four scenarios', async () => {
    const res = ok(await emitAck<Ack<{ items: { id: string; title: string; source: string }[] }>>(good, 'practice:scenarios'));
    expect(res.items.map((i) => i.id).sort()).toEqual([
      MARGIN,
      'new-account-inquiry',
      'transfer-failed-angry',
      'vip-product-risk',
    ]);
    expect(res.items.find((i) => i.id === MARGIN)).toMatchObject({ title: '焦虑的两融客户：担保比例跌破130%', source: 'file' });
  });

  it('calms down when the advisor acknowledges and gives concrete steps, and escalates when not; the results and scores differ', async () => {
    // The good advisor.
    const started = ok(
      await emitAck<Ack<{ conversationId: string; chat: Chat }>>(good, 'practice:start', { scenarioId: MARGIN }),
    );
    goodPractice = started.conversationId;
    expect(started.chat).toMatchObject({ practice: true, status: 'active' });
    expect(started.chat.messages).toEqual([
      expect.objectContaining({
        from: 'client',
        seq: 1,
        practice: true,
        insight: expect.objectContaining({ emotion: 'anxious' }),
      }),
    ]);
    expect(started.chat.messages[0]!.text).toContain('担保比例跌破130%');
    const ended = nextEvent<{ conversationId: string; practice: boolean; outcome: string }>(
      good,
      'chat:closed',
      (e) => e.conversationId === goodPractice,
    );
    const calmer = await turn(good, goodPractice, 1, GOOD[0]!);
    expect(calmer).toMatchObject({ practice: true, insight: expect.objectContaining({ emotion: 'calm' }) });
    const last = await turn(good, goodPractice, 3, GOOD[1]!);
    expect(last.text).toContain('谢谢');
    expect(await ended).toMatchObject({ practice: true, outcome: 'calmed', by: 'practice' });

    // The bad advisor, same scenario.
    badPractice = ok(
      await emitAck<Ack<{ conversationId: string }>>(bad, 'practice:start', { scenarioId: MARGIN }),
    ).conversationId;
    const escalated = nextEvent<{ conversationId: string; outcome: string }>(
      bad,
      'chat:closed',
      (e) => e.conversationId === badPractice,
    );
    const upset = await turn(bad, badPractice, 1, BAD[0]!);
    expect(upset.insight?.emotion).toBe('anxious');
    expect(upset.insight?.reasons).toEqual(['客户情绪激动时未先安抚就直接讲流程']);
    // The compliance check of real replies applies: the forbidden answer goes out only when confirmed.
    const warned = await emitAck<Ack>(bad, 'chat:send', { conversationId: badPractice, clientMessageId: 't3', text: BAD[1] });
    expect(warned).toMatchObject({ ok: false, error: 'compliance_warning' });
    const gone = await turn(bad, badPractice, 3, BAD[1]!, true);
    expect(gone.text).toContain('投诉');
    expect(await escalated).toMatchObject({ outcome: 'escalated' });

    const goodResult = ok(
      await emitAck<Ack<{ result: Result }>>(good, 'practice:result', { conversationId: goodPractice }),
    ).result;
    const badResult = ok(await emitAck<Ack<{ result: Result }>>(bad, 'practice:result', { conversationId: badPractice })).result;
    expect(goodResult).toMatchObject({
      practice: true,
      outcome: 'calmed',
      endedBy: 'rules',
      turns: 2,
      endMood: 0,
      advisorName: '王芳',
    });
    expect(badResult).toMatchObject({ outcome: 'escalated', endedBy: 'rules', turns: 2, endMood: 6, advisorName: '李强' });
    expect(goodResult.feedback.map((f) => f.reaction)).toEqual(['calm', 'calm']);
    expect(badResult.feedback.map((f) => f.reaction)).toEqual(['procedureOnly', 'forbidden']);
    expect(badResult.feedback[1]!.evidence).toEqual([expect.objectContaining({ quote: BAD[1] })]);

    // The inspection scorecard scored both, with evidence, and the good practice scored higher.
    expect(goodResult.score).not.toBeNull();
    expect(badResult.score).not.toBeNull();
    expect(goodResult.score!.total!).toBeGreaterThan(badResult.score!.total!);
    const guardrail = (s: Score) => s.items.find((i) => i.id === 'no_advice')!;
    expect(guardrail(goodResult.score!).passed).toBe(true);
    expect(guardrail(badResult.score!)).toMatchObject({ passed: false, evidence: [expect.objectContaining({ quote: BAD[1] })] });
    expect(badResult.score!.items.find((i) => i.id === 'empathy')?.passed).toBe(false);
    expect(goodResult.score!.items.find((i) => i.id === 'empathy')?.passed).toBe(true);
    expect(goodResult.score!.items.some((i) => i.id === 'wrap_up')).toBe(false);
  });

  it('keeps practice chats to their advisor: no one else may write, an ended one takes nothing, chat:close ends one', async () => {
    expect(
      await emitAck<Ack>(bad, 'chat:send', { conversationId: goodPractice, clientMessageId: 'x1', text: '您好' }),
    ).toMatchObject({
      ok: false,
      error: 'not_owner',
    });
    expect(
      await emitAck<Ack>(good, 'chat:send', { conversationId: goodPractice, clientMessageId: 'x2', text: '您好' }),
    ).toMatchObject({
      ok: false,
      error: 'practice_ended',
    });
    expect(await emitAck<Ack>(szAdvisor, 'practice:result', { conversationId: goodPractice })).toMatchObject({
      ok: false,
      error: 'not_found',
    });

    const third = ok(
      await emitAck<Ack<{ conversationId: string }>>(good, 'practice:start', { scenarioId: 'vip-product-risk' }),
    ).conversationId;
    expect(await emitAck<Ack>(good, 'practice:result', { conversationId: third })).toMatchObject({
      ok: false,
      error: 'not_ended',
    });
    // The ack comes once the practice has ended and its result is stored (the closing tab leaves the chat's room).
    ok(await emitAck<Ack>(good, 'chat:close', { conversationId: third }));
    const result = ok(await emitAck<Ack<{ result: Result }>>(good, 'practice:result', { conversationId: third })).result;
    expect(result).toMatchObject({ outcome: 'closed', endedBy: 'advisor', turns: 0 });

    // Re-opening after a reload shows the transcript and the result.
    const reopened = ok(
      await emitAck<Ack<{ chat: Chat; result: Result | null }>>(good, 'practice:open', { conversationId: goodPractice }),
    );
    expect(reopened.chat.messages.map((m) => m.from)).toEqual(['client', 'advisor', 'client', 'advisor', 'client']);
    expect(reopened.chat.messages.every((m) => m.practice === true)).toBe(true);
    expect(reopened.result?.outcome).toBe('calmed');
  });

  it('never mixes practice chats with real ones: waiting list, chats in progress, review search, stored messages, delivery', async () => {
    // A real client waits for a person, so the waiting list is not empty.
    const client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1001', 'SH01') }));
    const offered = Promise.race([nextEvent(good, 'offer', () => true, 20_000), nextEvent(bad, 'offer', () => true, 20_000)]);
    ok(await emitAck<Ack>(client, 'message', { clientMessageId: 'r1', text: '我的担保比例跌到125%了，手机13800001001，转人工' }));
    await offered;
    const practiceIds = [goodPractice, badPractice];

    const waiting = ok(await emitAck<Ack<{ items: { conversationId: string }[] }>>(supervisor, 'queue:list'));
    expect(waiting.items.length).toBeGreaterThan(0);
    expect(waiting.items.filter((i) => practiceIds.includes(i.conversationId))).toEqual([]);
    const active = ok(await emitAck<Ack<{ chats: { conversationId: string }[] }>>(supervisor, 'chat:active'));
    expect(active.chats.filter((c) => practiceIds.includes(c.conversationId))).toEqual([]);
    const mine = ok(await emitAck<Ack<{ chats: { conversationId: string }[] }>>(good, 'chat:list'));
    expect(mine.chats.filter((c) => practiceIds.includes(c.conversationId))).toEqual([]);

    const search = ok(await emitAck<Ack<{ items: { conversationId: string }[] }>>(supervisor, 'transcripts:search', {}));
    expect(search.items.length).toBeGreaterThan(0);
    expect(search.items.filter((i) => practiceIds.includes(i.conversationId))).toEqual([]);

    const { db, queues } = ctx.sys.services;
    for (const id of practiceIds) {
      expect(await db.Conversation.exists({ _id: id })).toBeNull();
      expect(await db.Message.countDocuments({ conversationId: id })).toBe(0);
      expect(await db.Handoff.countDocuments({ conversationId: id })).toBe(0);
    }
    // Nothing of a practice was queued for delivery to any channel.
    const reopened = ok(await emitAck<Ack<{ chat: Chat }>>(good, 'practice:open', { conversationId: goodPractice }));
    for (const m of reopened.chat.messages) expect(await queues.outbound.getJob(m.id)).toBeUndefined();
  });

  it('shows advisors their history; supervisors assign scenarios and see results per advisor within their branches', async () => {
    const history = ok(
      await emitAck<
        Ack<{ items: { conversationId: string; outcome: string | null; total: number | null; practice: boolean }[] }>
      >(good, 'practice:history'),
    );
    expect(history.items.map((i) => i.conversationId)).toContain(goodPractice);
    expect(history.items.find((i) => i.conversationId === goodPractice)).toMatchObject({ practice: true, outcome: 'calmed' });
    expect(history.items.find((i) => i.conversationId === goodPractice)!.total).toEqual(expect.any(Number));
    expect(history.items.map((i) => i.conversationId)).not.toContain(badPractice);

    expect(await emitAck<Ack>(good, 'practice:assign', { advisorId: ids.li, scenarioId: MARGIN })).toMatchObject({
      ok: false,
      error: 'not_a_supervisor',
    });
    expect(await emitAck<Ack>(good, 'practice:results', {})).toMatchObject({ ok: false, error: 'not_a_supervisor' });
    const assigned = ok(
      await emitAck<Ack<{ assignment: { scenarioTitle: string; done: boolean } }>>(supervisor, 'practice:assign', {
        advisorId: ids.li,
        scenarioId: 'transfer-failed-angry',
      }),
    );
    expect(assigned.assignment).toMatchObject({ scenarioTitle: '愤怒的投诉客户：银证转账失败三天', done: false });
    const liScenarios = ok(await emitAck<Ack<{ items: { id: string; assigned: boolean }[] }>>(bad, 'practice:scenarios'));
    expect(liScenarios.items.filter((i) => i.assigned).map((i) => i.id)).toEqual(['transfer-failed-angry']);
    const liHistory = ok(
      await emitAck<Ack<{ assignments: { scenarioId: string; assignedByName: string; done: boolean }[] }>>(
        bad,
        'practice:history',
      ),
    );
    expect(liHistory.assignments).toEqual([
      expect.objectContaining({ scenarioId: 'transfer-failed-angry', assignedByName: '赵磊', done: false }),
    ]);
    expect(
      await emitAck<Ack>(supervisor, 'practice:assign', { advisorId: ids.li, scenarioId: 'no-such-scenario' }),
    ).toMatchObject({
      ok: false,
      error: 'not_found',
    });

    const perAdvisor = ok(await emitAck<Ack<{ items: Result[] }>>(supervisor, 'practice:results', { advisorId: ids.wang }));
    expect(perAdvisor.items.map((r) => r.outcome).sort()).toEqual(['calmed', 'closed']);
    const all = ok(await emitAck<Ack<{ items: Result[] }>>(supervisor, 'practice:results', {}));
    expect(all.items.map((r) => r.conversationId)).toEqual(expect.arrayContaining([goodPractice, badPractice]));
    // Branch scope: a supervisor of SZ01 sees none of SH01's practices and cannot assign there.
    expect(ok(await emitAck<Ack<{ items: Result[] }>>(szSupervisor, 'practice:results', {})).items).toEqual([]);
    expect(await emitAck<Ack>(szSupervisor, 'practice:results', { advisorId: ids.wang })).toMatchObject({
      ok: false,
      error: 'not_visible',
    });
    expect(await emitAck<Ack>(szSupervisor, 'practice:assign', { advisorId: ids.li, scenarioId: MARGIN })).toMatchObject({
      ok: false,
      error: 'not_visible',
    });
    expect(await emitAck<Ack>(szSupervisor, 'practice:result', { conversationId: goodPractice })).toMatchObject({
      ok: false,
      error: 'not_found',
    });
  });

  it('turns a real conversation into a masked scenario of its branch in one step (质培一体化)', async () => {
    const real = (await ctx.sys.services.db.Conversation.findOne({ customerId: 'C1001' }).lean())!._id.toString();
    expect(await emitAck<Ack>(good, 'practice:fromConversation', { conversationId: real })).toMatchObject({
      ok: false,
      error: 'not_a_supervisor',
    });
    expect(await emitAck<Ack>(szSupervisor, 'practice:fromConversation', { conversationId: real })).toMatchObject({
      ok: false,
      error: 'not_visible',
    });
    const made = ok(
      await emitAck<Ack<{ scenario: { id: string; source: string; branchId: string }; created: boolean }>>(
        supervisor,
        'practice:fromConversation',
        { conversationId: real },
      ),
    );
    expect(made).toMatchObject({ created: true, scenario: { source: 'conversation', branchId: 'SH01' } });
    const again = ok(
      await emitAck<Ack<{ scenario: { id: string }; created: boolean }>>(supervisor, 'practice:fromConversation', {
        conversationId: real,
      }),
    );
    expect(again).toMatchObject({ created: false, scenario: { id: made.scenario.id } });

    const sh = ok(await emitAck<Ack<{ items: { id: string }[] }>>(good, 'practice:scenarios'));
    expect(sh.items.map((i) => i.id)).toContain(made.scenario.id);
    const sz = ok(await emitAck<Ack<{ items: { id: string }[] }>>(szAdvisor, 'practice:scenarios'));
    expect(sz.items.map((i) => i.id)).not.toContain(made.scenario.id);
    expect(await emitAck<Ack>(szAdvisor, 'practice:start', { scenarioId: made.scenario.id })).toMatchObject({
      ok: false,
      error: 'not_found',
    });

    const practised = ok(await emitAck<Ack<{ chat: Chat }>>(good, 'practice:start', { scenarioId: made.scenario.id }));
    const opening = practised.chat.messages[0]!.text;
    expect(opening).toContain('担保比例跌到125%');
    expect(opening).not.toContain('13800001001');
    expect(opening).toContain('138****1001');
    ok(await emitAck<Ack>(good, 'chat:close', { conversationId: practised.chat.conversationId }));
  });
});

/** With an OpenAI-compatible endpoint the simulated client's lines are reworded; the rules still decide. */
describe('practice with an LLM configured', () => {
  const llm = new OpenAiSimulator();
  const LLM_LINE = '唉，你这么说我稍微安心点了，那我具体先做哪一步？';
  llm.reply = (req) => (req.messages[0]?.content.includes('你是证券公司的一位客户') ? LLM_LINE : '好的。');
  beforeAll(() => llm.start(), 10_000);
  afterAll(() => llm.stop());
  const ctx = useTestSystem(() =>
    testEnv({
      PRACTICE_REPLY_DELAY_MS: '0',
      PRACTICE_IDLE_S: '0',
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_API_KEY: llm.apiKey,
      OPENAI_MODEL: 'sim',
    }),
  );

  it('sends the model’s wording of the rule line, with the mood the rules decided', async () => {
    const { token } = await loginAdvisor(ctx.sys.url, 'wang.fang');
    const advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    const { conversationId } = ok(
      await emitAck<Ack<{ conversationId: string }>>(advisor, 'practice:start', { scenarioId: MARGIN }),
    );
    const answer = nextEvent<Wire>(
      advisor,
      'chat:message',
      (m) => m.conversationId === conversationId && m.from === 'client' && m.seq > 1,
    );
    ok(await emitAck<Ack>(advisor, 'chat:send', { conversationId, clientMessageId: 'g1', text: GOOD[0] }));
    const reply = await answer;
    expect(reply.text).toBe(LLM_LINE);
    expect(reply.insight?.emotion).toBe('calm');
    const asked = llm.requests.find((r) => r.messages[0]?.content.includes('你是证券公司的一位客户'))!;
    expect(asked.messages[0]!.content).toContain('刘先生');
    expect(asked.messages[1]!.content).toContain(GOOD[0]!.slice(0, 10));
  });
});

/** An advisor who never answers: the simulated client writes again, angrier each time, until the practice ends escalated. */
describe('practice left unanswered', () => {
  const ctx = useTestSystem(() => testEnv({ PRACTICE_REPLY_DELAY_MS: '0', PRACTICE_IDLE_S: '1' }));

  it('counts silence as ignoring the client and ends the practice escalated', async () => {
    const { token } = await loginAdvisor(ctx.sys.url, 'zhang.min');
    const advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    const messages: Wire[] = [];
    advisor.on('chat:message', (m: Wire) => messages.push(m));
    const { conversationId } = ok(
      await emitAck<Ack<{ conversationId: string }>>(advisor, 'practice:start', { scenarioId: 'transfer-failed-angry' }),
    );
    const ended = await nextEvent<{ conversationId: string; outcome: string }>(
      advisor,
      'chat:closed',
      (e) => e.conversationId === conversationId,
      20_000,
    );
    expect(ended).toMatchObject({ practice: true, outcome: 'escalated' });
    const result = ok(await emitAck<Ack<{ result: Result }>>(advisor, 'practice:result', { conversationId })).result;
    expect(result).toMatchObject({ outcome: 'escalated', endedBy: 'rules', turns: 3 });
    expect(result.feedback.map((f) => [f.reaction, f.evidence.length])).toEqual([
      ['ignored', 0],
      ['ignored', 0],
      ['ignored', 0],
    ]);
    const fromClient = messages.filter((m) => m.conversationId === conversationId && m.from === 'client');
    expect(fromClient.map((m) => m.insight?.emotion)).toEqual(['angry', 'angry', 'angry', 'angry']);
    expect(fromClient.at(-1)!.text).toContain('投诉');
  }, 30_000);
});
