import { UnrecoverableError, Worker } from 'bullmq';
import {
  QUEUE_NAMES,
  countForDashboard,
  emitConversationMessage,
  KeyedSerializer,
  messageFromSnapshot,
  createRedis,
  outboundJobSchema,
  type MessageDoc,
  type OutboundJob,
  type RoleHandle,
  type Services,
  WORKER_STALL_OPTIONS,
} from '@brokerbot/shared';
import type { ChannelSenders } from './channel-set';
import { markDeliveryFailed, PermanentDeliveryError } from './delivery-failure';
import { startOutboundRecovery, type OutboundRecoveryOptions } from './outbound-recovery';

/** How long an app emit's claim (and so its "emitted" mark) is kept. */
const EMIT_CLAIM_TTL_MS = 24 * 3600_000;
/**
 * A claim taken this long ago whose emit was never confirmed is taken as dead (its worker died
 * between claim and emit). A dead worker's job comes back once its lock has lapsed
 * (WORKER_STALL_OPTIONS.lockDuration after its last renewal), so a claim as old as the lock lets
 * that run through without waiting longer.
 */
const EMIT_RECLAIM_AFTER_MS = WORKER_STALL_OPTIONS.lockDuration;

const CLAIM_EMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('GET', KEYS[1])
if v then
  if string.sub(v, 1, 8) == 'emitted:' then return 'emitted' end
  local at = tonumber(string.sub(v, 9))
  if at and now - at < tonumber(ARGV[1]) then return 'busy' end
