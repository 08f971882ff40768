import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { connectDb, seedDemo } from '@brokerbot/shared';
import { loadQuestions } from '../lib/questions';
import { ChaosLedger, renderTable, type PhaseRow } from './accounting';
import { ChaosClient, customerIdOf } from './client';
import { RoleProcess, ServerProcess } from './processes';

/**
 * `npm run chaos` (scripts/chaos.mjs starts this with its own Redis port, FerretDB command line
 * and database): the system as one process per role under an open-loop FAQ load from app
 * clients, one phase per fault. Each phase: load for CHAOS_PHASE_SECONDS, the fault at a third,
 * recovery (the killed process started again), then up to CHAOS_WAIT_SECONDS after recovery for
 * every acknowledged message of the phase to be answered. Env:
 *   CHAOS_RATE=100 (messages/s offered) CHAOS_CLIENTS=200 CHAOS_PHASE_SECONDS=20 CHAOS_WAIT_SECONDS=60
 *   CHAOS_FAULTS=bot,router,outbound,gateway,redis,database (also: none — a phase without a fault)
 *   CHAOS_ACK_TIMEOUT_MS=5000 (no ack by then: the app re-sends the same clientMessageId)
 */

const FAULTS = ['none', 'bot', 'router', 'outbound', 'gateway', 'redis', 'database'] as const;
type Fault = (typeof FAULTS)[number];
const ROLES = ['gateway', 'bot', 'router', 'outbound'] as const;
type Role = (typeof ROLES)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROOT = path.resolve(__dirname, '..', '..');

class ChaosConfigError extends Error {}

function intEnv(name: string, def: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ChaosConfigError(`${name}=${raw}: expected a number from ${min} to ${max}`);
  return n;
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new ChaosConfigError(`${name} is not set: run \`npm run chaos\` (scripts/chaos.mjs)`);
  return v;
}

function faultsFromEnv(): Fault[] {
  const raw = process.env.CHAOS_FAULTS ?? 'bot,router,outbound,gateway,redis,database';
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!(FAULTS as readonly string[]).includes(f))
      throw new ChaosConfigError(`CHAOS_FAULTS: unknown fault "${f}" (known: ${FAULTS.join(', ')})`);
  }
  return list as Fault[];
}

interface PhaseResult extends PhaseRow {
  fault: Fault;
  /** Never answered at the deadline, answered in the 2 s after it (the wait for doubles). */
  answeredAfterDeadline: number;
  faultAtS: number | null;
  /** Fault → the killed part running again, seconds. */
  recoverySeconds: number | null;
  /** Recovery → last acknowledged message answered (or the deadline), seconds. */
  settleSeconds: number;
  loadAvg: { start: number[]; end: number[] };
  clientReconnects: number;
  /** Up to 10 never-answered messages, as the database has them at the deadline. */
  neverAnsweredSamples: NeverAnsweredSample[];
}

interface NeverAnsweredSample {
  customerId: string;
  clientMessageId: string;
  faqId: string;
  inbound: { seq: number; status: string; error: string | null } | null;
  /** The conversation's messages stored after it (bot replies, next questions). */
  after: { seq: number; direction: string; status: string; text: string }[];
}

type ChaosDb = Awaited<ReturnType<typeof connectDb>>;

