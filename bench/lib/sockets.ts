import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { mintClientToken } from '@brokerbot/channels';
import { Unanswered, lateAnswer } from './unanswered';

/** Socket.IO connections of simulated trading-app clients and advisors (127.0.0.1 only). */

export interface WireMessage {
  id: string;
  conversationId: string;
  seq: number;
  from: 'client' | 'bot' | 'advisor' | 'system';
  text: string;
}

export interface ClientConn {
  socket: Socket;
  customerId: string;
  branchId: string;
  conversationId: string;
  /** connect() → `history` received, ms */
  setupMs: number;
}

export interface HandoffViewLite {
  handoffId: string;
  conversationId: string;
  offeredTo: string | null;
}

const socketOptions: Partial<ManagerOptions & SocketOptions> = {
  transports: ['websocket'],
  reconnection: false,
  forceNew: true,
  timeout: 10_000,
};

/** Connects one client and waits for its `history` (which names its conversation). */
export function connectClient(
  baseUrl: string,
  secret: string,
  customerId: string,
  branchId: string,
  timeoutMs = 10_000,
): Promise<ClientConn> {
  const t0 = performance.now();
  const token = mintClientToken(secret, { customerId, branchId });
  const socket = io(`${baseUrl}/client`, { ...socketOptions, auth: { token } });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.off('history', onHistory);
      socket.disconnect();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('timeout waiting for history')), timeoutMs);
    const onHistory = (h: { conversationId?: string }) => {
      clearTimeout(timer);
      socket.off('connect_error', fail);
      if (typeof h?.conversationId !== 'string') return fail(new Error('history without conversationId'));
      resolve({ socket, customerId, branchId, conversationId: h.conversationId, setupMs: performance.now() - t0 });
    };
    socket.once('history', onHistory);
    socket.once('connect_error', fail);
  });
}

export interface Replay {
  /** io() → `history` received, ms (the connection's setup included, as a reconnecting app sees it). */
  ms: number;
  conversationId: string;
  messages: WireMessage[];
}

/**
 * An app reconnecting with `lastSeq`: connects, waits for the `history` of what it missed,
 * disconnects. Past `timeoutMs` it throws Unanswered, and keeps the connection until the
 * history comes or `drainMs` more have passed.
 */
export function replayHistory(
  baseUrl: string,
  secret: string,
  client: { customerId: string; branchId: string | null; lastSeq: number },
  limits: { timeoutMs: number; drainMs: number },
): Promise<Replay> {
  const token = mintClientToken(secret, { customerId: client.customerId, branchId: client.branchId });
  const t0 = performance.now();
  const socket = io(`${baseUrl}/client`, { ...socketOptions, auth: { token, lastSeq: client.lastSeq } });
  let answered: (ms: number) => void = () => undefined;
  const answer = new Promise<number>((resolve) => (answered = resolve));
  return new Promise<Replay>((resolve, reject) => {
    const timer = setTimeout(() => {
      const late = lateAnswer(answer, limits.drainMs);
      void late.finally(() => socket.disconnect());
      reject(new Unanswered('history', late));
    }, limits.timeoutMs);
    socket.once('history', (h: { conversationId?: string; messages?: WireMessage[] }) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      answered(ms);
      socket.disconnect();
      resolve({ ms, conversationId: String(h?.conversationId), messages: Array.isArray(h?.messages) ? h.messages : [] });
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(err);
    });
  });
}

export interface ConnectManyResult {
  conns: ClientConn[];
  failures: number;
  errors: Record<string, number>;
  setupMs: number[];
  wallMs: number;
}

/** Connects many clients, `concurrency` at a time, within an overall deadline. */
export async function connectClients(
  baseUrl: string,
  secret: string,
  ids: { customerId: string; branchId: string }[],
  concurrency = 25,
  deadlineMs = 60_000,
): Promise<ConnectManyResult> {
  const start = performance.now();
  const conns: ClientConn[] = [];
  const errors: Record<string, number> = {};
  let failures = 0;
  let next = 0;
  const worker = async () => {
    while (next < ids.length && performance.now() - start < deadlineMs) {
      const id = ids[next++]!;
      try {
        conns.push(await connectClient(baseUrl, secret, id.customerId, id.branchId));
      } catch (err) {
        failures += 1;
        const key = (err as Error).message || 'error';
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  failures += ids.length - next; // never tried: deadline passed
  return { conns, failures, errors, setupMs: conns.map((c) => c.setupMs), wallMs: performance.now() - start };
}

export async function loginAdvisor(
  baseUrl: string,
  username: string,
  password = 'demo1234',
): Promise<{ token: string; advisor: { id: string; name: string; branchId: string } }> {
  const res = await fetch(`${baseUrl}/api/advisor/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`login ${username}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as { token: string; advisor: { id: string; name: string; branchId: string } };
}

/** Connects an advisor console and waits for its `ready` (it is then online for routing). */
export function connectAdvisor(baseUrl: string, token: string, timeoutMs = 15_000): Promise<Socket> {
  const socket = io(`${baseUrl}/advisor`, { ...socketOptions, auth: { token } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error('timeout waiting for advisor ready'));
    }, timeoutMs);
    socket.once('ready', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(err);
    });
  });
}

/** Only the local machine: the benchmark must never load someone else's server. */
export function localBaseUrl(raw: string): string {
  const u = new URL(raw);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
    throw new Error(`BENCH_URL must point at this machine (127.0.0.1), not ${u.hostname}`);
  }
  if (u.hostname === 'localhost') u.hostname = '127.0.0.1';
  return `${u.protocol}//${u.host}`;
}
