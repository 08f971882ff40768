import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs roles in a separate OS process (scripts/main.ts, as production does), so that a test
 * can SIGKILL it mid-work and start another.
 */
export interface RoleProcess {
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startRoleProcess(env: Record<string, string>, roles: string): Promise<RoleProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('scripts', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, ROLES: roles, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`roles ${roles} did not start:\n${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"started"')) {
        clearTimeout(timer);
        resolve();
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
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
