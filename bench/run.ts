import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keepAppLog, summarizeAppLog, type AppLogSummary } from './lib/app-log';
import { seededRandom } from './lib/grow-data';
import { growDatabase, type GrowResult } from './lib/grow';
import { rebuildActivitySets } from './lib/activity-sets';
import { waitIdle } from './lib/idle';
import { vacuumAnalyze } from './lib/pg-vacuum';
import { ProcSampler, type PhaseUsage } from './lib/procfs';
import { gauge, histogram, scrapeMetrics, type Scrape } from './lib/prom';
import { loadQuestions } from './lib/questions';
import { connectClients, localBaseUrl } from './lib/sockets';
import { renderReport } from './report';
import { measureEngine, renderEngine, type EngineResult } from './scenarios/engine';
import { EscalationScenario, type EscalationResult } from './scenarios/escalation';
import { DASHBOARD_TARGET_P99_MS, runDashboard, type DashboardResult } from './scenarios/dashboard';
import { READS_TARGET_P99_MS, runReads, type ReadsResult } from './scenarios/reads';
import { ThroughputRig, type ThroughputResult } from './scenarios/throughput';
import { measureRatios, type RatiosResult } from './scenarios/ratios';
import { runScoring, type ScoringResult } from './scenarios/scoring';
import { SOCKETS_TARGET_RSS_MB, runSockets, type SocketsResult } from './scenarios/sockets';
import { diffHistogram, histogramPercentile, roundSummary, summarize, type PromHistogram, type Summary } from './stats';

/**
 * The benchmark's scenarios, run against a stack that is already up (scripts/bench.mjs
 * starts one, or BENCH_URL names one). Env:
 *   BENCH_URL, APP_TOKEN_SECRET          the stack (127.0.0.1 only) and its app-token secret
 *   BENCH_APP_PID, BENCH_DB_PID          processes whose RSS/CPU are sampled (optional)
 *   BENCH_CLIENTS=200 BENCH_RATE=1000 BENCH_SECONDS=20 BENCH_CLOSED_SECONDS=BENCH_SECONDS
 *   BENCH_ESC_CLIENTS=100 BENCH_ESC_RATE=25 (escalations/s, 0 = all at once)
 *   BENCH_BASELINE_SECONDS=5 (one client, closed loop: the latency floor)
 *   BENCH_REPLY_TIMEOUT_MS=10000 BENCH_SCENARIOS=baseline,reads,dashboard,escalation,closed,open,scoring,ratios,sockets (in that order)
 *   BENCH_DASHBOARD_SAMPLES=200 (看板: dashboard:summary and dashboard:series requests each, one at a time)
 *   BENCH_RATIO_SECONDS=5 (ratios: raw BullMQ add→process and raw Socket.IO echo on this machine)
 *   BENCH_SCORING_CHATS=1000 BENCH_SCORING_TIMEOUT_S=300 (scoring: closed chats of the grown data queued for 智能质检 at once)
 *   BENCH_SOCKET_CLIENTS=10000 BENCH_SOCKET_ADVISORS=1000 BENCH_SOCKETS_HOLD_SECONDS=10 (sockets: held on the gateway, its RSS)
 *   BENCH_ADVISOR_TOKEN_SECRET            the stack's advisor-token secret (sockets; npm run bench passes it)
 *   BENCH_MONGODB_URI                     the stack's database, for the seeding (scripts/bench.mjs passes it)
 *   BENCH_SEED_CONVERSATIONS=100000 BENCH_SEED_MESSAGES=1000000 (0 messages = no seeding, a quick run)
 *   BENCH_PG_URL                          FerretDB's PostgreSQL database: VACUUM (ANALYZE) after seeding
 *   BENCH_READS_SAMPLES=200 BENCH_READS_SECONDS=60 (per read kind) BENCH_READS_TIMEOUT_MS=30000 (a request
 *   unanswered by then ends its kind; its answer is awaited twice as long again, then the next kind runs)
 * The database is grown first (after the app is ready, so its indexes exist), then every
 * scenario runs on that data. Escalation runs before the throughput phases by default, so that
 * it measures the handoff path itself and not the backlog an overloaded phase leaves behind;
 * reads run on an idle app, right after the one-client baseline.
 */

/** A wrong parameter: reported by its message alone. */
class BenchConfigError extends Error {}

function intEnv(name: string, def: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new BenchConfigError(`${name}=${raw}: expected a number from ${min} to ${max}`);
  return n;
}

const SCENARIO_NAMES = [
  'baseline',
  'reads',
  'dashboard',
  'escalation',
  'closed',
  'open',
  'scoring',
  'ratios',
  'sockets',
] as const;
type ScenarioName = (typeof SCENARIO_NAMES)[number];

