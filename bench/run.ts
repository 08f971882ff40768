import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keepAppLog, summarizeAppLog, type AppLogSummary } from './lib/app-log';
import { ProcSampler, type PhaseUsage } from './lib/procfs';
import { gauge, histogram, scrapeMetrics, type Scrape } from './lib/prom';
import { loadQuestions } from './lib/questions';
import { connectClients, localBaseUrl } from './lib/sockets';
import { renderReport } from './report';
import { measureEngine, renderEngine, type EngineResult } from './scenarios/engine';
import { EscalationScenario, type EscalationResult } from './scenarios/escalation';
import { ThroughputRig, type ThroughputResult } from './scenarios/throughput';
import { diffHistogram, histogramPercentile, roundSummary, summarize, type PromHistogram, type Summary } from './stats';

/**
 * The benchmark's scenarios, run against a stack that is already up (scripts/bench.mjs
 * starts one, or BENCH_URL names one). Env:
 *   BENCH_URL, APP_TOKEN_SECRET          the stack (127.0.0.1 only) and its app-token secret
 *   BENCH_APP_PID, BENCH_DB_PID          processes whose RSS/CPU are sampled (optional)
 *   BENCH_CLIENTS=200 BENCH_RATE=1000 BENCH_SECONDS=20 BENCH_CLOSED_SECONDS=BENCH_SECONDS
 *   BENCH_ESC_CLIENTS=100 BENCH_ESC_RATE=25 (escalations/s, 0 = all at once)
 *   BENCH_BASELINE_SECONDS=5 (one client, closed loop: the latency floor)
 *   BENCH_REPLY_TIMEOUT_MS=10000 BENCH_SCENARIOS=baseline,escalation,closed,open (run in that order)
 * Escalation runs before the throughput phases by default, so that it measures the handoff
 * path itself and not the backlog an overloaded phase leaves behind.
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

const SCENARIO_NAMES = ['baseline', 'escalation', 'closed', 'open'] as const;
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
  return {
    clients: intEnv('BENCH_CLIENTS', 200, 1, 5_000),
    rate: intEnv('BENCH_RATE', 1000, 1, 20_000),
    seconds,
    closedSeconds: intEnv('BENCH_CLOSED_SECONDS', seconds, 1, 600),
    baselineSeconds: intEnv('BENCH_BASELINE_SECONDS', 5, 1, 600),
    escalationClients: intEnv('BENCH_ESC_CLIENTS', 100, 1, 2_000),
    escalationRate: intEnv('BENCH_ESC_RATE', 25, 0, 10_000),
    replyTimeoutMs: intEnv('BENCH_REPLY_TIMEOUT_MS', 10_000, 100, 120_000),
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
  return {
    messagesIn: sumPrefix(after, 'bb_messages_in_total{') - sumPrefix(before, 'bb_messages_in_total{'),
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

  // Watchdog: every phase is bounded on its own; this bounds the whole run as well.
  const maxSeconds = params.baselineSeconds + params.closedSeconds + params.seconds + (4 * params.replyTimeoutMs) / 1000 + 180;
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
    connect: null,
    scenarios: {},
    phases,
    rss: { app: null, db: null, note: null, samples: [] },
    appLog: null,
    targets: [],
    notes: [],
  };

  const needLoadClients = params.scenarios.some((sc) => sc !== 'escalation');
  let rig: ThroughputRig | null = null;
  const escalation = new EscalationScenario();
  const cleanup = () => {
    rig?.close();
    escalation.close();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
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
