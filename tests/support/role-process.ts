import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs roles in a separate OS process (scripts/main.ts, as production does), so that a test
 * can SIGKILL it mid-work and start another, or run several processes of one system.
 */
export interface RoleProcess {
  child: ChildProcess;
  /** The gateway's base URL when the process runs the gateway (from its "started" log line), else null. */
  url: string | null;
  /** Everything the process printed so far (its JSON log lines), for a failing test to show. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface RoleProcessOptions {
  /** How long the process may take to log "started" (compiling and loading models is slow on a busy machine). Default 60 s. */
  startTimeoutMs?: number;
}

/** The `url` of the "started" log line (scripts/system.ts logs { roles, url } once every role is up). */
function startedUrl(output: string): string | null | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('"msg":"started"')) continue;
    try {
      return (JSON.parse(line) as { url?: string | null }).url ?? null;
    } catch {
      // Not a whole JSON line (yet).
    }
  }
  return undefined;
}

export async function startRoleProcess(
  env: Record<string, string>,
  roles: string,
  options: RoleProcessOptions = {},
): Promise<RoleProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, ROLES: roles, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string | null>((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => reject(new Error(`roles ${roles} did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const started = startedUrl(output);
      if (started !== undefined) {
        clearTimeout(timer);
        resolve(started);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`roles ${roles} exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
