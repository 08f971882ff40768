// `npm run chaos` (not part of `npm test`): faults under load, counted per fault. Picks free
// ports for its OWN redis-server (no persistence; never the shared Redis on 6379) and its OWN
// FerretDB (on a PostgreSQL database of its own when PostgreSQL is there, else SQLite in a
// temp dir), then runs bench/chaos/run.ts, which starts them, one process per role, the load
// and the faults (parameters CHAOS_* are read there), and drops that database at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT,
  dropPgDatabase,
  ensureDependencies,
  ensureFerretBinary,
  ferretPostgresUrl,
  freePort,
  pickFerretBackend,
} from './lib/infra.mjs';

let runner = null;
let interrupted = false;

async function main() {
  ensureDependencies();
  const id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'brokerbot-chaos-'));
  const database = `brokerbot_chaos_${id}`;
  const bin = ensureFerretBinary();
  const backend = await pickFerretBackend(database);
  const [redisPort, ferretPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const storage =
    backend.handler === 'postgresql'
      ? ['--handler=postgresql', `--postgresql-url=${ferretPostgresUrl(backend.url)}`]
      : ['--handler=sqlite', `--sqlite-url=file:${path.join(dir, 'ferretdb')}/`];
  const ferretCmd = [
    bin,
    ...storage,
    `--listen-addr=127.0.0.1:${ferretPort}`,
    `--state-dir=${dir}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=error',
  ];
  if (backend.handler === 'sqlite') mkdirSync(path.join(dir, 'ferretdb'), { recursive: true });
  const env = {
    ...process.env,
    CHAOS_DIR: dir,
    CHAOS_REDIS_PORT: String(redisPort),
    CHAOS_FERRET_PORT: String(ferretPort),
    CHAOS_GATEWAY_PORT: String(gatewayPort),
    CHAOS_FERRET_CMD: JSON.stringify(ferretCmd),
    CHAOS_BACKEND: backend.handler === 'postgresql' ? 'PostgreSQL' : 'SQLite',
    CHAOS_PG_URL: backend.handler === 'postgresql' ? backend.url : '',
  };
  try {
    runner = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 'chaos', 'run.ts')], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
    });
    return await new Promise((resolve) => runner.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1))));
  } finally {
    if (backend.handler === 'postgresql') dropPgDatabase(database);
    // The process logs stay (their directory is printed) unless CHAOS_KEEP_LOGS=0.
    if (process.env.CHAOS_KEEP_LOGS === '0') rmSync(dir, { recursive: true, force: true });
  }
}

process.on('SIGINT', () => {
  if (interrupted) return;
  interrupted = true;
  if (runner && runner.exitCode === null) runner.kill('SIGINT');
});

const code = await main().catch((err) => {
  console.error(`\n✖ ${err.message}`);
  return 1;
});
process.exit(code);