/** What the database holds for messages that were acknowledged but never answered. */
async function sampleNeverAnswered(db: ChaosDb, ledger: ChaosLedger, phase: string): Promise<NeverAnsweredSample[]> {
  const out: NeverAnsweredSample[] = [];
  for (const m of ledger.unansweredMessages(phase).slice(0, 10)) {
    const customerId = customerIdOf(m.client);
    const sample: NeverAnsweredSample = {
      customerId,
      clientMessageId: m.clientMessageId,
      faqId: m.faqId,
      inbound: null,
      after: [],
    };
    try {
      const inbound = await db.Message.findOne({ channel: 'app', channelMessageId: `${customerId}.${m.clientMessageId}` }).lean();
      if (inbound) {
        sample.inbound = { seq: inbound.seq, status: inbound.status, error: inbound.error ?? null };
        const rest = await db.Message.find({ conversationId: inbound.conversationId }).lean();
        sample.after = rest
          .filter((r) => r.seq > inbound.seq)
          .sort((a, b) => a.seq - b.seq)
          .slice(0, 3)
          .map((r) => ({ seq: r.seq, direction: r.direction, status: r.status, text: r.text.slice(0, 30) }));
      }
    } catch (err) {
      sample.after = [{ seq: -1, direction: '', status: 'lookup failed', text: (err as Error).message.slice(0, 80) }];
    }
    out.push(sample);
  }
  return out;
}

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const rate = intEnv('CHAOS_RATE', 100, 1, 5_000);
  const clientsN = intEnv('CHAOS_CLIENTS', 200, 1, 20_000);
  const phaseSeconds = intEnv('CHAOS_PHASE_SECONDS', 20, 3, 3_600);
  const waitSeconds = intEnv('CHAOS_WAIT_SECONDS', 60, 1, 3_600);
  const ackTimeoutMs = intEnv('CHAOS_ACK_TIMEOUT_MS', 5_000, 100, 120_000);
  const faults = faultsFromEnv();
  const redisPort = Number(required('CHAOS_REDIS_PORT'));
  const ferretPort = Number(required('CHAOS_FERRET_PORT'));
  const gatewayPort = Number(required('CHAOS_GATEWAY_PORT'));
  const ferretCmd = JSON.parse(required('CHAOS_FERRET_CMD')) as string[];
  const backend = required('CHAOS_BACKEND');
  const pgUrl = process.env.CHAOS_PG_URL ?? '';
  const dir = required('CHAOS_DIR');

  const { questions, byAnswer } = loadQuestions();
  const ledger = new ChaosLedger(byAnswer);

  const redis = new ServerProcess(
    'redis-server',
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    redisPort,
    path.join(dir, 'redis.log'),
  );
  const ferret = new ServerProcess('FerretDB', ferretCmd[0]!, ferretCmd.slice(1), ferretPort, path.join(dir, 'ferretdb.log'));
  const id = randomBytes(4).toString('hex');
  const appSecret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    MONGODB_URI: `mongodb://127.0.0.1:${ferretPort}/brokerbot`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    APP_TOKEN_SECRET: appSecret,
    ADVISOR_TOKEN_SECRET: randomBytes(32).toString('hex'),
    DEMO_MODE: '1',
    QUEUE_PREFIX: `chaos-${id}`,
    LOG_LEVEL: 'info',
    ...(pgUrl ? { FERRETDB_POSTGRESQL_URL: pgUrl } : {}),
  };
  const roles = new Map<Role, RoleProcess>(
    ROLES.map((r) => [
      r,
      new RoleProcess(r, { ...env, PORT: r === 'gateway' ? String(gatewayPort) : '0' }, path.join(dir, `${r}.log`)),
    ]),
  );
  const clients: ChaosClient[] = [];
  const stopAll = async () => {
    clients.forEach((c) => c.close());
    await Promise.all([...roles.values()].map((p) => p.stop()));
    await ferret.kill();
    await redis.kill();
  };
  process.once('SIGINT', () => {
    console.error('\n› interrupted: stopping the chaos processes…');
    void stopAll().then(() => process.exit(130));
  });

  try {
    console.log(`› logs in ${dir}`);
    await redis.start();
    await ferret.start();
    console.log(`› redis-server :${redisPort}, FerretDB :${ferretPort} (${backend} backend)`);
    // The demo data once, before the roles start (each would otherwise upsert it at the same time).
    const db = await connectDb(env.MONGODB_URI!, { ferretPostgresUrl: pgUrl || undefined });
    await seedDemo(db);
    const t0 = performance.now();
    await Promise.all([...roles.values()].map((p) => p.start()));
    console.log(`› roles ${ROLES.join(', ')} started, one process each (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

    const baseUrl = `http://127.0.0.1:${gatewayPort}`;
    let phase = 'warm-up';
    for (let i = 0; i < clientsN; i++) {
      clients.push(new ChaosClient(i, baseUrl, appSecret, questions, ledger, () => phase, ackTimeoutMs));
      if (i % 25 === 24) await sleep(50);
    }
    const connectedBy = performance.now() + 60_000;
    while (clients.some((c) => !c.socket.connected) && performance.now() < connectedBy) await sleep(200);
    const connected = clients.filter((c) => c.socket.connected).length;
    console.log(`› ${connected}/${clientsN} clients connected; ${questions.length} questions; ${rate} msg/s offered`);
    if (connected === 0) throw new Error('no client could connect to the gateway');
    const resender = setInterval(() => clients.forEach((c) => c.resendWaiting()), 1_000);

    const results: PhaseResult[] = [];
    try {
      for (const fault of faults) {
        phase = fault;
        const loadStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
        const reconnectsBefore = clients.reduce((s, c) => s + c.reconnects, 0);
        console.log(`\n› phase ${fault}: ${phaseSeconds} s of load, fault at ${Math.round(phaseSeconds / 3)} s`);
        const start = performance.now();
        let sent = 0;
        let faultAt: number | null = null;
        let recoveredAt: number | null = null;
        let recovery: Promise<void> | null = null;
        // Held, not thrown, until the load loop awaits it (an unhandled rejection would skip the clean-up).
        const recoveryFailure: { err?: unknown } = {};
        let next = 0;
        while (performance.now() - start < phaseSeconds * 1_000) {
          const elapsed = performance.now() - start;
          const due = Math.floor((elapsed / 1_000) * rate);
          while (sent < due) {
            clients[next]!.ask();
            next = (next + 1) % clients.length;
            sent += 1;
          }
          if (!recovery && fault !== 'none' && elapsed >= (phaseSeconds * 1_000) / 3) {
            faultAt = performance.now();
            ledger.faultInjected(fault, faultAt);
            recovery = inject(fault).then(
              () => {
                recoveredAt = performance.now();
              },
              (err: unknown) => {
                recoveryFailure.err = err;
              },
            );
          }
          await sleep(10);
        }
        const loadEnd = performance.now();
        if (recovery) await recovery;
        if (recoveryFailure.err) throw recoveryFailure.err;
        const settleFrom = Math.max(loadEnd, recoveredAt ?? loadEnd);
        const deadline = settleFrom + waitSeconds * 1_000;
        while (performance.now() < deadline && (ledger.unanswered(fault) > 0 || ledger.unacknowledged(fault) > 0)) {
          await sleep(250);
        }
        const settled = performance.now();
        const neverAnswered = ledger.unanswered(fault); // at the deadline
        await sleep(2_000); // a double would have arrived by now
        const late = ledger.row(fault);
        // Never answered counts at the deadline; what came in the 2 s after it is reported apart.
        const row = { ...late, neverAnswered, answeredAfterDeadline: neverAnswered - late.neverAnswered };
        const result: PhaseResult = {
          ...row,
          fault,
          faultAtS: faultAt === null ? null : Math.round((faultAt - start) / 100) / 10,
          recoverySeconds: faultAt === null || recoveredAt === null ? null : Math.round((recoveredAt - faultAt) / 100) / 10,
          settleSeconds: Math.round((settled - settleFrom) / 100) / 10,
          loadAvg: { start: loadStart, end: os.loadavg().map((v) => Math.round(v * 100) / 100) },
          clientReconnects: clients.reduce((s, c) => s + c.reconnects, 0) - reconnectsBefore,
          neverAnsweredSamples: row.neverAnswered > 0 ? await sampleNeverAnswered(db, ledger, fault) : [],
        };
        results.push(result);
        console.log(
          `  offered ${row.offered}, acked ${row.acknowledged}, answered ${row.answered}, answered twice ${row.answeredTwice}, ` +
            `delivered twice ${row.deliveredTwice}, never answered ${row.neverAnswered}, not acked ${row.neverAcknowledged}, ` +
            `handed off ${row.handedOff}, refused (retried) ${Object.values(row.refusals).reduce((a, b) => a + b, 0)}, unexpected replies ${row.unexpected}, ` +
            `recovery ${result.recoverySeconds ?? '—'} s, fault → first answer ${row.faultToFirstAnswerMs ?? '—'} ms (to a new message ${row.faultToFirstNewAnswerMs ?? '—'} ms), ` +
            `in flight at the fault ${row.inFlightAtFault} (answered ${row.inFlightAnswered}, the last ${row.faultToLastInFlightAnswerMs ?? '—'} ms after it), ` +
            `p99 ${row.p99AnswerMs ?? '—'} ms, max ${row.maxAnswerMs ?? '—'} ms, load ${result.loadAvg.end.join(' ')}`,
        );
        for (const s of result.neverAnsweredSamples) console.log(`    never answered: ${JSON.stringify(s)}`);
        if (row.unexpectedSamples.length) console.log(`    unexpected replies: ${JSON.stringify(row.unexpectedSamples)}`);
      }
    } finally {
      clearInterval(resender);
      await db.close().catch(() => undefined);
    }

    const table = renderTable(results);
    console.log(`\n${table}\n`);
    const at = new Date();
    const out = {
      at: at.toISOString(),
      commit: commit(),
      parameters: { rate, clients: clientsN, phaseSeconds, waitSeconds, ackTimeoutMs, faults },
      stack:
        `one process per role (${ROLES.join(', ')}; scripts/main.ts, Node ${process.version}), ` +
        `FerretDB v1.24.2 (${backend} backend), own redis-server (no persistence)`,
      databaseBackend: `FerretDB v1.24.2 / ${backend}`,
      machine: { cpus: os.cpus().length, loadAvgAtEnd: os.loadavg() },
      questions: questions.length,
      phases: results,
      table,
      logs: dir,
    };
    const resultsDir = path.join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `chaos-${at.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(out, null, 2));
    console.log(`› results in ${path.relative(ROOT, file)}; process logs in ${dir}`);
    return 0;
  } finally {
    await stopAll();
  }

  /** Injects a fault and resolves once the part it broke runs again. */
  async function inject(fault: Fault): Promise<void> {
    const t = new Date().toISOString().slice(11, 19);
    if ((ROLES as readonly string[]).includes(fault)) {
      const p = roles.get(fault as Role)!;
      console.log(`  ${t} kill -9 ${fault} (pid ${p.child?.pid})`);
      await p.kill();
      await p.start();
      return;
    }
    if (fault === 'redis') {
      console.log(`  ${t} Redis: SHUTDOWN NOSAVE, restart empty on :${redisPort}`);
      const conn = new Redis(redisPort, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
      await conn.connect();
      await conn.call('SHUTDOWN', 'NOSAVE').catch(() => undefined); // the connection closes: no reply
      conn.disconnect();
      const child = redis.child!;
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      await redis.start();
      return;
    }
    if (fault === 'database') {
      console.log(`  ${t} kill -9 FerretDB (pid ${ferret.child?.pid}), restart in 4 s on :${ferretPort}`);
      await ferret.kill();
      await sleep(4_000);
      await ferret.start();
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`\n✖ ${err instanceof ChaosConfigError ? err.message : (err.stack ?? err.message)}`);
    try {
      console.error(readFileSync(path.join(process.env.CHAOS_DIR ?? '.', 'gateway.log'), 'utf8').slice(-2_000));
    } catch {
      // no log
    }
    process.exit(1);
  },
);
