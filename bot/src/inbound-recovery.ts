import { inboundJobId, TurnOrder, type Services } from '@brokerbot/shared';

const SWEEP_EVERY_MS = 15_000;
const STALE_AFTER_MS = 10_000;
/** A message whose job failed for good is tried again this long after the failure (as outbound-recovery.ts does). */
const RETRY_FAILED_AFTER_MS = 60_000;

/**
 * Nothing is lost: a message is stored before it is queued, so if the queue lost its job
 * (Redis restarted without persistence, or the process died between store and enqueue) or the
 * job failed for good (a database outage longer than its retries, a worker killed during it too
 * often) the stored message is still "received". This sweep queues those again (a failed job a
 * minute after it failed); the job id makes it a
 * no-op when the job still exists, and the bot skips messages already handled. A message queued
 * again is also put back in its conversation's turn order (TurnOrder), so that several stale
 * messages of one conversation are still answered in seq order.
 */
export async function requeueStaleInbound(
  services: Pick<Services, 'db' | 'queues'>,
  olderThanMs = STALE_AFTER_MS,
  retryFailedAfterMs = RETRY_FAILED_AFTER_MS,
) {
  const stale = await services.db.Message.find({
    direction: 'in',
    status: 'received',
    createdAt: { $lt: new Date(Date.now() - olderThanMs) },
  })
    .sort({ createdAt: 1 })
    .limit(500)
    .lean();
  let requeued = 0;
  for (const m of stale) {
    const conversation = await services.db.Conversation.findById(m.conversationId, { customerId: 1 }).lean();
    const jobId = inboundJobId(m.channel, m.channelMessageId);
    const existing = await services.queues.inbound.getJob(jobId);
    if (existing) {
      // Completed without answering (it found the message answered, then the answer was lost
      // with a crash), or failed for good (attempts or stalls used up) a while ago: run it again.
      // Waiting, running or delayed: leave it to that job.
      const state = await existing.getState();
      const failedLongAgo = state === 'failed' && Date.now() - (existing.finishedOn ?? 0) >= retryFailedAfterMs;
      if (state !== 'completed' && !failedLongAgo) continue;
      await existing.remove();
    }
    // Back in its conversation's line too (Redis may have lost it with the job), in seq order.
    await TurnOrder.of(services.queues).add(m.conversationId, m._id.toString(), m.seq);
    await services.queues.inbound.add(
      'turn',
      {
        messageId: m._id.toString(),
        conversationId: m.conversationId,
        channel: m.channel,
        channelMessageId: m.channelMessageId,
        externalUserId: m.author.id ?? '',
        customerId: conversation?.customerId ?? null,
        text: m.text,
        receivedAt: new Date(m.createdAt).getTime(),
        seq: m.seq,
        meta: (m.meta as Record<string, unknown> | null | undefined) ?? null,
        recovered: true,
      },
      { jobId },
    );
    requeued += 1;
  }
  return requeued;
}

export function startInboundRecovery(services: Pick<Services, 'db' | 'queues' | 'logger'>) {
  // At start-up nothing of ours is in flight, and the job id makes a re-add of a message that
  // another process is handling a no-op: so the first sweep takes every unhandled message.
  let olderThanMs = 0;
  const sweep = async () => {
    try {
      const n = await requeueStaleInbound(services, olderThanMs);
      olderThanMs = STALE_AFTER_MS;
      if (n) services.logger.warn({ requeued: n }, 'requeued inbound messages that had lost their job');
    } catch (err) {
      services.logger.error({ err }, 'inbound recovery sweep failed');
    }
  };
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  void sweep();
  return { stop: () => clearInterval(timer) };
}
