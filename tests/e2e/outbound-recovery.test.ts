import type { Socket } from 'socket.io-client';
import { claimAppEmit, deliver, startOutboundRole, type OutboundRoleOptions } from '@brokerbot/channels';
import { queueDelivery, recordOutbound, type RoleHandle } from '@brokerbot/shared';
import {
  cleanUp,
  clientToken,
  connect,
  emitAck,
  nextEvent,
  startTestSystem,
  testEnv,
  type TestSystem,
} from '../support/test-system';

interface WireMessage {
  id: string;
  from: string;
  text: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await sleep(50);
  }
}

/** Fast sweeps, so that a test sees several of them in a few seconds. */
const FAST: OutboundRoleOptions = { recovery: { everyMs: 300, staleAfterMs: 500 } };

/** Replies are neither stranded when their job is lost nor shown twice when their delivery is retried. */
describe('outbound recovery', () => {
  const sockets: Socket[] = [];
  const roles: RoleHandle[] = [];
  let sys: TestSystem | undefined;

  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.disconnect());
    await Promise.all(roles.splice(0).map((r) => r.stop()));
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
      sys = undefined;
    }
  });

  jest.setTimeout(60_000);

  /** A connected app client and every message it is sent (its own come back too: left out). */
  async function appClient(system: TestSystem, customerId: string, branchId: string) {
    const socket = await connect(system.url, '/client', { token: clientToken(system.config, customerId, branchId) });
    sockets.push(socket);
    const { conversationId } = await nextEvent<{ conversationId: string }>(socket, 'history');
    const received: WireMessage[] = [];
    socket.on('message', (m: WireMessage) => m.from !== 'client' && received.push(m));
    return { socket, conversationId, received };
  }

  /** Waits until the bot's turn for the client's message is over, and returns its stored replies. */
  async function storedReplies(system: TestSystem, conversationId: string) {
    const { Message } = system.services.db;
    await waitFor(async () => {
      const inbound = await Message.findOne({ conversationId, direction: 'in' }).lean();
      return inbound && inbound.status !== 'received';
    });
    return Message.find({ conversationId, direction: 'out' }).sort({ seq: 1 }).lean();
  }

  it('delivers a reply whose job Redis lost to the connected client, once, while the outbound roles run', async () => {
    sys = await startTestSystem(testEnv({ ROLES: 'gateway,bot' }));
    const { services } = sys;
    // Two outbound processes, as a deployment may run: both sweep, one at a time.
    roles.push(startOutboundRole(services, {}, FAST), startOutboundRole(services, {}, FAST));
    const client = await appClient(sys, 'C2001', 'SZ01');

    // The workers take nothing for now; the bot answers, and its reply is stored and queued…
    await services.queues.outbound.pause();
    expect(await emitAck(client.socket, 'message', { clientMessageId: 'o1', text: '怎么开户' })).toMatchObject({ ok: true });
    const replies = await storedReplies(sys, client.conversationId);
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.every((m) => m.status === 'queued')).toBe(true);
    // …then Redis restarts without its data: the reply's job is gone.
    await services.queues.outbound.obliterate({ force: true });
    await services.queues.outbound.resume();

    // The sweep finds the stored reply and the client sees it within a few sweeps.
    const ids = replies.map((m) => m.channelMessageId);
    await waitFor(async () => ids.every((id) => client.received.some((m) => m.id === id)), 10_000);
    expect(client.received.find((m) => m.from === 'bot')?.text).toContain('开户');

    // More sweeps by both processes show nothing twice, and the stored reply is sent.
    await sleep(2_000);
    expect(client.received.map((m) => m.id).sort()).toEqual([...ids].sort());
    const after = await services.db.Message.find({ conversationId: client.conversationId, direction: 'out' }).lean();
    expect(after.map((m) => m.status)).toEqual(ids.map(() => 'sent'));
  });

  it('does not show a reply twice when its delivery is retried after the status write failed', async () => {
    sys = await startTestSystem(testEnv({ ROLES: 'gateway,bot,outbound' }));
    const { services } = sys;
    const client = await appClient(sys, 'C2001', 'SZ01');
    expect(await emitAck(client.socket, 'message', { clientMessageId: 'o2', text: '怎么开户' })).toMatchObject({ ok: true });
    const replies = await storedReplies(sys, client.conversationId);
    const ids = replies.map((m) => m.channelMessageId);
    await waitFor(async () => ids.every((id) => client.received.some((m) => m.id === id)));
    await waitFor(async () =>
      (await services.db.Message.find({ conversationId: client.conversationId, direction: 'out' }).lean()).every(
        (m) => m.status === 'sent',
      ),
    );

    // The status write after the emit failed (database down): the stored reply still says
    // "queued", and the job's retry delivers it again once the database is back.
    await services.db.Message.updateMany(
      { conversationId: client.conversationId, direction: 'out' },
      { $set: { status: 'queued' } },
    );
    for (const m of replies) {
      await deliver(services, {
        messageId: m.channelMessageId,
        conversationId: m.conversationId,
        channel: 'app',
        externalUserId: 'C2001',
      });
    }

    // The retry only wrote the status: the client saw each reply once.
    const after = await services.db.Message.find({ conversationId: client.conversationId, direction: 'out' }).lean();
    expect(after.map((m) => m.status)).toEqual(ids.map(() => 'sent'));
    await sleep(1_000);
    expect(client.received.map((m) => m.id).sort()).toEqual([...ids].sort());
  });

  it('still shows a message whose earlier delivery died between claiming and emitting it', async () => {
    sys = await startTestSystem(testEnv({ ROLES: 'gateway' }));
    const { services } = sys;
    const client = await appClient(sys, 'C2001', 'SZ01');
    const { message } = await recordOutbound(services, {
      conversationId: client.conversationId,
      channel: 'app',
      author: { kind: 'system', name: '系统' },
      text: '您的银证转账已到账',
    });
    // A worker claimed the emit and died before emitting (the claim stays, unconfirmed).
    expect(await claimAppEmit(services, message.channelMessageId)).toBe('claimed');

    // A delivery right after it backs off (that worker might still be emitting); once the claim
    // is old, the retry takes it over and the client gets the message, once.
    roles.push(startOutboundRole(services, {}, { ...FAST, reclaimEmitAfterMs: 2_000 }));
    await queueDelivery(services.queues, message, 'C2001');
    await sleep(1_000);
    expect(client.received).toEqual([]);
    expect((await services.db.Message.findById(message._id).lean())?.status).toBe('queued');
    await waitFor(async () => client.received.length > 0, 15_000);
    expect(client.received[0]).toMatchObject({ id: message.channelMessageId, text: '您的银证转账已到账' });
    await waitFor(async () => (await services.db.Message.findById(message._id).lean())?.status === 'sent');
    await sleep(1_000);
    expect(client.received).toHaveLength(1);
  });
});
