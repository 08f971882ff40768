import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, testEnv, useTestSystem } from '../support/test-system';

/**
 * The routing side of a working day, end to end against the real system: status (busy/away get
 * no offers, supervisors see it live), skills and the client's own advisor, the waiting client's
 * place in the queue, watch rights, a supervisor's whisper and take-over.
 */
type Offer = { handoffId: string; conversationId: string; customer: { id: string } | null };
type StatusEvent = { advisorId: string; name: string; branchId: string; status: string; load: number; capacity: number };
type Message = { text: string; from: string; kind?: string; authorName?: string | null };

const ctxEnv = () =>
  testEnv({ OFFER_TIMEOUT_S: '2', QUEUE_UPDATE_MIN_S: '1', ROUTING_BRANCH_WAIT_S: '600', ROUTING_CENTRAL_WAIT_S: '600' });

function harness(ctx: ReturnType<typeof useTestSystem>) {
  async function advisor(username: string) {
    const { token, advisor } = await loginAdvisor(ctx.sys.url, username);
    const socket = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    const ready = await nextEvent<{ advisor: { status?: string } }>(socket, 'ready');
    return { socket, id: advisor.id, token, ready };
  }
  async function client(customerId: string, branchId: string) {
    const socket = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) }));
    await nextEvent(socket, 'history');
    return socket;
  }
  /** Escalates and waits until the chat is queued. */
  async function escalate(socket: Socket, id: string, text = '人工客服') {
    const queued = nextEvent<{ state: string }>(socket, 'state', (s) => s.state === 'queued');
    await emitAck(socket, 'message', { clientMessageId: id, text });
    await queued;
  }
  const conversationOf = async (customerId: string) =>
    (await ctx.sys.services.db.Conversation.findOne({ channel: 'app', externalUserId: customerId }).lean())!;
  /** Resolves with the offers `socket` receives within `ms`. */
  function offersWithin(socket: Socket, ms: number): Promise<Offer[]> {
    const seen: Offer[] = [];
    const on = (o: Offer) => seen.push(o);
    socket.on('offer', on);
    return new Promise((resolve) =>
      setTimeout(() => {
        socket.off('offer', on);
        resolve(seen);
      }, ms),
    );
  }
  return { advisor, client, escalate, conversationOf, offersWithin };
}

