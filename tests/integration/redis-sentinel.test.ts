import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
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

/**
 * REDIS_URL may name a Redis Sentinel group (redis-sentinel://…): every connection (BullMQ
 * queues and workers, the Socket.IO adapter, hot state) follows a failover to the new master.
 * Here a real master, replica and sentinel run on free ports; the master is killed while a
 * client talks to the bot, and every acknowledged message is still answered exactly once.
 */

const MASTER_GROUP = 'bbtest-master';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface WireMessage {
  id: string;
  from: string;
  text: string;
  replyTo?: string;
}

describe('Redis Sentinel failover', () => {
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  let dir = '';
  let sys: TestSystem | undefined;
  let ports: { master: number; replica: number; sentinel: number };

  function redisServer(args: string[]): ChildProcess {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.push(child);
    return child;
  }

  jest.setTimeout(90_000);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bb-sentinel-'));
    ports = { master: await freePort(), replica: await freePort(), sentinel: await freePort() };
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    redisServer(['--port', String(ports.master), ...common]);
    redisServer(['--port', String(ports.replica), ...common, '--replicaof', '127.0.0.1', String(ports.master)]);
    const conf = path.join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${ports.sentinel}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_GROUP} 127.0.0.1 ${ports.master} 1`,
        `sentinel down-after-milliseconds ${MASTER_GROUP} 1000`,
        `sentinel failover-timeout ${MASTER_GROUP} 10000`,
        '',
      ].join('\n'),
    );
    redisServer([conf, '--sentinel']);
    const replica = new Redis(ports.replica, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await waitFor(async () => {
      if (replica.status !== 'ready') await replica.connect();
      return (await replica.info('replication')).includes('master_link_status:up');
    }, 'the replica to sync');
    replica.disconnect();
    const sentinel = new Redis(ports.sentinel, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await waitFor(async () => {
      if (sentinel.status !== 'ready') await sentinel.connect();
      const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', MASTER_GROUP)) as unknown[];
      return replicas.length > 0;
    }, 'the sentinel to find the replica');
    sentinel.disconnect();
    sys = await startTestSystem(testEnv({ REDIS_URL: `redis-sentinel://127.0.0.1:${ports.sentinel}/${MASTER_GROUP}` }));
  });

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config).catch(() => undefined);
    }
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a sentinel URL without a master group name at start-up', async () => {
    await expect(startTestSystem(testEnv({ REDIS_URL: `redis-sentinel://127.0.0.1:${ports.sentinel}` }))).rejects.toThrow(
      /REDIS_URL/,
    );
  });

  it('answers every acknowledged message exactly once across a master failover', async () => {
    const system = sys!;
    const socket = await connect(system.url, '/client', { token: clientToken(system.config, 'C2001', 'SZ01') });
    sockets.push(socket);
    const { conversationId } = await nextEvent<{ conversationId: string }>(socket, 'history');
    const received: WireMessage[] = [];
    socket.on('message', (m: WireMessage) => m.from === 'bot' && received.push(m));

    const acked: string[] = [];
    async function send(id: string): Promise<void> {
      const res = await emitAck<{ ok: boolean }>(socket, 'message', { clientMessageId: id, text: '怎么开户' }, 30_000).catch(
        () => ({ ok: false }),
      );
      if (res.ok) acked.push(id);
    }

    await send('before-1');
    await waitFor(async () => received.length >= 1, 'the first answer');

    // The master dies without saving; the sentinel promotes the replica.
    children[0]!.kill('SIGKILL');
    const sending = (async () => {
      for (let i = 0; i < 8; i++) {
        await send(`during-${i}`);
        await sleep(500);
      }
    })();
    const sentinel = new Redis(ports.sentinel, '127.0.0.1');
    await waitFor(async () => {
      const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_GROUP)) as [string, string];
      return Number(port) === ports.replica;
    }, 'the sentinel to promote the replica');
    sentinel.disconnect();
    await sending;
    await send('after-1');

    // Most messages are acknowledged (one sent while no master answered may be refused, never lost).
    expect(acked.length).toBeGreaterThanOrEqual(8);
    const { Message } = system.services.db;
    await waitFor(
      async () => {
        const inbound = await Message.find({ conversationId, direction: 'in' }).lean();
        return inbound.length >= acked.length && inbound.every((m) => m.status !== 'received');
      },
      'every acknowledged message to be handled',
      60_000,
    );
    const inbound = await Message.find({ conversationId, direction: 'in' }).lean();
    const replies = await Message.find({ conversationId, direction: 'out', 'author.kind': 'bot' }).lean();
    // Each acknowledged message is stored once …
    const storedIds = inbound.map((m) => m.channelMessageId);
    for (const id of acked) expect(storedIds.filter((s) => s.endsWith(`.${id}`))).toHaveLength(1);
    // … and answered: a bot reply's id is r<inbound id>_<n>, so an answer given twice could only be stored once.
    const replyIds = new Set(replies.map((m) => m.channelMessageId));
    for (const m of inbound) expect(replyIds.has(`r${String(m._id)}_0`)).toBe(true);
    // The client saw each reply once (no reply id twice on its socket).
    await waitFor(async () => received.length >= replies.length, 'the replies to reach the client', 30_000);
    expect(new Set(received.map((m) => m.id)).size).toBe(received.length);
  });
});