function readParams() {
  const seconds = intEnv('BENCH_SECONDS', 20, 1, 600);
  const scenarios = (process.env.BENCH_SCENARIOS ?? SCENARIO_NAMES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scenarios)
    if (!(SCENARIO_NAMES as readonly string[]).includes(s))
      throw new BenchConfigError(`BENCH_SCENARIOS: unknown scenario "${s}" (known: ${SCENARIO_NAMES.join(', ')})`);
  const seedConversations = intEnv('BENCH_SEED_CONVERSATIONS', 100_000, 1, 5_000_000);
  const seedMessages = intEnv('BENCH_SEED_MESSAGES', 1_000_000, 0, 20_000_000);
  if (seedMessages > 0 && seedMessages < seedConversations)
    throw new BenchConfigError(
      `BENCH_SEED_MESSAGES=${seedMessages} < BENCH_SEED_CONVERSATIONS=${seedConversations}: every conversation needs a message`,
    );
  return {
    seedConversations: seedMessages > 0 ? seedConversations : 0,
    seedMessages,
    readsSamples: intEnv('BENCH_READS_SAMPLES', 200, 1, 100_000),
    readsSeconds: intEnv('BENCH_READS_SECONDS', 60, 1, 3_600),
    readsTimeoutMs: intEnv('BENCH_READS_TIMEOUT_MS', 30_000, 100, 300_000),
    dashboardSamples: intEnv('BENCH_DASHBOARD_SAMPLES', 200, 1, 100_000),
    clients: intEnv('BENCH_CLIENTS', 200, 1, 5_000),
    rate: intEnv('BENCH_RATE', 1000, 1, 20_000),
    seconds,
    closedSeconds: intEnv('BENCH_CLOSED_SECONDS', seconds, 1, 600),
    baselineSeconds: intEnv('BENCH_BASELINE_SECONDS', 5, 1, 600),
    escalationClients: intEnv('BENCH_ESC_CLIENTS', 100, 1, 2_000),
    escalationRate: intEnv('BENCH_ESC_RATE', 25, 0, 10_000),
    replyTimeoutMs: intEnv('BENCH_REPLY_TIMEOUT_MS', 10_000, 100, 120_000),
    ratioSeconds: intEnv('BENCH_RATIO_SECONDS', 5, 1, 120),
    scoringChats: intEnv('BENCH_SCORING_CHATS', 1_000, 1, 100_000),
    scoringTimeoutSeconds: intEnv('BENCH_SCORING_TIMEOUT_S', 300, 10, 3_600),
    socketClients: intEnv('BENCH_SOCKET_CLIENTS', 10_000, 1, 50_000),
    socketAdvisors: intEnv('BENCH_SOCKET_ADVISORS', 1_000, 0, 10_000),
    socketsHoldSeconds: intEnv('BENCH_SOCKETS_HOLD_SECONDS', 10, 1, 600),
    scenarios: scenarios as ScenarioName[],
  };
}
export type BenchParams = ReturnType<typeof readParams>;

interface LatencyFromHistogram {
  count: number;
  meanMs: number | null;
  /** Upper bound of the bucket holding the percentile; null when none, or when beyond the last bucket. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** The last finite bucket bound (a null percentile with count > 0 means "more than this"). */
  lastBucketMs: number | null;
}

export interface ServerPhase {
  messagesIn: number | null;
  /** Database commands (round trips) the app sent during the phase, and the five busiest kinds. */
  dbCommands: number | null;
  dbCommandsTop: { command: string; collection: string; count: number }[];
  /** The five kinds of command that took the most round-trip time in the phase, with their mean. */
  dbTimeTop: { command: string; collection: string; count: number; meanMs: number }[];
  /** Mean time an operation waited for one of the driver's connections (null: none asked). */
  dbPoolWaitMeanMs: number | null;
  reply: LatencyFromHistogram;
  botTurn: LatencyFromHistogram;
  offer: LatencyFromHistogram;
  eventLoopLagP99Ms: number | null;
  eventLoopLagMaxMs: number | null;
  inboundQueueDepth: number | null;
  handoffQueueDepth: number | null;
  outboundQueueDepth: number | null;
}

export interface PhaseRecord {
  name: string;
  usage: PhaseUsage;
  server: ServerPhase | null;
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    kernel: string;
    totalMemMb: number;
    loadavgStart: number[];
    loadavgEnd: number[];
  };
  params: BenchParams;
  code: { commit: string | null; dirtyFiles: string[] };
  target: {
    url: string;
    ownStack: boolean;
    description: string;
    appPid: number | null;
    dbPid: number | null;
    queuePrefix: string | null;
  };
  questions: { used: string[]; dropped: string[] };
  /** The grown database the scenarios ran on (null: not seeded, e.g. BENCH_SEED_MESSAGES=0). */
  data:
    | (Omit<GrowResult, 'seeded'> & {
        vacuumSeconds: number | null;
        /** How long the app took to rebuild 会话记录 search's activity sets after seeding (null: not within 120 s). */
        activitySetsRebuildSeconds?: number | null;
      })
    | null;
  connect: {
    requested: number;
    connected: number;
    failures: number;
    errors: Record<string, number>;
    wallMs: number;
    setupMs: Summary;
  } | null;
  scenarios: {
    baseline?: ThroughputResult;
    closed?: ThroughputResult;
    open?: ThroughputResult;
    escalation?: EscalationResult | { error: string };
    reads?: ReadsResult | { error: string };
    dashboard?: DashboardResult | { error: string };
    ratios?: RatiosResult | { error: string };
    scoring?: ScoringResult | { error: string };
    sockets?: SocketsResult | { error: string };
  };
  phases: PhaseRecord[];
  rss: {
    app: ReturnType<ProcSampler['rssSummary']>;
    db: ReturnType<ProcSampler['rssSummary']>;
    note: string | null;
    samples: { t: number; phase: string; appRssKb: number | null; dbRssKb: number | null }[];
  };
  appLog: AppLogSummary | null;
  targets: { name: string; met: boolean | null; observed: string }[];
  notes: string[];
}

