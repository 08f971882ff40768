import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { stallOptionProblems, WORKER_STALL_OPTIONS, worstStallRecoveryMs } from '../src/worker-options';

/** Against the real Redis the system uses (npm test makes sure one answers). */
describe('worker stall options', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const prefix = `bbtest-stall-${randomBytes(4).toString('hex')}`;
  const closers: (() => Promise<unknown>)[] = [];
  /** A connection of its own for a worker (BullMQ does not close a connection it was given). */
  const connection = () => {
    const c = redis.duplicate();
    closers.unshift(() => c.quit());
    return c;
  };

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('runs a job again within seconds when the worker that held it died, and only once more', async () => {
    const queue = new Queue('turns', { connection: redis, prefix });
    closers.push(() => queue.close());
    await queue.add('turn', { n: 1 }, { jobId: 'm1' });

    // A worker takes the job and dies: its lock is never renewed and the job is never finished.
    const dead = new Worker('turns', null, { ...WORKER_STALL_OPTIONS, connection: connection(), prefix, autorun: false });
    closers.push(() => dead.close(true));
    const taken = await dead.getNextJob('dead-token', { block: false });
    expect(taken?.id).toBe('m1');
    const diedAt = Date.now();

    // The restarted role's worker, with the system's options.
    const runs: number[] = [];
    const live = new Worker(
      'turns',
      async () => {
        runs.push(Date.now() - diedAt);
      },
      { ...WORKER_STALL_OPTIONS, connection: connection(), prefix },
    );
    closers.push(() => live.close());
    const stalled: string[] = [];
    live.on('stalled', (id) => stalled.push(id));

    const deadline = Date.now() + worstStallRecoveryMs(WORKER_STALL_OPTIONS) + 3_000;
    while (runs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(runs).toHaveLength(1);
    // Not before the dead worker's lock expired, and well before BullMQ's default 30 s lock.
    expect(runs[0]).toBeGreaterThanOrEqual(WORKER_STALL_OPTIONS.lockDuration - 100);
    expect(runs[0]).toBeLessThanOrEqual(worstStallRecoveryMs(WORKER_STALL_OPTIONS) + 1_000);
    expect(runs[0]).toBeLessThan(15_000); // a client's question held by a killed bot is answered within seconds
    expect(stalled).toEqual(['m1']);
    // Completed by the live worker; nothing runs it a third time.
    await new Promise((r) => setTimeout(r, 2 * WORKER_STALL_OPTIONS.stalledInterval + 500));
    expect(runs).toHaveLength(1);
    expect(await queue.getJobState('m1')).toBe('completed');
  }, 30_000);

  it('rejects settings under which a dead worker would hold its jobs longer than its lock, or a late timer would lose a live lock', () => {
    expect(stallOptionProblems(WORKER_STALL_OPTIONS)).toEqual([]);
    expect(stallOptionProblems({ ...WORKER_STALL_OPTIONS, stalledInterval: 30_000 })).toEqual([
      'stalledInterval must not exceed lockDuration',
    ]);
    expect(stallOptionProblems({ ...WORKER_STALL_OPTIONS, lockRenewTime: WORKER_STALL_OPTIONS.lockDuration / 2 + 1 })).toEqual([
      'lockRenewTime must be at most half of lockDuration',
    ]);
    expect(stallOptionProblems({ ...WORKER_STALL_OPTIONS, maxStalledCount: 0 })).toHaveLength(1);
  });
});
