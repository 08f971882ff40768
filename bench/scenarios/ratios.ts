import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';

/**
 * The parts' own limits on this machine, measured in the same run as the pipeline, so that the
 * report can say what share of them the product reaches (issue #8: "the pipeline's share of
 * BullMQ's rate, goal ≥ 20 %"). Both are measured in the bench process, with nothing of ours
 * in between:
 * - BullMQ: one producer adds no-op jobs (up to `inFlight` adds outstanding) to a queue of its
 *   own; one worker (concurrency 50) processes them; the rate is jobs completed per second.
 * - Socket.IO: an echo server in this process, `sockets` clients each in a closed loop
 *   (emit with an ack, the server acks the payload back); the rate is round trips per second.
 */
export interface RatiosResult {
  bullmq: { seconds: number; added: number; processed: number; perSec: number };
  socketio: { seconds: number; sockets: number; roundTrips: number; perSec: number };
}

export interface RatiosOptions {
  redisUrl: string;
  /** Queue-name prefix of the raw BullMQ measurement (its keys are removed afterwards). */
  prefix: string;
  seconds: number;
  sockets?: number;
  inFlight?: number;
}

export async function measureRatios(o: RatiosOptions): Promise<RatiosResult> {
  const bullmq = await rawBullmq(o);
  const socketio = await rawSocketIo(o.seconds, o.sockets ?? 200);
  return { bullmq, socketio };
}

async function rawBullmq(o: RatiosOptions): Promise<RatiosResult['bullmq']> {
  const connection = new IORedis(o.redisUrl, { maxRetriesPerRequest: null });
  const name = 'raw-noop';
  const queue = new Queue(name, { connection, prefix: o.prefix });
  let processed = 0;
  const worker = new Worker(
    name,
    async () => {
      processed += 1;
    },
    { connection: connection.duplicate(), prefix: o.prefix, concurrency: 50, autorun: true },
  );
  await worker.waitUntilReady();
  const inFlight = o.inFlight ?? 50;
  let added = 0;
  const start = performance.now();
  const until = start + o.seconds * 1000;
  const producer = async () => {
    while (performance.now() < until) {
      await queue.add('noop', { n: added }, { removeOnComplete: true, removeOnFail: true });
      added += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, producer));
  // Jobs added in the window are counted when processed, up to 5 s after it.
  const drainUntil = performance.now() + 5_000;
  while (processed < added && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - start) / 1000;
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await connection.quit();
  return { seconds, added, processed, perSec: processed / seconds };
}

async function rawSocketIo(seconds: number, sockets: number): Promise<RatiosResult['socketio']> {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  server.on('connection', (s) => s.on('echo', (payload: unknown, ack: (p: unknown) => void) => ack(payload)));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const clients: Socket[] = await Promise.all(
    Array.from({ length: sockets }, async () => {
      const c = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => {
        c.once('connect', resolve);
        c.once('connect_error', reject);
      });
      return c;
    }),
  );
  let roundTrips = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < until) {
        await c.emitWithAck('echo', { t: 'ping' });
        roundTrips += 1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  for (const c of clients) c.disconnect();
  await server.close();
  return { seconds: elapsed, sockets, roundTrips, perSec: roundTrips / elapsed };
}
