import { queueDelivery, type Services } from '@brokerbot/shared';
import { FencedLock } from './tencent/fenced-lock';

const SWEEP_EVERY_MS = 5_000;
/** Younger queued messages are left to their own job (stored, then queued a moment later). */
const STALE_AFTER_MS = 5_000;
const BATCH = 200;
/** A job that used up its attempts (e.g. a long database outage) is tried again this long after it failed. */
const RETRY_FAILED_AFTER_MS = 60_000;
/** A sweep takes well under a second; the lock outlives a holder that died by this much at most. */
const LOCK_MS = 30_000;

/** Job states in which the message is still on its way: leave it to that job. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

type RecoveryDeps = Pick<Services, 'db' | 'queues' | 'redis' | 'config'>;

export interface OutboundSweepOptions {
  /** Only messages stored longer ago than this are looked at (default 5 s). */
  olderThanMs?: number;
  /** At most this many messages per sweep (default 200). */
  batch?: number;
  /** A failed job (attempts used up) is added again only this long after it failed (default 60 s). */
  retryFailedAfterMs?: number;
  /** Continue after this creation time (the previous sweep's `resumeAfter`); null: from the oldest. */
  after?: Date | null;
}

export interface OutboundSweepResult {
  /** Messages looked at. */
  examined: number;
  /** Their ids, for those whose job was added again. */
  requeued: string[];
  /** When the batch was full: where the next sweep should go on from (so stuck messages cannot starve newer ones). */
  resumeAfter: Date | null;
}

/**
 * The outbound counterpart of the bot's inbound sweep. A reply is stored ("queued") before its
 * job is added, so when the job is lost (Redis restarted without its data, or the process died
 * between the two) the database still says "queued". This adds the job again, with the same job
 * id (the message's outbound id, as `queueDelivery` does), for every stored outgoing message
 * still "queued" whose job is gone, completed without marking it sent, or failed for good more
 * than `retryFailedAfterMs` ago; a message whose job is waiting, running or backing off is left
 * alone. The worker's delivery is idempotent (a "sent" message is not sent again; an app emit is
 * claimed once, see `deliver`), so a re-add that races the original job delivers nothing twice.
 *
 * One process sweeps at a time (a Redis lock with expiry): null when another one holds it.
 */
export async function requeueStrandedOutbound(
  services: RecoveryDeps,
  options: OutboundSweepOptions = {},
): Promise<OutboundSweepResult | null> {
  const olderThanMs = options.olderThanMs ?? STALE_AFTER_MS;
  const batch = options.batch ?? BATCH;
  const retryFailedAfterMs = options.retryFailedAfterMs ?? RETRY_FAILED_AFTER_MS;
  const lock = new FencedLock(services.redis, `${services.config.QUEUE_PREFIX}:outbound-recovery:lock`, LOCK_MS);
  const fence = await lock.acquire();
  if (fence === null) return null;
  try {
    const createdAt: Record<string, Date> = { $lt: new Date(Date.now() - olderThanMs) };
    if (options.after) createdAt.$gt = options.after;
    // Relies on the index { direction: 1, status: 1, createdAt: 1 } on messages: status is the
    // selective part (almost every stored message is "sent"), so this reads only the few queued
    // outgoing messages, oldest first, without a collection scan or an in-memory sort.
    const stranded = await services.db.Message.find(
      { status: 'queued', direction: 'out', createdAt },
      { channel: 1, channelMessageId: 1, conversationId: 1, createdAt: 1 },
    )
      .sort({ createdAt: 1 })
      .limit(batch)
      .lean();
    const requeued: string[] = [];
    let renewedAt = Date.now();
    for (const m of stranded) {
      if (Date.now() - renewedAt > LOCK_MS / 3) {
        if (!(await lock.renew(fence))) break; // another process sweeps now
        renewedAt = Date.now();
      }
      const jobId = m.channelMessageId;
      const state = await services.queues.outbound.getJobState(jobId);
      if (LIVE_STATES.has(state)) continue;
      if (state === 'failed') {
        const job = await services.queues.outbound.getJob(jobId);
        if (job?.finishedOn && Date.now() - job.finishedOn < retryFailedAfterMs) continue;
      }
      // A finished job keeps its id for a day (removeOnComplete / removeOnFail): adding the same
      // id again would be a no-op, so the finished one goes first.
      if (state === 'completed' || state === 'failed') await services.queues.outbound.remove(jobId);
      const conversation = await services.db.Conversation.findById(m.conversationId, { externalUserId: 1 }).lean();
      await queueDelivery(services.queues, m, conversation?.externalUserId ?? '');
      requeued.push(jobId);
    }
    const last = stranded.at(-1);
    return {
      examined: stranded.length,
      requeued,
      resumeAfter: stranded.length === batch && last ? new Date(last.createdAt) : null,
    };
  } finally {
    await lock.release(fence).catch(() => undefined);
  }
}

export interface OutboundRecoveryOptions extends Omit<OutboundSweepOptions, 'after' | 'olderThanMs'> {
  /** How often to sweep (default 5 s). */
  everyMs?: number;
  /** How long a message may stay "queued" before its job is checked (default 5 s). */
  staleAfterMs?: number;
}

/**
 * Runs `requeueStrandedOutbound` once at start and then every `everyMs` (the outbound role
 * starts it). At start-up the first sweep looks at every queued message whatever its age: a
 * re-add of a message whose job exists is a no-op, and one whose job is being added right now
 * by its producer ends up as one job either way (same job id).
 */
export function startOutboundRecovery(
  services: RecoveryDeps & Pick<Services, 'logger'>,
  options: OutboundRecoveryOptions = {},
): { stop(): Promise<void> } {
  const { everyMs = SWEEP_EVERY_MS, staleAfterMs = STALE_AFTER_MS, ...sweepOptions } = options;
  let olderThanMs = 0;
  let after: Date | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const sweep = async () => {
    try {
      const result = await requeueStrandedOutbound(services, { ...sweepOptions, olderThanMs, after });
      olderThanMs = staleAfterMs;
      if (!result) return; // another process is sweeping
      after = result.resumeAfter;
      if (result.requeued.length) {
        services.logger.warn(
          { requeued: result.requeued.length, messageIds: result.requeued.slice(0, 20) },
          'requeued outbound messages that had lost their job',
        );
      }
    } catch (err) {
      services.logger.error({ err }, 'outbound recovery sweep failed');
    }
  };
  const tick = () => {
    if (running || stopped) return; // a slow sweep is not run twice at once
    running = sweep().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