end
redis.call('SET', KEYS[1], 'claimed:' .. string.format('%d', now), 'PX', ARGV[2])
return 'claimed'`;

export type EmitClaim = 'claimed' | 'emitted' | 'busy';

type ClaimDeps = Pick<Services, 'redis' | 'config'>;

const emitKey = (services: ClaimDeps, messageId: string) => `${services.config.QUEUE_PREFIX}:app-emit:${messageId}`;

/**
 * Claims the emit of an app message (its outbound id) to the client's sockets. "claimed": ours
 * to emit now; "emitted": an earlier delivery emitted it (do not emit again); "busy": another
 * delivery claimed it less than `reclaimAfterMs` ago and has not confirmed its emit yet. An
 * unconfirmed claim older than that is taken over ("claimed"). Times are Redis's clock.
 */
export async function claimAppEmit(
  services: ClaimDeps,
  messageId: string,
  reclaimAfterMs = EMIT_RECLAIM_AFTER_MS,
): Promise<EmitClaim> {
  return (await services.redis.eval(CLAIM_EMIT, 1, emitKey(services, messageId), reclaimAfterMs, EMIT_CLAIM_TTL_MS)) as EmitClaim;
}

/**
 * Marks the claimed emit done. It goes on the connection the emitter publishes on
 * (services.redis, as the composition root builds them), after the publish: once it is
 * acknowledged, Redis has taken the publish.
 */
async function confirmAppEmit(services: ClaimDeps, messageId: string): Promise<void> {
  await services.redis.set(emitKey(services, messageId), `emitted:${Date.now()}`, 'PX', EMIT_CLAIM_TTL_MS);
}

export interface DeliverOptions {
  /** See claimAppEmit (default: the workers' lock duration, 8 s). */
  reclaimEmitAfterMs?: number;
}

/**
 * Delivers stored outgoing messages on their channel. The trading app's sockets live in the
 * gateway; we reach them through the Socket.IO Redis emitter, so this role can run anywhere.
 * WeCom and the mini-program go through their senders (HTTP to Tencent). Delivery is
 * idempotent: a message already "sent" (or given up as "failed") is not sent again.
 *
 * The trading app's guarantee. A message becomes durable when it is stored ("queued"); from then
 * on it is emitted to the client's sockets at least once, and once only except in the narrow
 * cases named below:
 * - Before emitting, a delivery claims the emit in Redis (`SET NX`-like, kept a day) and marks it
 *   "emitted" right after the publish; the status write ("sent") comes last. A delivery retried
 *   after a failed status write (database down) finds the emit done and only writes the status,
 *   however long the outage lasted: the client does not see the reply twice.
 * - A delivery that died between its claim and its emit leaves an unconfirmed claim: a retry
 *   within `reclaimEmitAfterMs` fails and backs off ("busy", not marked sent), a later one (the
 *   stalled job coming back, or the recovery sweep) takes the claim over and emits.
 * - It can be emitted twice only if a delivery died, or Redis failed, after the publish but before
 *   the "emitted" mark was acknowledged (and then only after `reclaimEmitAfterMs`), or if Redis
 *   lost its data while the message's status write was still failing.
 * - A lost job (Redis restarted without its data) is added again by the recovery sweep
 *   (outbound-recovery.ts) a few seconds later.
 * An emit reaches the sockets connected at that moment; a client that was offline (or whose
 * gateway missed the publish) gets the message from `history` when it (re)connects, as stored.
 */
export async function deliver(
  services: Pick<Services, 'db' | 'emitter' | 'metrics' | 'redis' | 'config' | 'queues'>,
  job: OutboundJob,
  senders: ChannelSenders = {},
  options: DeliverOptions = {},
): Promise<void> {
  // An app job carries its message: the emit claim below, not a read, tells a retry it was emitted.
  const message = job.message
    ? messageFromSnapshot({ ...job, message: job.message })
    : ((await services.db.Message.findOne({
        channel: job.channel,
        channelMessageId: job.messageId,
      }).lean()) as MessageDoc | null);
  if (!message) throw new Error(`outbound message ${job.messageId} not found`);
  if (message.status === 'sent' || message.status === 'failed') return;
  let delivered: MessageDoc[];
  switch (job.channel) {
    case 'app': {
      const claim = await claimAppEmit(services, message.channelMessageId, options.reclaimEmitAfterMs);
      // Not marked sent: if that delivery died before its emit, a later retry must still emit.
      if (claim === 'busy') throw new Error(`app message ${job.messageId} is being emitted by another delivery`);
      if (claim === 'claimed') {
        // The app's sockets are in the conversation's room; advisors and supervisors on the chat see it too.
        emitConversationMessage(services.emitter, { ...message, status: 'sent' });
        await confirmAppEmit(services, message.channelMessageId);
      }
      delivered = [message];
      break;
    }
    default: {
      const sender = senders[job.channel];
      if (!sender) throw new Error(`channel ${job.channel} has no sender configured`);
      try {
        delivered = await sender.deliver(message, job);
      } catch (err) {
        // Retrying cannot help (window closed, budget used up, session state): say why, do not retry.
        if (!(err instanceof PermanentDeliveryError)) throw err;
        await markDeliveryFailed(services, err.messages.length ? err.messages : [message], err.reason, err.code);
        throw new UnrecoverableError(err.message);
      }
      // The chat's screens (advisor, supervisors) see each message as delivered.
      for (const m of delivered) emitConversationMessage(services.emitter, { ...m, status: 'sent' });
    }
  }
  for (const m of delivered) {
    await services.db.Message.updateOne(
      { channel: m.channel, channelMessageId: m.channelMessageId, status: { $ne: 'sent' } },
      { $set: { status: 'sent' } },
    );
    services.metrics.messagesOut.inc({ channel: job.channel, author: m.author.kind });
    await countForDashboard(services.queues, {
      kind: 'message',
      messageId: `${m.channel}:${m.channelMessageId}`,
      conversationId: job.conversationId,
      channel: job.channel,
      author: m.author.kind,
    });
  }
  if (job.inReplyToReceivedAt) services.metrics.replyLatency.observe((Date.now() - job.inReplyToReceivedAt) / 1000);
}

export interface OutboundRoleOptions extends DeliverOptions {
  /** The sweep that re-adds jobs of stored messages that lost theirs (tests make it fast). */
  recovery?: OutboundRecoveryOptions;
}

export function startOutboundRole(
  services: Services,
  senders: ChannelSenders = {},
  options: OutboundRoleOptions = {},
): RoleHandle {
  const { recovery: recoveryOptions, ...deliverOptions } = options;
  const connection = createRedis(services.config.REDIS_URL, 'outbound-worker');
  // Jobs start in queue order; serialising per conversation keeps a client's messages in seq order.
  const serializer = new KeyedSerializer();
  const worker = new Worker<OutboundJob>(
    QUEUE_NAMES.outbound,
    async (job) => {
      const data = outboundJobSchema.parse(job.data);
      await serializer.run(data.conversationId, () => deliver(services, data, senders, deliverOptions));
    },
    { ...WORKER_STALL_OPTIONS, connection, prefix: services.config.QUEUE_PREFIX, concurrency: 32 },
  );
  worker.on('failed', (job, err) => services.logger.error({ err, jobId: job?.id }, 'outbound delivery failed'));
  worker.on('error', (err) => services.logger.error({ err }, 'outbound worker error'));
  const recovery = startOutboundRecovery(services, recoveryOptions);
  return {
    name: 'outbound',
    async stop() {
      await recovery.stop();
      await worker.close();
      await connection.quit();
    },
  };
}
