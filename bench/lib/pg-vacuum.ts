import { spawn } from 'node:child_process';

/**
 * VACUUM (ANALYZE) of the PostgreSQL database FerretDB stores the bench's data in, right after
 * the bulk seeding: a production database has its statistics and visibility map up to date,
 * and without this the autovacuum of a million fresh rows runs during the measured phases.
 * Uses `psql` (which picking the PostgreSQL backend already required).
 */
export function vacuumAnalyze(pgUrl: string, timeoutMs = 600_000): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [pgUrl, '-v', 'ON_ERROR_STOP=1', '-qc', 'VACUUM (ANALYZE)'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve((performance.now() - t0) / 1000);
      else reject(new Error(`VACUUM (ANALYZE) failed (${code}): ${stderr.trim().slice(0, 300)}`));
    });
  });
}
