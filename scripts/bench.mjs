// `npm run bench` (not part of `npm test`): starts a throw-away stack — Redis when it is not
// reachable, FerretDB in a temp dir unless MONGODB_URI is given, and the app as a child
// process (so its memory can be read from /proc) on a free port with random secrets and its
// own QUEUE_PREFIX — then runs bench/run.ts against it and stops and cleans what it started.
// With BENCH_URL (+ APP_TOKEN_SECRET) it runs against a stack that is already up instead.
// Parameters (BENCH_CLIENTS, BENCH_RATE, BENCH_SECONDS, …) are read by bench/run.ts, which first
// grows the database (BENCH_SEED_CONVERSATIONS=100000, BENCH_SEED_MESSAGES=1000000; 0 = no
// seeding) through BENCH_MONGODB_URI, the database URI passed from here.
/* global AbortSignal */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT,
  dropPgDatabase,
  ensureDependencies,
  ensureRedis,
  freePort,
  pickFerretBackend,
  startFerret,
  stopChild,
} from './lib/infra.mjs';

const started = []; // { name, child } in start order (Redis apart: it goes last)
const afterStop = []; // cleanups once the app has stopped: Redis keys, a database of ours
let startedRedis = null;
let tmp = null;
let runner = null;
let interrupted = false;

function runBench(env) {
  runner = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 'run.ts')], { cwd: ROOT, env, stdio: 'inherit' });
  return new Promise((resolve) => runner.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1))));
}

async function waitReady(url, app, logFile, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.exitCode !== null || app.signalCode !== null) {
      throw new Error(`the app exited (${app.exitCode ?? app.signalCode}) before it was ready:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs / 1000}s:\n${tail(logFile)}`);
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no app log)';
  }
}