describe('routing console: status, skills, queue position, watch rights, whisper and take-over', () => {
  const ctx = useTestSystem(ctxEnv);
  const h = harness(ctx);

  it('offers a skilled chat to the advisor with the skill and a client to their own advisor, ahead of a less loaded colleague', async () => {
    const wang = await h.advisor('wang.fang'); // 两融, 开户; own advisor of C1002 and C1003
    const li = await h.advisor('li.qiang');
    // Wang takes one chat, so that li is the less loaded one from now on.
    const first = nextEvent<Offer>(wang.socket, 'queue:added', (o) => o.customer?.id === 'C1001');
    await h.escalate(await h.client('C1001', 'SH01'), 'c1001-1');
    expect(await emitAck(wang.socket, 'chat:accept', { handoffId: (await first).handoffId })).toMatchObject({ ok: true });

    const marginOffer = Promise.race([
      nextEvent<Offer>(wang.socket, 'offer', (o) => o.customer?.id === 'C1004').then(() => 'wang'),
      nextEvent<Offer>(li.socket, 'offer', (o) => o.customer?.id === 'C1004').then(() => 'li'),
    ]);
    // Escalated for distress; the skill comes from the message's intent (margin_account → 两融).
    await h.escalate(await h.client('C1004', 'SH01'), 'c1004-1', '融资融券账户维持担保比例不足要追保吗');
    expect(await marginOffer).toBe('wang');

    const ownOffer = Promise.race([
      nextEvent<Offer>(wang.socket, 'offer', (o) => o.customer?.id === 'C1003').then(() => 'wang'),
      nextEvent<Offer>(li.socket, 'offer', (o) => o.customer?.id === 'C1003').then(() => 'li'),
    ]);
    await h.escalate(await h.client('C1003', 'SH01'), 'c1003-1');
    expect(await ownOffer).toBe('wang');
    wang.socket.disconnect();
    li.socket.disconnect();
  });

  it('gives busy advisors no offers, shows supervisors every status and load live, and offers again once online', async () => {
    const sup = await h.advisor('zhao.lei');
    const zhang = await h.advisor('zhang.min');
    expect(zhang.ready.advisor.status).toBe('online');

    const busyShown = nextEvent<StatusEvent>(
      sup.socket,
      'advisor:status',
      (s) => s.advisorId === zhang.id && s.status === 'busy',
    );
    expect(await emitAck(zhang.socket, 'advisor:status', { status: 'busy' })).toEqual({ ok: true });
    expect(await busyShown).toMatchObject({ name: '张敏', branchId: 'SZ01', load: 0, capacity: 5 });

    const list = await emitAck<{ ok: true; advisors: StatusEvent[] }>(sup.socket, 'advisors:list');
    expect(list.advisors.find((a) => a.advisorId === zhang.id)).toMatchObject({ status: 'busy', load: 0 });
    // chen.jie has no console open: away.
    expect(list.advisors.find((a) => a.name === '陈杰')).toMatchObject({ status: 'away' });
    expect(await emitAck(zhang.socket, 'advisors:list')).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await emitAck(zhang.socket, 'advisor:status', { status: 'gone' })).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });

    const whileBusy = h.offersWithin(zhang.socket, 2500);
    const c = await h.client('C2006', 'SZ01');
    await h.escalate(c, 'c2006-1');
    expect(await whileBusy).toEqual([]);

    // Back online: the waiting chat is offered at once; accepting it raises the load supervisors see.
    const offered = nextEvent<Offer>(zhang.socket, 'offer', (o) => o.customer?.id === 'C2006');
    await emitAck(zhang.socket, 'advisor:status', { status: 'online' });
    const offer = await offered;
    const loadShown = nextEvent<StatusEvent>(sup.socket, 'advisor:status', (s) => s.advisorId === zhang.id && s.load === 1);
    expect(await emitAck(zhang.socket, 'chat:accept', { handoffId: offer.handoffId })).toMatchObject({ ok: true });
    expect(await loadShown).toMatchObject({ status: 'online' });

    // A reload keeps a chosen status; the last tab closing makes the advisor away.
    await emitAck(zhang.socket, 'advisor:status', { status: 'busy' });
    const second = await h.advisor('zhang.min');
    expect(second.ready.advisor.status).toBe('busy');
    await emitAck(second.socket, 'advisor:status', { status: 'online' });
    zhang.socket.disconnect();
    const awayShown = nextEvent<StatusEvent>(
      sup.socket,
      'advisor:status',
      (s) => s.advisorId === zhang.id && s.status === 'away',
    );
    second.socket.disconnect();
    await awayShown;
    // Signing in again is online again (the system, not the advisor, had set away).
    const third = await h.advisor('zhang.min');
    expect(third.ready.advisor.status).toBe('online');
    third.socket.disconnect();
  });

  it("shows a branch's own supervisor the status of that branch's advisors only", async () => {
    const { db } = ctx.sys.services;
    const { passwordHash } = (await db.Advisor.findOne({ username: 'li.qiang' }).lean())!;
    await db.Advisor.create({
      username: 'sz.supervisor',
      displayName: '深圳督导',
      passwordHash,
      role: 'supervisor',
      branchId: 'SZ01',
    });
    const local = await h.advisor('sz.supervisor');
    const head = await h.advisor('zhao.lei');
    const listed = await emitAck<{ advisors: StatusEvent[] }>(local.socket, 'advisors:list');
    expect([...new Set(listed.advisors.map((a) => a.branchId))]).toEqual(['SZ01']);

    const localSaw: StatusEvent[] = [];
    local.socket.on('advisor:status', (e: StatusEvent) => localSaw.push(e));
    const chen = await h.advisor('chen.jie');
    const wang = await h.advisor('wang.fang');
    const chenBusy = nextEvent<StatusEvent>(
      local.socket,
      'advisor:status',
      (e) => e.advisorId === chen.id && e.status === 'busy',
    );
    const wangBusy = nextEvent<StatusEvent>(head.socket, 'advisor:status', (e) => e.advisorId === wang.id && e.status === 'busy');
    await emitAck(chen.socket, 'advisor:status', { status: 'busy' });
    await emitAck(wang.socket, 'advisor:status', { status: 'busy' });
    await chenBusy;
    await wangBusy;
    expect(localSaw.some((e) => e.advisorId === wang.id)).toBe(false);
    await emitAck(chen.socket, 'advisor:status', { status: 'online' });
    await emitAck(wang.socket, 'advisor:status', { status: 'online' });
    for (const s of [local, head, chen, wang]) s.socket.disconnect();
  });

  it('tells a waiting client their place and expected wait in Chinese, and again when it improves', async () => {
    // Nobody of SZ01 is on duty (zhang's chat above holds no offers now: they signed out).
    const clients: Socket[] = [];
    for (const id of ['C2001', 'C2004', 'C2005']) {
      const c = await h.client(id, 'SZ01');
      clients.push(c);
      await h.escalate(c, `${id}-q`);
    }
    const third = clients[2]!;
    const placeTwo = nextEvent<Message>(third, 'message', (m) => m.text.includes('您前面还有 2 位客户'), 15_000);
    const typed = nextEvent<{ position: number; expectedWaitS: number }>(third, 'queue', (q) => q.position === 2, 15_000);
    expect((await placeTwo).from).toBe('system');
    expect((await typed).expectedWaitS).toBeGreaterThan(0);

    // chen.jie comes online and takes the first client: the third moves up, and is told.
    const placeOne = nextEvent<Message>(third, 'message', (m) => m.text.includes('您前面还有 1 位客户'), 15_000);
    const chen = await h.advisor('chen.jie');
    const waiting = await emitAck<{ items: Offer[] }>(chen.socket, 'queue:list');
    const firstId = waiting.items.find((i) => i.customer?.id === 'C2001')!.handoffId;
    expect(await emitAck(chen.socket, 'chat:accept', { handoffId: firstId })).toMatchObject({ ok: true });
    await placeOne;
    chen.socket.disconnect();
  });

  it('lets advisors 静默监听 a colleague only where the branch allows it, and logs every watch', async () => {
    const wang = await h.advisor('wang.fang');
    const li = await h.advisor('li.qiang');
    const conversation = await h.conversationOf('C1001'); // wang's chat (first test)
    const conversationId = conversation._id.toString();
    expect(conversation.advisorId).toBe(wang.id);

    // The console learns it from chat:active (静默监听 shown only when allowed).
    const activeFor = async (socket: typeof li.socket) =>
      (await emitAck<{ chats: { conversationId: string; mayWatch: boolean }[] }>(socket, 'chat:active')).chats.find(
        (c) => c.conversationId === conversationId,
      );
    expect(await activeFor(li.socket)).toMatchObject({ mayWatch: false });
    expect(await emitAck(li.socket, 'chat:watch', { conversationId })).toMatchObject({ ok: false, error: 'forbidden' });
    await ctx.sys.services.db.Branch.updateOne({ _id: 'SH01' }, { $set: { advisorsMayWatch: true } });
    expect(await activeFor(li.socket)).toMatchObject({ mayWatch: true });
    expect(await emitAck(li.socket, 'chat:watch', { conversationId })).toMatchObject({ ok: true });
    await ctx.sys.services.db.Branch.updateOne({ _id: 'SH01' }, { $set: { advisorsMayWatch: false } });
    // An advisor of another branch never may.
    const chen = await h.advisor('chen.jie');
    expect(await emitAck(chen.socket, 'chat:watch', { conversationId })).toMatchObject({ ok: false, error: 'not_visible' });
    // The owner opening their own chat is not a watch.
    expect(await emitAck(wang.socket, 'chat:watch', { conversationId })).toMatchObject({ ok: true });

    const logged = await ctx.sys.services.db.ConversationLog.find({ conversationId, kind: 'watch' }).lean();
    expect(logged.map((l) => l.byName)).toEqual(['李强']);
    for (const s of [wang, li, chen]) s.socket.disconnect();
  });

  it("lets a supervisor whisper to the chat's advisor (never the client) and take the chat over, both logged", async () => {
    const wang = await h.advisor('wang.fang');
    const li = await h.advisor('li.qiang');
    const sup = await h.advisor('zhao.lei');
    const clientSocket = await h.client('C1001', 'SH01');
    const conversationId = (await h.conversationOf('C1001'))._id.toString();
    await emitAck(wang.socket, 'chat:list');
    expect(await emitAck(sup.socket, 'chat:watch', { conversationId })).toMatchObject({ ok: true });

    const clientGot: Message[] = [];
    clientSocket.on('message', (m: Message) => clientGot.push(m));
    const supSaw: Message[] = [];
    sup.socket.on('chat:message', (m: Message) => supSaw.push(m));
    const whisperText = '客户是VIP，先安抚情绪，再说明追保规则';
    const toOwner = nextEvent<Message>(wang.socket, 'chat:message', (m) => m.kind === 'whisper');
    expect(await emitAck(sup.socket, 'chat:whisper', { conversationId, text: whisperText })).toMatchObject({
      ok: true,
      whisper: { kind: 'whisper', text: whisperText, authorName: '赵磊' },
    });
    expect(await toOwner).toMatchObject({ text: whisperText, from: 'supervisor', conversationId });
    expect(await emitAck(li.socket, 'chat:whisper', { conversationId, text: '试试' })).toMatchObject({
      ok: false,
      error: 'forbidden',
    });

    // Take-over: wang's console drops the chat, the supervisor's opens it, the client is told.
    const dropped = nextEvent<{ conversationId: string; reason?: string }>(
      wang.socket,
      'chat:closed',
      (c) => c.conversationId === conversationId,
    );
    const opened = nextEvent<{ conversationId: string }>(sup.socket, 'chat:opened', (c) => c.conversationId === conversationId);
    const told = nextEvent<Message>(clientSocket, 'message', (m) => m.text.includes('接下来由我为您服务'));
    const state = nextEvent<{ state: string; advisorName: string | null }>(
      clientSocket,
      'state',
      (s) => s.advisorName === '赵磊',
    );
    expect(await emitAck(sup.socket, 'chat:takeover', { conversationId })).toMatchObject({ ok: true, chat: { conversationId } });
    expect(await dropped).toMatchObject({ reason: 'taken_over' });
    await opened;
    await told;
    expect((await state).state).toBe('human');
    expect(
      await emitAck(wang.socket, 'chat:send', { conversationId, clientMessageId: 'after-takeover', text: '还在吗' }),
    ).toMatchObject({
      ok: false,
      error: 'not_owner',
    });
    expect(
      await emitAck(sup.socket, 'chat:send', { conversationId, clientMessageId: 'sup-1', text: '您好，我来为您处理' }),
    ).toMatchObject({
      ok: true,
    });
    expect(await emitAck(li.socket, 'chat:takeover', { conversationId })).toMatchObject({ ok: false, error: 'forbidden' });

    // The whisper reached nobody else and was never a message of the conversation (so no channel can send it).
    await new Promise((r) => setTimeout(r, 300));
    expect(clientGot.some((m) => m.text.includes(whisperText))).toBe(false);
    expect(supSaw.filter((m) => m.kind === 'whisper')).toHaveLength(1);
    expect(await ctx.sys.services.db.Message.countDocuments({ conversationId, text: whisperText })).toBe(0);

    const log = await ctx.sys.services.db.ConversationLog.find({ conversationId }).lean();
    expect(log.filter((l) => l.kind === 'whisper').map((l) => (l.detail as { text: string }).text)).toEqual([whisperText]);
    expect(log.filter((l) => l.kind === 'takeover')).toHaveLength(1);
    const transitions = await ctx.sys.services.db.Transition.find({ conversationId, reason: 'taken_over' }).lean();
    expect(transitions).toHaveLength(1);
    expect(transitions[0]!.set).toMatchObject({ advisorId: sup.id });
    for (const s of [wang, li, sup]) s.socket.disconnect();
  });
  it("brings in the central team at once when nobody of the client's branch is on duty", async () => {
    const sun = await h.advisor('sun.hui'); // central team: serves every branch (两融, 期权, 港股通, 投诉处理)
    const offered = nextEvent<Offer>(sun.socket, 'offer', (o) => o.customer?.id === 'C2003');
    await h.escalate(await h.client('C2003', 'SZ01'), 'c2003-central');
    expect((await offered).customer?.id).toBe('C2003');
    sun.socket.disconnect();
  });
});

describe('routing console: idle advisors', () => {
  const ctx = useTestSystem(() => testEnv({ ADVISOR_IDLE_AWAY_S: '2', OFFER_TIMEOUT_S: '2' }));
  const h = harness(ctx);

  it('sets an advisor who sends nothing for ADVISOR_IDLE_AWAY_S away (no offers), and online again on their next request', async () => {
    const sup = await h.advisor('zhao.lei');
    const chen = await h.advisor('chen.jie');
    await nextEvent<StatusEvent>(sup.socket, 'advisor:status', (s) => s.advisorId === chen.id && s.status === 'away', 10_000);

    const whileAway = h.offersWithin(chen.socket, 2000);
    await h.escalate(await h.client('C2002', 'SZ01'), 'c2002-idle');
    expect(await whileAway).toEqual([]);

    const back = nextEvent<StatusEvent>(sup.socket, 'advisor:status', (s) => s.advisorId === chen.id && s.status === 'online');
    const offered = nextEvent<Offer>(chen.socket, 'offer', (o) => o.customer?.id === 'C2002');
    await emitAck(chen.socket, 'queue:list');
    await back;
    await offered;
  });
});
