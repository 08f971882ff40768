import type { Socket } from 'socket.io-client';
import { createQueues, createRedis } from '@brokerbot/shared';
import { startRoleProcess, type RoleProcess } from '../support/role-process';
import {
  cleanUp,
  clientToken,
  connect,
  emitAck,
  loginAdvisor,
  nextEvent,
  startTestSystem,
  testEnv,
  type TestSystem,
} from '../support/test-system';

/** Nothing is lost when a process dies or Redis forgets its queues. */
describe('crash and restart', () => {
  const sockets: Socket[] = [];
  const processes: RoleProcess[] = [];
  let sys: TestSystem | undefined;

  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.disconnect());
    await Promise.all(processes.splice(0).map((p) => p.kill()));
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
      sys = undefined;
    }
  });

  jest.setTimeout(120_000);

  it('offers a queued handoff after the router is killed and restarted, losing and duplicating nothing', async () => {
    const env = testEnv({ ROLES: 'gateway,bot,outbound' });
    sys = await startTestSystem(env);
    processes.push(await startRoleProcess(env, 'router'));

    // No advisor online yet: the router keeps the handoff waiting.
    const client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1002', 'SH01') });
    sockets.push(client);
    await nextEvent(client, 'history');
    const notice = nextEvent<{ from: string }>(client, 'message', (m) => m.from === 'bot');
    await emitAck(client, 'message', { clientMessageId: 'k1', text: '转人工，我的银证转账失败了' });
    await notice;

    // The router dies with the handoff queued.
    await processes[0]!.kill('SIGKILL');
    processes.splice(0);
    await emitAck(client, 'message', { clientMessageId: 'k2', text: '还要等多久？' });

    // An advisor comes online while no router runs: no offer can come…
    const { token } = await loginAdvisor(sys.url, 'li.qiang');
    const advisor = await connect(sys.url, '/advisor', { token });
    sockets.push(advisor);
    // Generous: a fresh role process compiles and loads its models first, slow on a busy 2-core CI machine.
    const offer = nextEvent<{ handoffId: string; customer: { id: string } }>(advisor, 'offer', () => true, 90_000);

    // …until a new router process starts and finds it.
    processes.push(await startRoleProcess(env, 'router'));
    const offered = await offer;
    expect(offered.customer.id).toBe('C1002');

    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string; messages: { text: string }[] } }>(
      advisor,
      'chat:accept',
      { handoffId: offered.handoffId },
    );
    expect(accepted.ok).toBe(true);
    const texts = accepted.chat.messages.map((m) => m.text);
    expect(texts.filter((t) => t === '转人工，我的银证转账失败了')).toHaveLength(1);
    expect(texts.filter((t) => t === '还要等多久？')).toHaveLength(1);
    expect(await sys.services.db.Handoff.countDocuments({ conversationId: accepted.chat.conversationId })).toBe(1);
  });

  it('answers a stored message exactly once after Redis lost its queued job', async () => {
    const env = testEnv({ ROLES: 'gateway,outbound' });
    sys = await startTestSystem(env);
    const client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C2001', 'SZ01') });
    sockets.push(client);
    await nextEvent(client, 'history');
    const ack = await emitAck<{ ok: boolean }>(client, 'message', { clientMessageId: 'lost1', text: '怎么开户' });
    expect(ack.ok).toBe(true);

    // Redis restarts without persistence: every queued job is gone.
    const redis = createRedis(sys.config.REDIS_URL, 'test');
    const queues = createQueues(redis, sys.config.QUEUE_PREFIX);
    await queues.inbound.obliterate({ force: true });
    expect(await queues.inbound.count()).toBe(0);

    // The bot starts and recovers the stored message from the database.
    const reply = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.from === 'bot', 90_000);
    processes.push(await startRoleProcess(env, 'bot'));
    expect((await reply).text).toContain('开户');

    // Re-delivering the same client message id changes nothing.
    const again = await emitAck<{ ok: boolean; duplicate: boolean }>(client, 'message', {
      clientMessageId: 'lost1',
      text: '怎么开户',
    });
    expect(again).toMatchObject({ ok: true, duplicate: true });
    await new Promise((r) => setTimeout(r, 500));
    const stored = await sys.services.db.Message.find({}).sort({ seq: 1 }).lean();
    expect(stored.map((m) => m.author.kind)).toEqual(['client', 'bot']);
    await queues.close();
    await redis.quit();
  });
});
