import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_POLICY_PATH } from '@brokerbot/flows';
import { io, type Socket } from 'socket.io-client';
import { createLogger, createRedis, loadConfig, type Config } from '@brokerbot/shared';
import { mintClientToken } from '@brokerbot/channels';
import { startSystem, type System } from '../../scripts/system';

/**
 * Starts the real system (real Redis, real MongoDB-protocol database) in this test process,
 * isolated from other test files by its own database name and queue prefix.
 */
export interface TestSystem extends System {
  url: string;
  config: Config;
}

/**
 * An escalation policy file for tests: the bundled one with business hours changed, so that
 * tests do not depend on the time of day they run at.
 */
export function policyFile(hours: 'always' | 'never'): string {
  const original = JSON.parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8')) as { businessHours: Record<string, unknown> };
  const businessHours =
    hours === 'always'
      ? { ...original.businessHours, weekdays: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '24:00', closedDates: [] }
      : { ...original.businessHours, weekdays: [], closedDates: [] };
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bb-policy-')), 'escalation.json');
  writeFileSync(file, JSON.stringify({ ...original, businessHours }));
  return file;
}

/** Environment for one isolated test system: its own database name and queue prefix. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const base = process.env.MONGODB_URI;
  if (!base) throw new Error('MONGODB_URI is not set: run the tests with `npm test`, which starts FerretDB');
  const id = randomBytes(4).toString('hex');
  const uri = new URL(base);
  uri.pathname = `/bbtest_${id}`;
  return {
    NODE_ENV: 'test',
    PORT: '0',
    MONGODB_URI: uri.toString(),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `bbtest-${id}`,
    APP_TOKEN_SECRET: randomBytes(32).toString('hex'),
    ADVISOR_TOKEN_SECRET: randomBytes(32).toString('hex'),
    DEMO_MODE: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ESCALATION_POLICY_PATH: policyFile('always'),
    ...(process.env.FERRETDB_POSTGRESQL_URL ? { FERRETDB_POSTGRESQL_URL: process.env.FERRETDB_POSTGRESQL_URL } : {}),
    ...overrides,
  };
}

export async function startTestSystem(env: Record<string, string> = testEnv()): Promise<TestSystem> {
  const config = loadConfig(env);
  const system = await startSystem(config, { logger: createLogger(config.LOG_LEVEL), seed: true, env });
  return { ...system, url: system.url ?? '', config };
}

/** Removes everything a test system left in Redis and drops its database. */
export async function cleanUp(config: Config): Promise<void> {
  const redis = createRedis(config.REDIS_URL, 'test-cleanup');
  for (const pattern of [`${config.QUEUE_PREFIX}:*`, `${config.QUEUE_PREFIX}-sio*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  }
  await redis.quit();
  const mongoose = (await import('mongoose')).default;
  const conn = await mongoose.createConnection(config.MONGODB_URI).asPromise();
  await conn.dropDatabase();
  await conn.close();
}

export function clientToken(config: Config, customerId: string, branchId: string): string {
  return mintClientToken(config.APP_TOKEN_SECRET, { customerId, branchId });
}

/** The once-per-connection greeting (`history` for clients, `ready` for advisors), kept for nextEvent. */
const greetings = new WeakMap<Socket, { event: string; payload: unknown }>();

/** Connects and resolves once the server has greeted the socket, so no early event is missed. */
export function connect(url: string, namespace: '/client' | '/advisor', auth: Record<string, unknown>): Promise<Socket> {
  const socket = io(`${url}${namespace}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  const greeting = namespace === '/client' ? 'history' : 'ready';
  return new Promise((resolve, reject) => {
    socket.once(greeting, (payload: unknown) => {
      greetings.set(socket, { event: greeting, payload });
      resolve(socket);
    });
    socket.once('connect_error', (err) => reject(err));
  });
}

export async function loginAdvisor(
  url: string,
  username: string,
  password = 'demo1234',
): Promise<{ token: string; advisor: { id: string; name: string } }> {
  const res = await fetch(`${url}/api/advisor/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token: string; advisor: { id: string; name: string } };
}

export function emitAck<T = Record<string, unknown>>(
  socket: Socket,
  event: string,
  payload?: unknown,
  timeoutMs = 10_000,
): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Resolves with the next `event` whose payload satisfies `match`. */
export function nextEvent<T = any>(
  socket: Socket,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  const greeting = greetings.get(socket);
  if (greeting?.event === event && match(greeting.payload as T)) {
    greetings.delete(socket);
    return Promise.resolve(greeting.payload as T);
  }
  const promise = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`timed out waiting for "${event}"`));
    }, timeoutMs);
    timer.unref();
    const handler = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
  // A test that fails before awaiting this must not also crash the run with an unhandled rejection.
  promise.catch(() => undefined);
  return promise;
}

/**
 * One test system for a describe block: started before its tests, and stopped, cleaned up and
 * its sockets closed after them. `track` registers a socket for closing.
 */
export function useTestSystem(env: () => Record<string, string> = () => testEnv()) {
  const ctx = {
    sys: undefined as unknown as TestSystem,
    sockets: [] as Socket[],
    track<T extends Socket>(socket: T): T {
      ctx.sockets.push(socket);
      return socket;
    },
  };
  beforeAll(async () => {
    ctx.sys = await startTestSystem(env());
  });
  afterAll(async () => {
    ctx.sockets.forEach((s) => s.disconnect());
    await ctx.sys?.stop();
    if (ctx.sys) await cleanUp(ctx.sys.config);
  });
  return ctx;
}