function fromHistogram(h: PromHistogram | undefined): LatencyFromHistogram {
  const finite = h?.buckets.filter((b) => Number.isFinite(b.le)) ?? [];
  const lastBucketMs = finite.length ? finite[finite.length - 1]!.le * 1000 : null;
  if (!h || h.count <= 0) return { count: h?.count ?? 0, meanMs: null, p50Ms: null, p99Ms: null, lastBucketMs };
  const ms = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v * 1000);
  return {
    count: h.count,
    meanMs: (h.sum / h.count) * 1000,
    p50Ms: ms(histogramPercentile(h, 50)),
    p99Ms: ms(histogramPercentile(h, 99)),
    lastBucketMs,
  };
}

function serverDiff(before: Scrape | null, after: Scrape | null): ServerPhase | null {
  if (!after) return null;
  const h = (name: string) => {
    const a = histogram(after, name);
    return a ? diffHistogram(a, histogram(before, name)) : undefined;
  };
  const sumPrefix = (s: Scrape | null, prefix: string) => {
    if (!s) return 0;
    let n = 0;
    for (const [k, v] of s) if (k.startsWith(prefix)) n += v;
    return n;
  };
  const lag = (k: string) => {
    const v = gauge(after, k);
    return v === null ? null : v * 1000;
  };
  const commands = new Map<string, number>();
  for (const [k, v] of after) if (k.startsWith('bb_db_commands_total{')) commands.set(k, v - (before?.get(k) ?? 0));
  const dbCommandsTop = [...commands]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, count]) => ({
      command: /command="([^"]*)"/.exec(k)?.[1] ?? '?',
      collection: /collection="([^"]*)"/.exec(k)?.[1] ?? '?',
      count,
    }));
  const kindOf = (k: string) => ({
    command: /command="([^"]*)"/.exec(k)?.[1] ?? '?',
    collection: /collection="([^"]*)"/.exec(k)?.[1] ?? '?',
  });
  const commandSeconds = new Map<string, number>();
  for (const [k, v] of after) if (k.startsWith('bb_db_command_seconds_total{')) commandSeconds.set(k, v - (before?.get(k) ?? 0));
  const dbTimeTop = [...commandSeconds]
    .filter(([, sec]) => sec > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, sec]) => {
      const kind = kindOf(k);
      const count =
        [...commands].find(([c]) => {
          const other = kindOf(c);
          return other.command === kind.command && other.collection === kind.collection;
        })?.[1] ?? 0;
      return { ...kind, count, meanMs: count > 0 ? (sec * 1000) / count : 0 };
    });
  const poolWaits = sumPrefix(after, 'bb_db_pool_waits_total') - sumPrefix(before, 'bb_db_pool_waits_total');
  const poolWaitSeconds = sumPrefix(after, 'bb_db_pool_wait_seconds_total') - sumPrefix(before, 'bb_db_pool_wait_seconds_total');
  return {
    messagesIn: sumPrefix(after, 'bb_messages_in_total{') - sumPrefix(before, 'bb_messages_in_total{'),
    dbTimeTop,
    dbPoolWaitMeanMs: poolWaits > 0 ? (poolWaitSeconds * 1000) / poolWaits : null,
    dbCommands: commands.size ? [...commands.values()].reduce((a, b) => a + b, 0) : null,
    dbCommandsTop,
    reply: fromHistogram(h('bb_reply_latency_seconds')),
    botTurn: fromHistogram(h('bb_bot_turn_seconds')),
    offer: fromHistogram(h('bb_handoff_offer_latency_seconds')),
    // prom-client resets its event-loop histogram at every scrape: this is the lag during the phase.
    eventLoopLagP99Ms: lag('bb_nodejs_eventloop_lag_p99_seconds'),
    eventLoopLagMaxMs: lag('bb_nodejs_eventloop_lag_max_seconds'),
    inboundQueueDepth: gauge(after, 'bb_queue_depth{queue="inbound"}'),
    handoffQueueDepth: gauge(after, 'bb_queue_depth{queue="handoff"}'),
    outboundQueueDepth: gauge(after, 'bb_queue_depth{queue="outbound"}'),
  };
}

