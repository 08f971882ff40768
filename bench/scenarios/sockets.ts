import { mintAdvisorToken } from '@brokerbot/agent-console';
import { connectDb } from '@brokerbot/shared';
import type { Socket } from 'socket.io-client';
import { readRssKb } from '../lib/procfs';
import { connectAdvisor, connectClients } from '../lib/sockets';

/**
 * Many connections held by one gateway (issue #8: 10,000 client + 1,000 advisor sockets on one
 * gateway process, RSS ≤ 1 GB). Clients connect as the trading app does (a token each, a new
 * client each, each waits for its `history`); advisors are accounts created for the run (their
 * consoles connect with a token minted with the stack's advisor secret and wait for `ready`).
 * The sockets are then held idle for `holdSeconds` while the app's RSS is sampled.
 */
export interface SocketsResult {
  clients: { requested: number; connected: number; failures: number; errors: Record<string, number>; wallMs: number };
  advisors: { requested: number; connected: number; failures: number; errors: Record<string, number>; wallMs: number };
  /** The app process's resident memory: before connecting, and the peak while all sockets were held. */
  appRssMb: { before: number | null; held: number | null };
  /** (held − before) / sockets connected. */
  perSocketKb: number | null;
  holdSeconds: number;
}

export const SOCKETS_TARGET_RSS_MB = 1024;

export interface SocketsOptions {
  baseUrl: string;
  appSecret: string;
  advisorSecret: string;
  mongoUri: string;
  appPid: number | null;
  clients: number;
  advisors: number;
  tag: string;
  holdSeconds: number;
}

export async function runSockets(o: SocketsOptions): Promise<SocketsResult & { close: () => void }> {
  const rssMb = () => {
    const kb = o.appPid ? readRssKb(o.appPid) : null;
    return kb === null ? null : kb / 1024;
  };
  const before = rssMb();
  const branches = ['SH01', 'SZ01'];
  // Clients: a new trading-app client each.
  const ids = Array.from({ length: o.clients }, (_, i) => ({
    customerId: `S${String(i).padStart(6, '0')}-${o.tag}`,
    branchId: branches[i % 2]!,
  }));
  const c = await connectClients(o.baseUrl, o.appSecret, ids, 50, Math.max(60_000, o.clients * 30));
  // Advisors: accounts of this run, then one console each.
  const db = await connectDb(o.mongoUri);
  const accounts = Array.from({ length: o.advisors }, (_, i) => ({
    username: `bench-${o.tag}-a${i}`,
    displayName: `压测顾问${i}`,
    passwordHash: '-', // never logs in by password: its token is minted below
    role: 'advisor' as const,
    branchId: branches[i % 2]!,
  }));
  const inserted = await db.Advisor.insertMany(accounts, { ordered: false });
  await db.connection.close();
  const advisorSockets: Socket[] = [];
  const advisorErrors: Record<string, number> = {};
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < inserted.length) {
      const a = inserted[next++]!;
      const token = mintAdvisorToken(
        o.advisorSecret,
        {
          sub: a._id.toString(),
          name: a.displayName,
          role: 'advisor',
          branchId: a.branchId,
          allBranches: false,
          tokenVersion: 0,
        },
        3_600,
      );
      try {
        advisorSockets.push(await connectAdvisor(o.baseUrl, token, 30_000));
      } catch (err) {
        const key = (err as Error).message || 'error';
        advisorErrors[key] = (advisorErrors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: 25 }, worker));
  const advisorWallMs = performance.now() - t0;
  // Hold: the peak RSS over the hold is what the gateway needs for these connections.
  let held: number | null = null;
  const holdUntil = Date.now() + o.holdSeconds * 1000;
  while (Date.now() < holdUntil) {
    const now = rssMb();
    if (now !== null) held = Math.max(held ?? 0, now);
    await new Promise((r) => setTimeout(r, 500));
  }
  const connected = c.conns.length + advisorSockets.length;
  return {
    clients: { requested: o.clients, connected: c.conns.length, failures: c.failures, errors: c.errors, wallMs: c.wallMs },
    advisors: {
      requested: o.advisors,
      connected: advisorSockets.length,
      failures: o.advisors - advisorSockets.length,
      errors: advisorErrors,
      wallMs: advisorWallMs,
    },
    appRssMb: { before, held },
    perSocketKb: before !== null && held !== null && connected > 0 ? ((held - before) * 1024) / connected : null,
    holdSeconds: o.holdSeconds,
    close: () => {
      for (const s of [...c.conns.map((x) => x.socket), ...advisorSockets]) s.disconnect();
    },
  };
}
