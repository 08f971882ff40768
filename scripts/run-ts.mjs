// Runs a TypeScript entry point with tsx after making sure dependencies are installed.
import { spawnSync } from 'node:child_process';
import { ROOT, ensureDependencies } from './lib/infra.mjs';

ensureDependencies();
const [file, ...args] = process.argv.slice(2);
const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