/** Deletes the Redis keys of our own QUEUE_PREFIX (queues, presence, socket.io adapter). */
async function cleanRedis(url, prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0' && ++rounds < 100_000);
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** The bundled escalation policy with business hours around the clock, written into dir. */
function alwaysOpenPolicy(dir) {
  const policy = JSON.parse(readFileSync(path.join(ROOT, 'flows', 'data', 'policy', 'escalation.json'), 'utf8'));
  policy.businessHours = {
    ...policy.businessHours,
    weekdays: [1, 2, 3, 4, 5, 6, 7],
    open: '00:00',
    close: '24:00',
    closedDates: [],
  };
  const file = path.join(dir, 'escalation-always-open.json');
  writeFileSync(file, JSON.stringify(policy));
  return file;
}

/** With a MONGODB_URI of the caller's, the bench used its own database there: drop it. */
async function dropDatabase(uri) {
  const mongoose = (await import('mongoose')).default;
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  try {
    await conn.dropDatabase();
  } finally {
    await conn.close();
  }
}

async function main() {
  ensureDependencies();
  const env = { ...process.env };

  if (env.BENCH_URL) {
    if (!env.APP_TOKEN_SECRET)
      throw new Error('BENCH_URL is set: also set APP_TOKEN_SECRET, the secret that stack signs app tokens with');
    console.log(`› BENCH_URL=${env.BENCH_URL}: benchmarking the running stack (its process RSS is not measured)`);
    return runBench({ ...env, BENCH_OWN_STACK: '0' });
  }

  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = await ensureRedis(redisUrl);
  startedRedis = redis;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brokerbot-bench-'));
  const id = randomBytes(4).toString('hex');
  const prefix = `bench-${id}`;

  let mongoUri = env.MONGODB_URI;
  let ferret = null;
  let backend = null;
  let ownDatabaseUri = null;
  if (mongoUri) {
    const u = new URL(mongoUri);
    u.pathname = `/brokerbot_bench_${id}`;
    mongoUri = ownDatabaseUri = u.toString();
    console.log(`› MONGODB_URI given: using database brokerbot_bench_${id} there (dropped at the end)`);
  } else {
    const port = await freePort();
    // PostgreSQL-backed FerretDB when available: the SQLite handler scans whole collections.
    backend = await pickFerretBackend(`brokerbot_bench_${id}`);
    if (backend.handler === 'postgresql') afterStop.push(async () => dropPgDatabase(`brokerbot_bench_${id}`));
    ferret = await startFerret({ port, dataDir: path.join(tmp, 'ferretdb'), backend });
    started.push({ name: 'FerretDB', child: ferret });
    mongoUri = `mongodb://127.0.0.1:${port}/brokerbot`;
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const appSecret = randomBytes(32).toString('hex');
  const advisorSecret = randomBytes(32).toString('hex');
  const logFile = path.join(tmp, 'app.log');
  const logFd = openSync(logFile, 'a');
  const appEnv = {
    ...env,
    NODE_ENV: env.NODE_ENV ?? 'production',
    MONGODB_URI: mongoUri,
    REDIS_URL: redisUrl,
    PORT: String(port),
    APP_TOKEN_SECRET: appSecret,
    ADVISOR_TOKEN_SECRET: advisorSecret,
    DEMO_MODE: '1',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    // Advisors on duty whatever the hour the bench runs at (otherwise escalations become call-backs).
    ESCALATION_POLICY_PATH: env.ESCALATION_POLICY_PATH ?? alwaysOpenPolicy(tmp),
  };
  // FerretDB's own PostgreSQL database: the app adds indexes there that FerretDB can use.
  if (backend?.handler === 'postgresql') appEnv.FERRETDB_POSTGRESQL_URL = backend.url;
  // The app writes straight to a file (no pipe through us to back-pressure it).
  const app = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'main.ts')], {
    cwd: ROOT,
    env: appEnv,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  started.push({ name: 'app', child: app });
  afterStop.push(async () => {
    try {
      const n = await cleanRedis(redisUrl, prefix);
      console.log(`› removed ${n} Redis keys ${prefix}*`);
    } catch (err) {
      console.error(`✖ could not remove Redis keys ${prefix}*: ${err.message}`);
    }
  });
  if (ownDatabaseUri) {
    afterStop.push(() =>
      dropDatabase(ownDatabaseUri).catch((err) => console.error(`✖ could not drop the bench database: ${err.message}`)),
    );
  }
  console.log(`› app pid ${app.pid} on ${url} (QUEUE_PREFIX=${prefix}, log ${logFile})`);
  await waitReady(url, app, logFile);

  const description =
    `own stack: app pid ${app.pid} (Node ${process.version}, all roles, LOG_LEVEL=warn) at ${url}, ` +
    (ferret
      ? `FerretDB v1.24.2 (${backend.handler === 'postgresql' ? 'PostgreSQL backend' : 'SQLite backend, in a temp dir'}) pid ${ferret.pid}`
      : `MongoDB at MONGODB_URI (db brokerbot_bench_${id})`) +
    `, Redis ${redisUrl}${redis ? ' (started by the bench)' : ' (shared)'}, QUEUE_PREFIX ${prefix}`;
  const code = await runBench({
    ...env,
    BENCH_URL: url,
    APP_TOKEN_SECRET: appSecret,
    BENCH_OWN_STACK: '1',
    BENCH_ADVISOR_TOKEN_SECRET: advisorSecret,
    BENCH_APP_PID: String(app.pid),
    BENCH_DB_PID: ferret ? String(ferret.pid) : '',
    BENCH_APP_LOG: logFile,
    BENCH_QUEUE_PREFIX: prefix,
    BENCH_STACK_DESCRIPTION: description,
    // The seeding writes straight to the stack's database (and vacuums FerretDB's PostgreSQL one).
    BENCH_MONGODB_URI: mongoUri,
    BENCH_PG_URL: backend?.handler === 'postgresql' ? backend.url : '',
  });
  return code;
}

/** Stops what we started (app, then FerretDB), cleans up after the app, stops our Redis last. */
async function shutdown() {
  if (runner && runner.exitCode === null && runner.signalCode === null) await stopChild(runner);
  while (started.length) await stopChild(started.pop().child);
  while (afterStop.length) await afterStop.shift()();
  await stopChild(startedRedis);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  if (interrupted) return;
  interrupted = true;
  console.error('\n› interrupted: stopping what the bench started…');
  if (runner && runner.exitCode === null) runner.kill('SIGINT');
});

const code = await main().catch((err) => {
  console.error(`\n✖ ${err.message}`);
  return 1;
});
await shutdown();
process.exit(code);
