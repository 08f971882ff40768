// `npm test`: installs what is missing (npm deps, FerretDB, Chromium when apt can), starts
// Redis when it is not reachable and a throw-away FerretDB when MONGODB_URI is not given,
// runs every Jest project, and ends with one summary line: "tests: N passed, N failed, N skipped".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH.`);
  }
  console.log('› installing Chromium (apt-get install chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error('apt-get install chromium failed');
}

const started = [];
let tmp = null;
let pgDatabase = null;
let ferretLog = null;

async function main() {
  ensureDependencies();
  ensureChromium();
  const env = { ...process.env, NODE_ENV: 'test', CHROMIUM_PATH: CHROMIUM };
  const redis = await ensureRedis(env.REDIS_URL);
  if (redis) started.push(redis);
  if (!env.MONGODB_URI) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'brokerbot-test-'));
    const port = await freePort();
    // The backend production-like stacks use: PostgreSQL when it answers locally, else SQLite.
    const database = `brokerbot_test_${path
      .basename(tmp)
      .replace(/[^a-zA-Z0-9]/g, '')
      .toLowerCase()}`;
    const backend = await pickFerretBackend(database);
    if (backend.handler === 'postgresql') {
      pgDatabase = database;
      env.FERRETDB_POSTGRESQL_URL = backend.url;
    }
    console.log(`› FerretDB for the tests: ${backend.handler === 'postgresql' ? `PostgreSQL database ${database}` : 'SQLite'}`);
    ferretLog = path.join(tmp, 'ferretdb.log');
    started.push(await startFerret({ port, dataDir: path.join(tmp, 'ferretdb'), backend, logFile: ferretLog }));
    env.MONGODB_URI = `mongodb://127.0.0.1:${port}/`;
  }
  const results = path.join(tmp ?? mkdtempSync(path.join(os.tmpdir(), 'brokerbot-test-')), 'jest.json');
  const jest = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--ci',
      '--json',
      `--outputFile=${results}`,
      ...process.argv.slice(2),
    ],
    { cwd: ROOT, env, stdio: 'inherit' },
  );
  const code = await new Promise((resolve) => jest.once('exit', (c) => resolve(c ?? 1)));
  let summary = 'tests: 0 passed, 1 failed (no results were written)';
  if (existsSync(results)) {
    const r = JSON.parse(readFileSync(results, 'utf8'));
    const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    summary = `tests: ${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
  }
  return { code, summary };
}

const { code, summary } = await main().catch((err) => ({ code: 1, summary: `tests: 0 passed, 1 failed (${err.message})` }));
for (const child of started.reverse()) await stopChild(child);
// FerretDB's own errors, when a test failed (unique-index violations are expected and left out).
if (code !== 0 && ferretLog && existsSync(ferretLog)) {
  const lines = readFileSync(ferretLog, 'utf8')
    .split('\n')
    .filter((l) => l && !l.includes('"Code":"23505"'));
  if (lines.length) console.log(`\nFerretDB errors (${lines.length} lines, last 20):\n${lines.slice(-20).join('\n')}`);
}
if (pgDatabase) dropPgDatabase(pgDatabase);
if (tmp) rmSync(tmp, { recursive: true, force: true });
console.log(`\n${summary}`);
process.exit(code);
