import type { Socket } from 'socket.io-client';
import { MemoryStore, createEngine, loadBrain } from '@brokerbot/bot';
import { createLogger, recordInbound, type AppointmentView, type InboundJob } from '@brokerbot/shared';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

type Wire = { from: string; text: string; authorName: string | null };
type Ack = { ok: boolean; error?: string; message?: string };
type UpdateAck = Ack & { appointment?: AppointmentView };

/**
 * 预约见面 end to end: a client asks the bot for an appointment, the branch's advisors see it
 * and confirm it, and the client is told in their chat. Real bot, Redis and database.
 */
describe('appointment requests reach the branch', () => {
  const ctx = useTestSystem();
  let n = 0;

  async function client(customerId: string, branchId = 'SH01') {
    return ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) }));
  }

  async function advisor(username: string) {
    const { token } = await loginAdvisor(ctx.sys.url, username);
    return ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
  }

  /** Sends and resolves with the bot's next reply. */
  async function say(s: Socket, text: string): Promise<string> {
    const reply = nextEvent<Wire>(s, 'message', (m) => m.from === 'bot');
    expect(await emitAck(s, 'message', { clientMessageId: `ap${n++}`, text })).toMatchObject({ ok: true });
    return (await reply).text;
  }

  /** Walks the 预约 flow up to the question about the time. */
  async function startAppointment(s: Socket, topic: string): Promise<void> {
    expect(await say(s, '我想预约客户经理见面')).toContain('请简单说明想咨询的事项');
    expect(await say(s, topic)).toContain('您方便的时间');
  }

  /** A client's whole request through the bot; resolves with the appointment as `watcher` is told of it. */
  async function requestAppointment(watcher: Socket, customerId: string, topic: string, time: string) {
    const s = await client(customerId);
    const added = nextEvent<AppointmentView>(watcher, 'appointment:added', (a) => a.customer?.id === customerId);
    await startAppointment(s, topic);
    expect(await say(s, time)).toContain('已为您登记预约');
    return { client: s, appointment: await added };
  }

  async function list(s: Socket): Promise<AppointmentView[]> {
    const res = await emitAck<Ack & { items: AppointmentView[] }>(s, 'appointments:list', {});
    expect(res.ok).toBe(true);
    return res.items;
  }

  const update = (s: Socket, appointmentId: string, status: string) =>
    emitAck<UpdateAck>(s, 'appointments:update', { appointmentId, status });

  const stored = (appointmentId: string) => ctx.sys.services.db.Appointment.findById(appointmentId).lean();

  it('shows a client’s request to the branch live; an advisor confirms it and the client is told', async () => {
    const wang = await advisor('wang.fang');
    const li = await advisor('li.qiang');
    const supervisor = await advisor('zhao.lei');
    const seenBySupervisor = nextEvent<AppointmentView>(supervisor, 'appointment:added', (a) => a.customer?.id === 'C1003');
    const { client: s, appointment } = await requestAppointment(wang, 'C1003', '两融开通', '周三下午');

    expect(appointment).toMatchObject({
      customer: { id: 'C1003', name: '周建国', tier: 'vip' },
      branchId: 'SH01',
      topic: '两融开通',
      preferredTime: '周三下午',
      status: 'requested',
      advisorId: null,
    });
    expect(JSON.stringify(appointment)).not.toContain('13800001003'); // no phone number
    expect((await seenBySupervisor).appointmentId).toBe(appointment.appointmentId);
    expect((await list(li)).map((a) => a.appointmentId)).toContain(appointment.appointmentId);
    expect((await list(supervisor)).map((a) => a.appointmentId)).toContain(appointment.appointmentId);

    const told = nextEvent<Wire>(s, 'message', (m) => m.from === 'system');
    const liSees = nextEvent<AppointmentView>(li, 'appointment:updated', (a) => a.appointmentId === appointment.appointmentId);
    const confirmed = await update(wang, appointment.appointmentId, 'confirmed');
    expect(confirmed).toMatchObject({ ok: true, appointment: { status: 'confirmed', advisorName: '王芳' } });
    expect((await told).text).toBe('您预约的「两融开通」已由客户经理 王芳 确认，时间：周三下午。');
    expect(await liSees).toMatchObject({ status: 'confirmed', advisorName: '王芳' });
    expect((await list(wang)).find((a) => a.appointmentId === appointment.appointmentId)).toMatchObject({
      status: 'confirmed',
      advisorName: '王芳',
    });

    // After the meeting the owner marks it done; it stays on the list (closed this week).
    const done = nextEvent<AppointmentView>(supervisor, 'appointment:updated', (a) => a.status === 'done');
    expect(await update(wang, appointment.appointmentId, 'done')).toMatchObject({ ok: true, appointment: { status: 'done' } });
    expect((await done).appointmentId).toBe(appointment.appointmentId);
    expect((await list(li)).find((a) => a.appointmentId === appointment.appointmentId)?.status).toBe('done');
  });

  it('stores one appointment when the same inbound job is processed twice', async () => {
    const s = await client('C1004');
    const history = await nextEvent<{ conversationId: string }>(s, 'history');
    await startAppointment(s, '资产配置');
    const { db } = ctx.sys.services;
    const conversation = (await db.Conversation.findById(history.conversationId).lean())!;
    const memories = new MemoryStore(ctx.sys.services.redis, ctx.sys.config.QUEUE_PREFIX);
    const memoryBefore = await memories.load(history.conversationId);

    // The client's last answer, stored; its job is then run by two bot processes at once
    // (a stalled job handed to a second worker), and once more after a simulated crash.
    const { message } = await recordInbound(ctx.sys.services, {
      conversationId: history.conversationId,
      channel: 'app',
      channelMessageId: `${conversation.externalUserId}.final`,
      externalUserId: conversation.externalUserId,
      text: '下周一上午 10 点',
    });
    const job: InboundJob = {
      messageId: message._id.toString(),
      conversationId: history.conversationId,
      channel: 'app',
      channelMessageId: message.channelMessageId,
      externalUserId: conversation.externalUserId,
      customerId: 'C1004',
      text: message.text,
      receivedAt: Date.now(),
    };
    const brains = [0, 1].map(() => loadBrain(ctx.sys.config, createLogger('silent')));
    try {
      await Promise.all(brains.map((brain) => createEngine(ctx.sys.services, brain).handle(job)));
      const first = await db.Appointment.find({ conversationId: history.conversationId }).lean();
      expect(first).toHaveLength(1);

      // A crash after the request was stored but before the turn ended: the turn runs again.
      await memories.save(history.conversationId, memoryBefore);
      await db.Message.updateOne({ _id: message._id }, { $set: { status: 'received' } });
      await createEngine(ctx.sys.services, brains[0]!).handle(job);
      const after = await db.Appointment.find({ conversationId: history.conversationId }).lean();
      expect(after.map((a) => a._id.toString())).toEqual([first[0]!._id.toString()]);
    } finally {
      brains.forEach((b) => b.close());
    }

    const wang = await advisor('wang.fang');
    expect((await list(wang)).filter((a) => a.customer?.id === 'C1004')).toHaveLength(1);
    // The bot's acknowledgement was stored (and sent) once.
    const replies = await db.Message.find({ conversationId: history.conversationId, text: /已为您登记预约/ }).lean();
    expect(replies).toHaveLength(1);
  });

  it('lets exactly one of two advisors confirming at once win; the other is told', async () => {
    const wang = await advisor('wang.fang');
    const li = await advisor('li.qiang');
    const { client: s, appointment } = await requestAppointment(wang, 'C1005', '港股通开通', '周五上午');
    const told = nextEvent<Wire>(s, 'message', (m) => m.from === 'system');

    // Each advisor clicks twice, all four requests at once.
    const attempts = [wang, li, wang, li];
    const results = await Promise.all(attempts.map((a) => update(a, appointment.appointmentId, 'confirmed')));
    const winners = new Set(results.filter((r) => r.ok).map((r) => r.appointment!.advisorName));
    expect(winners.size).toBe(1);
    const winner = [...winners][0]!;
    const loser = winner === '王芳' ? '李强' : '王芳';
    const loserResults = results.filter((_, i) => (attempts[i] === wang ? '王芳' : '李强') === loser);
    for (const r of loserResults) {
      expect(r).toMatchObject({ ok: false, error: 'already_confirmed' });
      expect(r.message).toContain('已被其他顾问确认');
    }

    expect(await stored(appointment.appointmentId)).toMatchObject({ status: 'confirmed', advisorName: winner });
    expect((await told).text).toContain(`已由客户经理 ${winner} 确认`);
    await new Promise((r) => setTimeout(r, 300));
    const notices = await ctx.sys.services.db.Message.find({
      conversationId: appointment.conversationId,
      'author.kind': 'system',
    }).lean();
    expect(notices).toHaveLength(1);
  });

  it('refuses an advisor of another branch and changes nothing', async () => {
    const wang = await advisor('wang.fang');
    const zhang = await advisor('zhang.min'); // SZ01
    const { appointment } = await requestAppointment(wang, 'C1006', '开通创业板', '周一下午');

    expect((await list(zhang)).map((a) => a.appointmentId)).not.toContain(appointment.appointmentId);
    for (const status of ['confirmed', 'cancelled']) {
      expect(await update(zhang, appointment.appointmentId, status)).toMatchObject({
        ok: false,
        error: 'not_visible',
        message: '该预约不属于您的营业部，您无权处理',
      });
    }
    expect(await stored(appointment.appointmentId)).toMatchObject({ status: 'requested', advisorId: null, version: 0 });
  });

  it('answers bad payloads with invalid_request and changes nothing', async () => {
    const wang = await advisor('wang.fang');
    const { appointment } = await requestAppointment(wang, 'C1001', '佣金调整', '周四');
    const before = await stored(appointment.appointmentId);

    const bad: unknown[] = [
      { appointmentId: 'not-an-id', status: 'confirmed' },
      { appointmentId: appointment.appointmentId, status: 'approved' },
      { appointmentId: appointment.appointmentId, status: 'requested' },
      { appointmentId: appointment.appointmentId },
      'confirm everything',
    ];
    for (const payload of bad) {
      const res = await emitAck<Ack>(wang, 'appointments:update', payload);
      expect(res).toMatchObject({ ok: false, error: 'invalid_request' });
      expect(res.message).toBeTruthy();
    }
    expect((await emitAck<Ack>(wang, 'appointments:update', { appointmentId: 'x', status: 'done' })).message).toContain(
      '预约编号无效',
    );
    expect(await emitAck<Ack>(wang, 'appointments:list', 'all')).toMatchObject({ ok: false, error: 'invalid_request' });
    expect(await update(wang, '0123456789abcdef01234567', 'confirmed')).toMatchObject({ ok: false, error: 'not_found' });
    expect(await stored(appointment.appointmentId)).toEqual(before);
  });

  it('applies the rules: confirm before done, only the owner or a supervisor closes a confirmed one', async () => {
    const wang = await advisor('wang.fang');
    const li = await advisor('li.qiang');
    const supervisor = await advisor('zhao.lei');
    const { client: s, appointment } = await requestAppointment(wang, 'C1002', '基金定投', '周二上午');
    const id = appointment.appointmentId;

    expect(await update(wang, id, 'done')).toMatchObject({ ok: false, message: '请先确认预约，见面后再标记完成' });
    expect(await update(supervisor, id, 'confirmed')).toMatchObject({ ok: false, error: 'not_an_advisor' });
    expect(await update(wang, id, 'confirmed')).toMatchObject({ ok: true });
    // Confirming again is harmless for the owner, refused for a colleague.
    expect(await update(wang, id, 'confirmed')).toMatchObject({ ok: true, appointment: { advisorName: '王芳' } });
    expect(await update(li, id, 'confirmed')).toMatchObject({ ok: false, message: '已被其他顾问确认（王芳）' });
    expect(await update(li, id, 'done')).toMatchObject({ ok: false, error: 'not_owner' });
    expect(await update(li, id, 'cancelled')).toMatchObject({ ok: false, error: 'not_owner' });
    expect(await stored(id)).toMatchObject({ status: 'confirmed', advisorName: '王芳' });

    // A supervisor may cancel it; the client is told, and a cancelled request stays closed.
    const told = nextEvent<Wire>(s, 'message', (m) => m.from === 'system' && m.text.includes('已取消'));
    expect(await update(supervisor, id, 'cancelled')).toMatchObject({ ok: true, appointment: { status: 'cancelled' } });
    expect((await told).text).toBe('您预约的「基金定投」（周二上午）已取消。如需重新预约，请随时告诉我们。');
    expect(await update(wang, id, 'done')).toMatchObject({ ok: false, message: '该预约已取消，不能再更改' });
    expect(await stored(id)).toMatchObject({ status: 'cancelled' });
  });
});
