import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The chaos run's processes: its own redis-server, its own FerretDB and one OS process per role
 * (scripts/main.ts with ROLES=…), each restartable on the same port / settings after a kill.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function isPortOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(port: number, what: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited before listening`);
    if (await isPortOpen(port)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function killHard(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGKILL');
  await gone;
}

/** A server process (redis-server, FerretDB) started again with the same command line. */
export class ServerProcess {
  child: ChildProcess | null = null;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    readonly port: number,
    private readonly logFile: string,
  ) {}

  async start(): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    this.child = spawn(this.command, this.args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await waitForPort(this.port, this.name, this.child);
  }

  async kill(): Promise<void> {
    await killHard(this.child);
  }
}

/** One role in its own process; `start()` resolves once it has logged "started". */
export class RoleProcess {
  child: ChildProcess | null = null;
  starts = 0;

  constructor(
    readonly role: string,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  async start(timeoutMs = 240_000): Promise<void> {
    let offset = 0;
    try {
      offset = statSync(this.logFile).size;
    } catch {
      // first start
    }
    const fd = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ROLES: this.role },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    this.starts += 1;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `role ${this.role} exited (${child.exitCode ?? child.signalCode}) before it started:\n${this.tail(offset)}`,
        );
      }
      if (this.tail(offset, Infinity).includes('"msg":"started"')) return;
      await sleep(250);
    }
    throw new Error(`role ${this.role} did not start within ${timeoutMs / 1000}s:\n${this.tail(offset)}`);
  }

  /** The log since `offset` (its last `lines` lines). */
  tail(offset = 0, lines = 30): string {
    try {
      const buf = readFileSync(this.logFile);
      const text = buf.subarray(offset).toString('utf8');
      return lines === Infinity ? text : text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async kill(): Promise<void> {
    await killHard(this.child);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = exited(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.kill('SIGTERM');
    await gone;
    clearTimeout(timer);
  }
}
