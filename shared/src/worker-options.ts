/**
 * How every BullMQ worker of the system (inbound/bot, outbound, router, media, quality,
 * retention) notices that another worker died holding jobs, and runs those jobs again.
 *
 * A worker holds each active job under a lock in Redis and renews it while it runs. When the
 * process is killed (kill -9, OOM, a node lost), the lock is no longer renewed; once it has
 * expired, the next stalled-job check of any live worker of the queue (also the restarted one)
 * moves the job back to waiting (BullMQ marks the active jobs at one check and moves those
 * still unlocked at a later one). With BullMQ's defaults (30 s lock, checked every 30 s) that
 * took 30–60 s, and a client waited up to 77 s for an answer after a kill -9 of the bot in
 * `npm run chaos`. With the values below a killed worker's jobs run again 8–12 s after the
 * kill. (5 s locks checked every second were tried first: under a load average of 17–25 on 2
 * cores the bot's locks lapsed during long turns, jobs stalled until BullMQ failed them, and
 * more replies came late than with the defaults; 8 s locks keep a margin over such pauses.)
 *
 * The cost of a short lock: a worker whose event loop is blocked for longer than
 * `lockDuration - lockRenewTime` (6 s) misses its renewals, and its job is run a second time
 * by another worker (or by itself) while the first run may still finish. That is safe because
 * every step of a job is idempotent by a unique key or a status read, not by the lock:
 * - inbound: the bot reads the message's stored status on every run but the first
 *   (`attemptsStarted`), so a run after the message was answered does nothing; two runs at the
 *   same moment store each reply once, because a reply's id is derived from the message
 *   (`r<messageId>_<n>`) and messages are unique on (channel, channelMessageId); an
 *   appointment request is unique on the message that finished its flow;
 * - outbound: the job id is the reply's id, a reply marked sent is not sent again, and an app
 *   emit is claimed once per message id;
 * - router: an offer is claimed by an insert under a unique index; the handoff job id is the
 *   handoff's id.
 * The exactly-once guarantees therefore never depend on these timings; only latency does.
 *
 * `maxStalledCount`: how often one job may be found stalled before BullMQ fails it (its
 * "job stalled more than allowable limit"). One kill plus one long pause of the next worker
 * must not fail a client's message, so a job survives 5 stalls; a job that kills its worker
 * every time (a poison message) stops after the sixth try instead of crash-looping the role.
 * A failed job is not the end of its message: the outbound recovery sweep re-adds a failed
 * delivery 60 s after it failed (channels/src/outbound-recovery.ts), and the inbound sweep a
 * client message still unanswered whose job failed more than 60 s ago (bot/src/inbound-recovery.ts).
 */
export interface WorkerStallOptions {
  /** Milliseconds a job's lock lasts without renewal: a dead worker's jobs wait about this long. */
  readonly lockDuration: number;
  /** Milliseconds between renewals of the locks of a worker's active jobs. */
  readonly lockRenewTime: number;
  /** Milliseconds between two stalled-job checks (one per queue at a time across processes). */
  readonly stalledInterval: number;
  /** Times a job may be recovered from a stall before it is failed. */
  readonly maxStalledCount: number;
}

/** The stall-recovery options passed to every `new Worker(...)` of the system (see the module comment). */
export const WORKER_STALL_OPTIONS: WorkerStallOptions = Object.freeze({
  lockDuration: 8_000,
  lockRenewTime: 2_000,
  stalledInterval: 2_000,
  maxStalledCount: 5,
});

/**
 * What is wrong with a set of stall options (empty when nothing): a lock renewed less than
 * twice per lock duration lapses on a single late timer, and a check interval longer than the
 * lock makes the check, not the lock, decide how long a dead worker's jobs wait.
 */
export function stallOptionProblems(o: WorkerStallOptions): string[] {
  const problems: string[] = [];
  const positive = (name: keyof WorkerStallOptions) => {
    if (!Number.isInteger(o[name]) || o[name] <= 0) problems.push(`${name} must be a positive whole number of ms`);
  };
  positive('lockDuration');
  positive('lockRenewTime');
  positive('stalledInterval');
  if (!Number.isInteger(o.maxStalledCount) || o.maxStalledCount < 1)
    problems.push('maxStalledCount must be at least 1 (a job held by a killed worker must run again)');
  if (o.lockRenewTime * 2 > o.lockDuration) problems.push('lockRenewTime must be at most half of lockDuration');
  if (o.stalledInterval > o.lockDuration) problems.push('stalledInterval must not exceed lockDuration');
  return problems;
}

/** The longest a job held by a killed worker waits before it runs again (lock expiry plus two checks). */
export function worstStallRecoveryMs(o: WorkerStallOptions): number {
  return o.lockDuration + 2 * o.stalledInterval;
}

// Checked when the module loads, i.e. at every process's start-up, before any worker exists.
const problems = stallOptionProblems(WORKER_STALL_OPTIONS);
if (problems.length) throw new Error(`WORKER_STALL_OPTIONS: ${problems.join('; ')}`);
