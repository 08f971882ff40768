import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, testEnv, useTestSystem } from '../support/test-system';

/** chat:transfer end to end: the receiver's offer with the note and transcript, the client told, one owner throughout. */
type Offer = {
  handoffId: string;
  conversationId: string;
  customer: { id: string } | null;
  transfer?: { fromAdvisorName: string; note: string };
};
type Message = { text: string; from: string };

describe('chat transfer', () => {
  const ctx = useTestSystem(() => testEnv({ OFFER_TIMEOUT_S: '3', ROUTING_BRANCH_WAIT_S: '600', ROUTING_CENTRAL_WAIT_S: '600' }));

  async function advisor(username: string) {
    const { token, advisor } = await loginAdvisor(ctx.sys.url, username);
    const socket = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    await nextEvent(socket, 'ready');
    return { socket, id: advisor.id };
  }
  async function client(customerId: string, branchId: string) {
    const socket = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) }));
    await nextEvent(socket, 'history');
    return socket;
  }
  /** The client escalates; `taker` accepts the chat from the waiting list. */
  async function chatOwnedBy(taker: { socket: Socket }, customerId: string, branchId: string, text = '人工客服') {
    const c = await client(customerId, branchId);
    const added = nextEvent<Offer>(taker.socket, 'queue:added', (o) => o.customer?.id === customerId);
    await emitAck(c, 'message', { clientMessageId: `${customerId}-esc`, text });
    const { handoffId, conversationId } = await added;
    expect(await emitAck(taker.socket, 'chat:accept', { handoffId })).toMatchObject({ ok: true });
    return { client: c, conversationId, handoffId };
  }
  const owners = async (conversationId: string) => {
    const c = await ctx.sys.services.db.Conversation.findById(conversationId).lean();
    return { state: c!.state, advisorId: c!.advisorId };
  };

  it('offers the chat to the named advisor with the note, drops it from the sender, tells the client, and opens the whole transcript', async () => {
    const wang = await advisor('wang.fang');
    const li = await advisor('li.qiang');
    const { client: c, conversationId } = await chatOwnedBy(wang, 'C1001', 'SH01');
    await emitAck(wang.socket, 'chat:send', { conversationId, clientMessageId: 'w1', text: '您好，请问是哪只基金的问题？' });

    const offered = nextEvent<Offer>(li.socket, 'offer', (o) => o.conversationId === conversationId);
    const dropped = nextEvent<{ conversationId: string; reason?: string }>(
      wang.socket,
      'chat:closed',
      (e) => e.conversationId === conversationId,
    );
    const told = nextEvent<Message>(c, 'message', (m) => m.text.includes('正在为您转接'));
    const note = '客户咨询两融追保，已说明规则，需要李强跟进投诉';
    expect(await emitAck(wang.socket, 'chat:transfer', { conversationId, to: { advisorId: li.id }, note })).toEqual({ ok: true });
    const offer = await offered;
    expect(offer.transfer).toEqual({ fromAdvisorName: '王芳', note });
    expect(await dropped).toMatchObject({ reason: 'transferred' });
    expect((await told).text).toContain('顾问李强');
    // The sender no longer owns it.
    expect(await emitAck(wang.socket, 'chat:send', { conversationId, clientMessageId: 'w2', text: '还在吗' })).toMatchObject({
      ok: false,
      error: 'not_owner',
    });

    const accepted = await emitAck<{ ok: boolean; chat: { messages: Message[]; handoff: Offer } }>(li.socket, 'chat:accept', {
      handoffId: offer.handoffId,
    });
    expect(accepted.ok).toBe(true);
    const texts = accepted.chat.messages.map((m) => m.text);
    expect(texts).toContain('人工客服');
    expect(texts).toContain('您好，请问是哪只基金的问题？');
    expect(accepted.chat.handoff.transfer?.note).toBe(note);
    expect(await owners(conversationId)).toEqual({ state: 'human', advisorId: li.id });

    const transitions = await ctx.sys.services.db.Transition.find({ conversationId }).sort({ version: 1 }).lean();
    expect(transitions.map((t) => t.reason).slice(-2)).toEqual(['transferred', 'accepted']);
    const log = await ctx.sys.services.db.ConversationLog.find({ conversationId, kind: 'transfer' }).lean();
    expect(log).toHaveLength(1);
    expect(log[0]!.detail).toMatchObject({ note, to: { advisorId: li.id } });
    wang.socket.disconnect();
    li.socket.disconnect();
  });

  it('transfers to another branch and to a skill group, and refuses bad targets with nothing changed', async () => {
    const wang = await advisor('wang.fang');
    const chen = await advisor('chen.jie'); // SZ01: 期权, 两融
    const { conversationId } = await chatOwnedBy(wang, 'C1004', 'SH01');

    expect(
      await emitAck(wang.socket, 'chat:transfer', { conversationId, to: { advisorId: wang.id }, note: '转给自己' }),
    ).toMatchObject({
      ok: false,
      error: 'invalid_target',
    });
    const zhang = await ctx.sys.services.db.Advisor.findOne({ username: 'zhang.min' }).lean();
    expect(
      await emitAck(wang.socket, 'chat:transfer', {
        conversationId,
        to: { advisorId: zhang!._id.toString() },
        note: '张敏不在线',
      }),
    ).toMatchObject({ ok: false, error: 'advisor_unavailable' });
    expect(
      await emitAck(wang.socket, 'chat:transfer', { conversationId, to: { skill: '外汇' }, note: '没有这个技能' }),
    ).toMatchObject({
      ok: false,
      error: 'invalid_target',
    });
    expect(
      await emitAck(wang.socket, 'chat:transfer', { conversationId, to: { branchId: 'XX99' }, note: '没有这个营业部' }),
    ).toMatchObject({
      ok: false,
      error: 'invalid_target',
    });
    expect(await emitAck(wang.socket, 'chat:transfer', { conversationId, to: { branchId: 'SZ01' }, note: '  ' })).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });
    expect(await owners(conversationId)).toEqual({ state: 'human', advisorId: wang.id });

    // To the SZ01 branch: its advisor is offered it.
    const toBranch = nextEvent<Offer>(chen.socket, 'offer', (o) => o.conversationId === conversationId);
    expect(
      await emitAck(wang.socket, 'chat:transfer', { conversationId, to: { branchId: 'SZ01' }, note: '客户已迁至深圳' }),
    ).toEqual({ ok: true });
    const offer = await toBranch;
    expect(offer.transfer?.note).toBe('客户已迁至深圳');
    expect(await emitAck(chen.socket, 'chat:accept', { handoffId: offer.handoffId })).toMatchObject({ ok: true });

    // To a skill group: 两融 in the chat's branch (SH01) → wang (the only one there with it).
    const toSkill = nextEvent<Offer>(wang.socket, 'offer', (o) => o.conversationId === conversationId);
    expect(
      await emitAck(chen.socket, 'chat:transfer', { conversationId, to: { skill: '两融' }, note: '请两融专员处理' }),
    ).toEqual({ ok: true });
    expect((await toSkill).transfer?.fromAdvisorName).toBe('陈杰');
    wang.socket.disconnect();
    chen.socket.disconnect();
  });

  it('keeps exactly one owner when an accept, two transfers and a take-over race, and when two advisors accept the transfer at once', async () => {
    const wang = await advisor('wang.fang');
    const li = await advisor('li.qiang');
    const sun = await advisor('sun.hui'); // central team: sees every branch
    const sup = await advisor('zhao.lei');
    const { conversationId, handoffId } = await chatOwnedBy(wang, 'C1005', 'SH01');

    const [accept, ...results] = await Promise.all([
      // A colleague still trying to accept the chat wang already owns.
      emitAck(li.socket, 'chat:accept', { handoffId }),
      emitAck(wang.socket, 'chat:transfer', { conversationId, to: { advisorId: li.id }, note: '甲' }),
      emitAck(wang.socket, 'chat:transfer', { conversationId, to: { branchId: 'SH01' }, note: '乙' }),
      emitAck(sup.socket, 'chat:takeover', { conversationId }),
    ]);
    expect(accept).toMatchObject({ ok: false, error: 'not_available' });
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const after = await owners(conversationId);
    const winner = results.findIndex((r) => r.ok);
    if (winner === 2) expect(after).toEqual({ state: 'human', advisorId: sup.id });
    else expect(after).toEqual({ state: 'queued', advisorId: null });
    // Exactly one live handoff for the chat, and the losers' handoffs cancelled.
    const handoffs = await ctx.sys.services.db.Handoff.find({ conversationId }).lean();
    expect(handoffs.filter((x) => x.status === 'queued' || x.status === 'accepted')).toHaveLength(1);

    if (winner !== 2) {
      const queued = handoffs.find((x) => x.status === 'queued')!;
      const accepts = await Promise.all([
        emitAck(li.socket, 'chat:accept', { handoffId: queued._id.toString() }),
        emitAck(sun.socket, 'chat:accept', { handoffId: queued._id.toString() }),
      ]);
      expect(accepts.filter((r) => r.ok)).toHaveLength(1);
      const owner = accepts[0]!.ok ? li.id : sun.id;
      expect(await owners(conversationId)).toEqual({ state: 'human', advisorId: owner });
    }
    // The log has no gap or duplicate: one transition per version.
    const versions = (await ctx.sys.services.db.Transition.find({ conversationId }).lean())
      .map((t) => t.version)
      .sort((a, b) => a - b);
    expect(versions).toEqual(versions.map((_v, i) => i + 1));
    for (const s of [wang, li, sun, sup]) s.socket.disconnect();
  });
});