async function waitReady(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${baseUrl}/readyz did not answer 200 within ${timeoutMs / 1000}s (${last})`);
}

/** Which code was measured: HEAD and the files changed on top of it (read-only git calls). */
function gitState(): { commit: string | null; dirtyFiles: string[] } {
  const git = (args: string[]) => spawnSync('git', args, { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 5_000 });
  const head = git(['rev-parse', '--short', 'HEAD']);
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    commit: head.status === 0 ? head.stdout.trim() : null,
    dirtyFiles:
      status.status === 0
        ? status.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => l.slice(3))
        : [],
  };
}

/** The product requirement: these reads p99 ≤ 50 ms with 1,000,000 messages and 100,000 conversations stored. */
function pushReadTargets(results: BenchResults): void {
  const reads = results.scenarios.reads && 'history' in results.scenarios.reads ? results.scenarios.reads : undefined;
  const d = results.data;
  const size = d
    ? `${d.messages.toLocaleString('en')} messages / ${d.conversations.toLocaleString('en')} conversations`
    : 'an empty database';
  const short = !d || d.messages < 1_000_000 || d.conversations < 100_000 ? ' (less than the required 1,000,000 / 100,000)' : '';
  const kinds = [
    ['history', 'history replay on reconnect'],
    ['open', 'opening a transcript'],
    ['search', '会话记录 search page'],
  ] as const;
  for (const [key, label] of kinds) {
    const k = reads?.[key];
    const errors = k ? Object.values(k.errors).reduce((a, b) => a + b, 0) : 0;
    results.targets.push({
      name: `${label} p99 ≤ ${READS_TARGET_P99_MS} ms on ${size}${short}`,
      met: k
        ? k.ms.p99 !== null && k.ms.p99 <= READS_TARGET_P99_MS && errors === 0 && k.wrong === 0 && k.stoppedBy !== 'timeout'
        : null,
      observed: k
        ? `p50 ${k.ms.p50 ?? '–'} / p99 ${k.timedOutAnswerMs === null ? `> ${(reads!.timeoutSeconds + reads!.drainSeconds) * 1000}` : (k.ms.p99 ?? '–')} ms over ${k.ms.count} samples` +
          `${k.stoppedBy === 'time' ? ' (time budget reached)' : k.stoppedBy === 'timeout' ? ` (stopped: a request took > ${reads!.timeoutSeconds} s)` : ''}, ${errors} errors, ${k.wrong} wrong`
        : results.scenarios.reads && 'error' in results.scenarios.reads
          ? results.scenarios.reads.error
          : 'reads not run',
    });
  }
  if (reads && [reads.history, reads.open, reads.search].some((k) => k.ms.count < 100))
    results.notes.push('reads: fewer than 100 samples of a kind, so its p99 is (close to) the slowest sample');
  const unanswered = reads ? [reads.history, reads.open, reads.search].filter((k) => k.timedOutAnswerMs === null) : [];
  const later = results.params.scenarios.slice(results.params.scenarios.indexOf('reads') + 1);
  if (unanswered.length && later.length)
    results.notes.push(
      `reads left ${unanswered.length} request(s) unanswered (${unanswered.map((k) => k.name).join(', ')}): the app and database were likely still working on them during ${later.join(', ')}`,
    );
}

/** 看板: dashboard:summary p99 ≤ 200 ms with 1,000,000 messages stored. */
function pushDashboardTarget(results: BenchResults): void {
  const r = results.scenarios.dashboard;
  const d = results.data;
  const size = d ? `${d.messages.toLocaleString('en')} messages` : 'an empty database';
  for (const kind of ['summary', 'series'] as const) {
    const k = r && 'summary' in r ? r[kind] : undefined;
    const errors = k ? Object.values(k.errors).reduce((a, b) => a + b, 0) : 0;
    results.targets.push({
      name: `dashboard:${kind} p99 ≤ ${DASHBOARD_TARGET_P99_MS} ms on ${size}${!d || d.messages < 1_000_000 ? ' (less than the required 1,000,000)' : ''}`,
      met: k ? k.ms.p99 !== null && k.ms.p99 <= DASHBOARD_TARGET_P99_MS && errors === 0 && k.wrong === 0 : null,
      observed: k
        ? `p50 ${k.ms.p50 ?? '–'} / p99 ${k.ms.p99 ?? '–'} ms over ${k.ms.count} samples (30 days: p99 ${k.byRange['30 days']?.p99 ?? '–'} ms; first 30-day read, rollups not cached: ${k.coldMs['30 days'] ?? '–'} ms), ${errors} errors, ${k.wrong} wrong`
        : r && 'error' in r
          ? r.error
          : 'dashboard not run',
    });
  }
}

/** The pipeline's share of what BullMQ alone does on this machine (goal ≥ 20 %), and of Socket.IO echo. */
function pushRatioTargets(results: BenchResults): void {
  const r = results.scenarios.ratios;
  const answered = Math.max(0, ...[results.scenarios.closed, results.scenarios.open].map((t) => t?.answeredPerSec ?? 0));
  const ok = r && 'bullmq' in r ? r : undefined;
  const share = (of: number) => (of > 0 ? (100 * answered) / of : 0);
  results.targets.push({
    name: 'answered msgs/s ≥ 20 % of raw BullMQ add→process on this machine',
    met: ok && answered > 0 ? share(ok.bullmq.perSec) >= 20 : null,
    observed: ok
      ? `BullMQ no-op jobs ${Math.round(ok.bullmq.perSec)}/s, Socket.IO echo ${Math.round(ok.socketio.perSec)} round trips/s (${ok.socketio.sockets} sockets); ` +
        (answered > 0
          ? `pipeline answered ${answered.toFixed(1)}/s = ${share(ok.bullmq.perSec).toFixed(1)} % of BullMQ, ${share(ok.socketio.perSec).toFixed(1)} % of Socket.IO echo`
          : 'no closed/open phase ran, so no share')
      : r && 'error' in r
        ? r.error
        : 'ratios not run',
  });
}

/** 智能质检: conversations scored per second (no goal set; printed). */
function pushScoringTarget(results: BenchResults): void {
  const r = results.scenarios.scoring;
  const ok = r && 'perSec' in r ? r : undefined;
  results.targets.push({
    name: 'conversations scored per second (智能质检, closed chats of the grown data)',
    met: null,
    observed: ok
      ? `${ok.scored}/${ok.queued} scored in ${ok.seconds.toFixed(1)} s = ${ok.perSec.toFixed(1)}/s${ok.timedOut ? ' (timed out)' : ''}; half done at ${ok.progressSeconds.p50?.toFixed(1) ?? '–'} s`
      : r && 'error' in r
        ? r.error
        : 'scoring not run',
  });
}

/** 10,000 client + 1,000 advisor sockets on one gateway process: RSS ≤ 1 GB. */
function pushSocketsTarget(results: BenchResults): void {
  const r = results.scenarios.sockets;
  const ok = r && 'clients' in r ? r : undefined;
  results.targets.push({
    name: `${results.params.socketClients.toLocaleString('en')} client + ${results.params.socketAdvisors.toLocaleString('en')} advisor sockets on one app process: RSS ≤ ${SOCKETS_TARGET_RSS_MB} MB`,
    met: ok
      ? ok.appRssMb.held !== null &&
        ok.appRssMb.held <= SOCKETS_TARGET_RSS_MB &&
        ok.clients.failures === 0 &&
        ok.advisors.failures === 0
      : null,
    observed: ok
      ? `${ok.clients.connected}/${ok.clients.requested} clients in ${(ok.clients.wallMs / 1000).toFixed(1)} s, ${ok.advisors.connected}/${ok.advisors.requested} advisors in ${(ok.advisors.wallMs / 1000).toFixed(1)} s; ` +
        `app RSS ${ok.appRssMb.before?.toFixed(0) ?? '–'} MB before → ${ok.appRssMb.held?.toFixed(0) ?? '–'} MB held (${ok.perSocketKb?.toFixed(1) ?? '–'} KB per socket)` +
        (Object.keys(ok.clients.errors).length ? `; client errors ${JSON.stringify(ok.clients.errors)}` : '') +
        (Object.keys(ok.advisors.errors).length ? `; advisor errors ${JSON.stringify(ok.advisors.errors)}` : '')
      : r && 'error' in r
        ? r.error
        : 'sockets not run',
  });
}

function optionalPid(name: string): number | null {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : null;
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const params = readParams();
  if (!process.env.BENCH_URL)
    throw new Error('BENCH_URL is not set (run `npm run bench`, which starts a stack, or set BENCH_URL and APP_TOKEN_SECRET)');
  const baseUrl = localBaseUrl(process.env.BENCH_URL);
  const secret = process.env.APP_TOKEN_SECRET ?? '';
  if (secret.length < 32)
    throw new Error('APP_TOKEN_SECRET (≥ 32 characters, the one the stack runs with) is required to mint client tokens');
  const appPid = optionalPid('BENCH_APP_PID');
  const dbPid = optionalPid('BENCH_DB_PID');
  const ownStack = process.env.BENCH_OWN_STACK === '1';

  // Watchdog: every phase is bounded on its own; this bounds the whole run as well (seeding at ≥ 1,000 docs/s).
  const seedDocs = params.seedMessages + 2.1 * params.seedConversations;
  const readsBound = params.scenarios.includes('reads') ? 3 * (params.readsSeconds + (3 * params.readsTimeoutMs) / 1000) + 90 : 0;
  const maxSeconds =
    params.baselineSeconds +
    params.closedSeconds +
    params.seconds +
    (4 * params.replyTimeoutMs) / 1000 +
    180 +
    (seedDocs > 0 ? seedDocs / 1_000 + 600 : 0) +
    readsBound +
    (params.scenarios.includes('dashboard') ? 2 * params.dashboardSamples * 2 + 60 : 0) +
    (params.scenarios.includes('ratios') ? 2 * params.ratioSeconds + 60 : 0) +
    (params.scenarios.includes('scoring') ? params.scoringTimeoutSeconds + 60 : 0) +
    (params.scenarios.includes('sockets')
      ? params.socketsHoldSeconds + params.socketClients / 20 + params.socketAdvisors / 5 + 60
      : 0);
  const watchdog = setTimeout(() => {
    console.error(`✖ bench run exceeded ${maxSeconds.toFixed(0)} s: aborting`);
    process.exit(3);
  }, maxSeconds * 1000);
  watchdog.unref();

  await waitReady(baseUrl);
  // The bot's own work, in process, first: the stack is idle now, while after the load phases it
  // still works off their backlog and shares the CPU (which inflated p99 ten-fold). First, too, so
  // that the model and knowledge-base load times are a cold start's.
  const engine: EngineResult = measureEngine();
  const { questions, byAnswer, dropped } = loadQuestions();
  const mongoUri = process.env.BENCH_MONGODB_URI;
  if (params.seedMessages > 0 && !mongoUri)
    throw new BenchConfigError(
      'seeding needs the stack database: set BENCH_MONGODB_URI (npm run bench passes it), or BENCH_SEED_MESSAGES=0 for a run on the data as it is',
    );
  const tag = randomBytes(3).toString('hex');
  const loadAvgStart = os.loadavg();
  const sampler = new ProcSampler(appPid, dbPid);
  sampler.begin();

  const phases: PhaseRecord[] = [];
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const before = await scrapeMetrics(baseUrl);
    const end = sampler.mark(name);
    try {
      return await fn();
    } finally {
      const usage = end();
      phases.push({ name, usage, server: serverDiff(before, await scrapeMetrics(baseUrl)) });
    }
  };

  const results: BenchResults = {
    startedAt,
    durationSeconds: 0,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      kernel: os.release(),
      totalMemMb: Math.round(os.totalmem() / 1024 / 1024),
      loadavgStart: loadAvgStart,
      loadavgEnd: [],
    },
    params,
    code: gitState(),
    target: {
      url: baseUrl,
      ownStack,
      description: process.env.BENCH_STACK_DESCRIPTION ?? `already running stack at ${baseUrl}`,
      appPid,
      dbPid,
      queuePrefix: process.env.BENCH_QUEUE_PREFIX ?? null,
    },
    questions: { used: questions.map((q) => q.faqId), dropped },
    data: null,
    connect: null,
    scenarios: {},
    phases,
    rss: { app: null, db: null, note: null, samples: [] },
    appLog: null,
    targets: [],
    notes: [],
  };

  const needLoadClients = params.scenarios.some((sc) => ['baseline', 'closed', 'open'].includes(sc));
  let grown: GrowResult | null = null;
  let rig: ThroughputRig | null = null;
  const escalation = new EscalationScenario();
  let closeSockets: (() => void) | null = null;
  const cleanup = () => {
    rig?.close();
    closeSockets?.();
    escalation.close();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
    if (params.seedMessages > 0) {
      console.log(
        `› growing the database: ${params.seedConversations.toLocaleString('en')} conversations, ${params.seedMessages.toLocaleString('en')} messages…`,
      );
      grown = await phase('seed', () =>
        growDatabase({
          uri: mongoUri!,
          conversations: params.seedConversations,
          messages: params.seedMessages,
          turns: questions,
        }),
      );
      const { seeded: _seeded, ...counts } = grown;
      results.data = { ...counts, vacuumSeconds: null };
      if (!ownStack)
        results.notes.push(
          `BENCH_URL mode: the ${counts.conversations} seeded conversations (customers G${counts.tag}…) stay in that stack's database`,
        );
      console.log('› 会话记录 activity sets: rebuilt by the app from the seeded day records…');
      const rebuildSeconds = await rebuildActivitySets(
        process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        process.env.BENCH_QUEUE_PREFIX ?? 'bb',
      );
      results.data.activitySetsRebuildSeconds = rebuildSeconds;
      console.log(
        rebuildSeconds === null
          ? '  not rebuilt within 120 s: search walks the day records'
          : `  done in ${rebuildSeconds.toFixed(1)} s`,
      );
      const pgUrl = process.env.BENCH_PG_URL;
      if (pgUrl) {
        console.log('› VACUUM (ANALYZE) of the PostgreSQL database, as autovacuum would have…');
        results.data.vacuumSeconds = await phase('vacuum', () => vacuumAnalyze(pgUrl));
        console.log(`  done in ${results.data.vacuumSeconds.toFixed(1)} s`);
      }
    }
    if (needLoadClients) {
      const ids = Array.from({ length: params.clients }, (_, i) => ({
        customerId: `B${String(i).padStart(6, '0')}-${tag}`,
        branchId: i % 2 === 0 ? 'SH01' : 'SZ01',
      }));
      const c = await phase('connect', () => connectClients(baseUrl, secret, ids, 25, 30_000));
      results.connect = {
        requested: ids.length,
        connected: c.conns.length,
        failures: c.failures,
        errors: c.errors,
        wallMs: c.wallMs,
        setupMs: roundSummary(summarize(c.setupMs)),
      };
      if (c.conns.length === 0) throw new Error(`no client could connect: ${JSON.stringify(c.errors)}`);
      rig = new ThroughputRig(c.conns, byAnswer, questions, {
        replyTimeoutMs: params.replyTimeoutMs,
        ackTimeoutMs: params.replyTimeoutMs,
      });
    }
    for (const name of params.scenarios) {
      if (name === 'baseline') {
        console.log(`› baseline: 1 client, closed loop for ${params.baselineSeconds} s…`);
        results.scenarios.baseline = await phase('baseline', () => rig!.closedLoop(params.baselineSeconds, 1, 'baseline'));
      } else if (name === 'reads') {
        if (!grown) {
          results.scenarios.reads = { error: 'not run: no seeded conversations to read (BENCH_SEED_MESSAGES=0)' };
          continue;
        }
        const idle = await waitIdle(baseUrl, 60_000);
        if (!idle.idle)
          results.notes.push(`reads started with the app's queues still not empty after ${Math.round(idle.waitedMs / 1000)} s`);
        console.log(
          `› reads on the grown data: ${params.readsSamples} samples (≤ ${params.readsSeconds} s) per kind, one at a time…`,
        );
        const data = grown;
        try {
          results.scenarios.reads = await phase('reads', () =>
            runReads({
              baseUrl,
              secret,
              seeded: data.seeded,
              from: Date.parse(data.from),
              to: Date.parse(data.to),
              samples: params.readsSamples,
              budgetMs: params.readsSeconds * 1000,
              timeoutMs: params.readsTimeoutMs,
              drainMs: 2 * params.readsTimeoutMs,
              random: seededRandom(7),
            }),
          );
        } catch (err) {
          results.scenarios.reads = { error: (err as Error).message };
        }
      } else if (name === 'dashboard') {
        const idle = await waitIdle(baseUrl, 60_000);
        if (!idle.idle)
          results.notes.push(
            `dashboard started with the app's queues still not empty after ${Math.round(idle.waitedMs / 1000)} s`,
          );
        console.log(`› 看板: ${params.dashboardSamples} dashboard:summary and dashboard:series requests each, one at a time…`);
        try {
          results.scenarios.dashboard = await phase('dashboard', () =>
            runDashboard({ baseUrl, samples: params.dashboardSamples, timeoutMs: 2_000 }),
          );
        } catch (err) {
          results.scenarios.dashboard = { error: (err as Error).message };
        }
      } else if (name === 'scoring') {
        if (!mongoUri) {
          results.scenarios.scoring = { error: 'not run: needs BENCH_MONGODB_URI (npm run bench passes it)' };
          continue;
        }
        console.log(`› scoring: ${params.scoringChats} closed chats queued for 智能质检 at once…`);
        try {
          results.scenarios.scoring = await phase('scoring', () =>
            runScoring({
              mongoUri,
              redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
              queuePrefix: process.env.BENCH_QUEUE_PREFIX ?? 'bb',
              chats: params.scoringChats,
              timeoutMs: params.scoringTimeoutSeconds * 1000,
            }),
          );
        } catch (err) {
          results.scenarios.scoring = { error: (err as Error).message };
        }
      } else if (name === 'ratios') {
        console.log(`› ratios: raw BullMQ add→process and raw Socket.IO echo, ${params.ratioSeconds} s each…`);
        try {
          results.scenarios.ratios = await phase('ratios', () =>
            measureRatios({
              redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
              prefix: `bench-raw-${tag}`,
              seconds: params.ratioSeconds,
            }),
          );
        } catch (err) {
          results.scenarios.ratios = { error: (err as Error).message };
        }
      } else if (name === 'sockets') {
        const advisorSecret = process.env.BENCH_ADVISOR_TOKEN_SECRET ?? '';
        if (!mongoUri || advisorSecret.length < 32) {
          results.scenarios.sockets = {
            error: 'not run: needs BENCH_MONGODB_URI and BENCH_ADVISOR_TOKEN_SECRET (npm run bench passes both)',
          };
          continue;
        }
        console.log(
          `› sockets: ${params.socketClients.toLocaleString('en')} app clients + ${params.socketAdvisors.toLocaleString('en')} advisor consoles held ${params.socketsHoldSeconds} s…`,
        );
        try {
          const held = await phase('sockets', () =>
            runSockets({
              baseUrl,
              appSecret: secret,
              advisorSecret,
              mongoUri,
              appPid,
              clients: params.socketClients,
              advisors: params.socketAdvisors,
              tag,
              holdSeconds: params.socketsHoldSeconds,
            }),
          );
          const { close, ...result } = held;
          closeSockets = close;
          results.scenarios.sockets = result;
          close();
        } catch (err) {
          results.scenarios.sockets = { error: (err as Error).message };
        }
      } else if (name === 'closed') {
        console.log(`› closed loop: ${rig!.clients.length} clients for ${params.closedSeconds} s…`);
        results.scenarios.closed = await phase('closed', () => rig!.closedLoop(params.closedSeconds));
      } else if (name === 'open') {
        console.log(`› open loop: ${params.rate} msgs/s over ${rig!.clients.length} clients for ${params.seconds} s…`);
        results.scenarios.open = await phase('open', () => rig!.openLoop(params.rate, params.seconds));
      } else {
        console.log(
          `› escalation: ${params.escalationClients} clients ask for a person at ${params.escalationRate || 'once'}${params.escalationRate ? '/s' : ''}…`,
        );
        try {
          results.scenarios.escalation = await phase('escalation', () =>
            escalation.run({
              baseUrl,
              secret,
              clients: params.escalationClients,
              rate: params.escalationRate,
              timeoutMs: params.replyTimeoutMs,
              ackTimeoutMs: params.replyTimeoutMs,
              connectDeadlineMs: 20_000,
              customerId: (i) => `B${String(100_000 + i).padStart(6, '0')}-${tag}`,
            }),
          );
        } catch (err) {
          results.scenarios.escalation = { error: (err as Error).message };
        }
      }
    }
  } finally {
    cleanup();
    sampler.stop();
  }

  (results as unknown as { engine: EngineResult }).engine = engine;

  // ---- results -------------------------------------------------------------------------
  results.machine.loadavgEnd = os.loadavg();
  results.durationSeconds = (Date.now() - t0) / 1000;
  results.rss.app = sampler.rssSummary('app');
  results.rss.db = sampler.rssSummary('db');
  results.rss.samples = sampler.samples.map((s) => ({ t: s.t, phase: s.phase, appRssKb: s.appRssKb, dbRssKb: s.dbRssKb }));
  if (!appPid)
    results.rss.note =
      'running against BENCH_URL without BENCH_APP_PID: the app process is not ours, so its RSS and CPU are not measured';
  results.appLog = summarizeAppLog(process.env.BENCH_APP_LOG);

  const { baseline, closed, open } = results.scenarios;
  const throughputRuns = [baseline, closed, open].filter((t): t is ThroughputResult => !!t);
  const esc =
    results.scenarios.escalation && 'sendToOfferMs' in results.scenarios.escalation ? results.scenarios.escalation : undefined;
  if (esc) {
    esc.offersAfterMeasurement = escalation.laterOffers;
    esc.offersAfterMeasurementSameAdvisor = escalation.laterOffersSameAdvisor;
  }
  const n = (v: number | null | undefined, d = 1) => (v === null || v === undefined ? '–' : v.toFixed(d));
  results.targets.push({
    name: '1,000 inbound messages/s on 2 cores',
    met: open ? open.answeredPerSec >= 0.98 * 1000 && open.lost === 0 && results.machine.cpus <= 2 : null,
    observed: open
      ? `open loop offered ${n(open.offeredPerSec)}/s → acked ${n(open.ackedPerSec)}/s, answered ${n(open.answeredPerSec)}/s, ${open.lost} lost` +
        (closed ? `; closed loop (${closed.clients} clients) answered ${n(closed.answeredPerSec)}/s` : '')
      : 'open loop not run',
  });
  const replyP99 = throughputRuns.map((t) => `${t.name} p99 ${n(t.replyMs.p99)} ms (${t.lost} lost)`);
  results.targets.push({
    name: 'bot reply p99 ≤ 25 ms (no LLM)',
    met: throughputRuns.length
      ? throughputRuns.every((t) => t.replyMs.p99 !== null && t.replyMs.p99 <= 25 && t.lost === 0)
      : null,
    observed: replyP99.join('; ') || 'not run',
  });
  results.targets.push({
    name: 'escalation → advisor screen p99 ≤ 100 ms',
    met: esc ? esc.sendToOfferMs.p99 !== null && esc.sendToOfferMs.p99 <= 100 && esc.neverOffered === 0 : null,
    observed: esc
      ? `offer p99 ${n(esc.sendToOfferMs.p99)} ms, ${esc.neverOffered} never offered (queue:added p99 ${n(esc.sendToQueueAddedMs.p99)} ms)`
      : 'not run',
  });

  pushReadTargets(results);
  pushDashboardTarget(results);
  pushRatioTargets(results);
  pushScoringTarget(results);
  pushSocketsTarget(results);

  const other = Math.max(0, ...phases.map((p) => p.usage.otherCores ?? 0));
  results.notes.push(
    `shared ${results.machine.cpus}-CPU machine: the load generator itself used up to ${n(Math.max(0, ...phases.map((p) => p.usage.benchCores)), 2)} cores and other processes up to ${n(other, 2)} cores during a phase, so the numbers are noisy`,
  );
  if (esc) {
    results.notes.push(
      `escalation runs ${params.scenarios.indexOf('escalation') === 0 ? 'first' : `after ${params.scenarios.slice(0, params.scenarios.indexOf('escalation')).join(', ')}`}, with no other bench traffic at the same time; nobody accepts, so the router re-offers each chat every OFFER_TIMEOUT_S (30 s by default) while later phases run (${escalation.laterOffers} offers seen afterwards, ${escalation.laterOffersSameAdvisor} of them to the advisor who already had it)`,
    );
  }
  if (appPid && !dbPid)
    results.notes.push("the database process is not ours (MONGODB_URI given): its CPU is counted under 'other procs'");
  if (!ownStack)
    results.notes.push(
      'BENCH_URL mode: the escalated benchmark conversations stay queued in that stack; its advisors will see them waiting',
    );

  const stamp = startedAt.replace(/:/g, '-');
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const log = results.appLog;
  if (log && log.warn + log.error + log.fatal > 0) {
    const kept = path.join(dir, `${stamp}.app.log`);
    try {
      keepAppLog(log.file, kept);
      log.keptAs = path.relative(process.cwd(), kept);
    } catch {
      // the summary is in the JSON anyway
    }
  }
  const json = JSON.stringify(results, null, 2);
  const file = path.join(dir, `${stamp}.json`);
  writeFileSync(file, json);
  writeFileSync(path.join(dir, 'latest.json'), json);

  console.log('\n' + renderReport(results));
  console.log('\n' + renderEngine(engine));
  console.log(`\n  results: ${path.relative(process.cwd(), file)} (and bench/results/latest.json)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`✖ bench failed: ${err instanceof BenchConfigError ? err.message : ((err as Error).stack ?? err)}`);
    process.exit(1);
  },
);
