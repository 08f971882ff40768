// `npm start`: installs what is missing, starts Redis and FerretDB when they are not given,
// then runs every role in one process tree. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, ensureDependencies, ensureRedis, pickFerretBackend, startFerret, stopChild } from './lib/infra.mjs';

const env = { ...process.env };
const started = [];

async function stopAll() {
  for (const child of started.reverse()) await stopChild(child);
}

/** Demo mode: secrets are generated once and kept in the git-ignored .data folder. */
function demoSecrets() {
  const file = path.join(ROOT, '.data', 'demo-secrets.json');
  mkdirSync(path.dirname(file), { recursive: true });
  if (!existsSync(file)) {
    const s = { APP_TOKEN_SECRET: randomBytes(32).toString('hex'), ADVISOR_TOKEN_SECRET: randomBytes(32).toString('hex') };
    writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

async function main() {
  ensureDependencies();
  env.DEMO_MODE ??= env.NODE_ENV === 'production' ? '0' : '1';
  const redis = await ensureRedis(env.REDIS_URL);
  if (redis) started.push(redis);
  if (!env.MONGODB_URI) {
    const port = Number(env.FERRETDB_PORT ?? 27017);
    const backend = await pickFerretBackend('brokerbot_ferretdb');
    const where = backend.handler === 'postgresql' ? `PostgreSQL database brokerbot_ferretdb` : '.data/ferretdb (SQLite)';
    console.log(`› MONGODB_URI not set: starting FerretDB on 127.0.0.1:${port}, data in ${where}`);
    started.push(await startFerret({ port, dataDir: path.join(ROOT, '.data', 'ferretdb'), backend }));
    env.MONGODB_URI = `mongodb://127.0.0.1:${port}/brokerbot`;
    // The app creates the lookup indexes FerretDB cannot make itself (GIN, on PostgreSQL).
    if (backend.handler === 'postgresql') env.FERRETDB_POSTGRESQL_URL = backend.url;
  }
  if (env.DEMO_MODE === '1' || env.DEMO_MODE === 'true') {
    const secrets = demoSecrets();
    env.APP_TOKEN_SECRET ??= secrets.APP_TOKEN_SECRET;
    env.ADVISOR_TOKEN_SECRET ??= secrets.ADVISOR_TOKEN_SECRET;
    // No WeCom / mini-program credentials: loopback simulators stand in for Tencent (see /sim/).
    const credential = /^(WECOM_(CORP_ID|TOKEN|AES_KEY|SECRET|OPEN_KFID)|MINIPROGRAM_(APPID|SECRET|TOKEN|AES_KEY))$/;
    const channelConfigured = Object.keys(env).some((k) => credential.test(k) && env[k]);
    if (!channelConfigured) env.CHANNEL_SIMULATORS ??= '1';
  }
  const app = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'main.ts')], { cwd: ROOT, env, stdio: 'inherit' });
  // Ctrl-C reaches the app through the terminal's process group too; it ignores a second signal.
  // We wait for it to stop, then stop the services we started.
  const forward = (sig) => () => app.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const code = await new Promise((resolve) => app.once('exit', (c, s) => resolve(c ?? (s ? 0 : 1))));
  await stopAll();
  process.exit(code);
}

main().catch(async (err) => {
  console.error(`\n✖ ${err.message}`);
  await stopAll();
  process.exit(1);
});
