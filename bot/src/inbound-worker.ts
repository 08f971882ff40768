import { DelayedError, Worker, type Job } from 'bullmq';
import {
  QUEUE_NAMES,
  createRedis,
  findIn,
  inboundDrainKey,
  InboundDrainCounter,
  inboundJobSchema,
  KeyedSerializer,
  TurnOrder,
  type Db,
  type InboundJob,
  type RoleHandle,
  type Services,
  WORKER_STALL_OPTIONS,
} from '@brokerbot/shared';
import type { Brain } from './brain';
import { BrokerBot } from './broker-bot';
import { ComplianceMiddleware } from './compliance-middleware';
import { HandoffGateMiddleware } from './handoff-gate-middleware';

import { QueueAdapter } from './queue-adapter';
import { TranscriptMiddleware } from './transcript-middleware';
import { startInboundRecovery } from './inbound-recovery';

/**
 * Builds the engine: adapter + middleware + bot. Compliance first (its send hook runs first, so
 * what is stored is what is sent), then the transcript (sees every turn), then the gate.
 */
export function createEngine(services: Services, brain: Brain) {
  const adapter = new QueueAdapter(services);
  adapter.use(new ComplianceMiddleware());
  adapter.use(new TranscriptMiddleware(services));
  adapter.use(new HandoffGateMiddleware(brain, services));
  const bot = new BrokerBot(services, brain);
  return {
    /**
     * `firstRun`: the job is being run for the first time (not retried, not back from a stall, not
     * re-added by the recovery sweep). The message is then certainly unanswered — ingest adds its
     * job only for an unanswered message, and only this job answers it — so its stored status is
     * not read and the channel's meta comes with the job: one database round trip less per message.
     */
    async handle(job: InboundJob, firstRun = false): Promise<void> {
      const { db, metrics, conversations } = services;
      const trustJob = firstRun && !job.recovered && job.meta !== undefined;
      // Every read at once: a handled message (a redelivery, rare) wastes them, every fresh one
      // saves round trips on the reply's critical path.
      const [stored, conversation, inputs] = await Promise.all([
        trustJob
          ? { status: 'received', meta: job.meta ?? null }
          : db.Message.findById(job.messageId, { status: 1, meta: 1 }).lean(),
        conversations.get(job.conversationId),
        bot.readInputs(job),
      ]);
      // Already handled: a redelivery after a crash or a recovery sweep. Nothing to do.
      if (!stored || stored.status !== 'received') return;
      if (!conversation) throw new Error(`conversation ${job.conversationId} of message ${job.messageId} not found`);
      const end = metrics.botTurn.startTimer();
      await adapter.processInbound(
        job,
        conversation,
        (context) => bot.run(context),
        (stored.meta as Record<string, unknown> | null) ?? null,
        inputs,
      );
      end();
    },
  };
}

/**
 * How a message waits for the earlier messages of its conversation (TurnOrder). Next in line it
 * waits in its worker slot for up to TURN_HOLD_MS (the predecessor is most likely being answered
 * right now); further back, or longer, it goes back to the queue as a delayed job, so waiting
 * holds no slot. Past TURN_MAX_WAIT_MS after its job was queued it is answered anyway.
 */
const TURN_MAX_WAIT_MS = 20_000;
const TURN_HOLD_MS = 1_000;
const TURN_NEXT_IN_LINE_RETRY_MS = 500;
const TURN_PER_MESSAGE_AHEAD_MS = 100;
const TURN_FAR_BACK_RETRY_MAX_MS = 1_000;

/** Of these message ids, the ones no longer waiting for the bot (answered, or not stored at all). */
async function settledMessages(db: Db, messageIds: string[]): Promise<string[]> {
  try {
    const pending = await findIn<{ _id: { toString(): string } }>(db.Message, '_id', messageIds, {
      where: { status: 'received' },
      projection: { _id: 1 },
    });
    const still = new Set(pending.map((m) => m._id.toString()));
    return messageIds.filter((id) => !still.has(id));
  } catch {
    return [];
  }
}

/** The bot role: consumes the inbound queue. */
export function startBotRole(services: Services, brain: Brain): RoleHandle {
  const engine = createEngine(services, brain);
  // Across processes, TurnOrder keeps a conversation's messages in seq order; within this one,
  // the serialiser also orders what the line does not (jobs without a seq, overdue messages).
  const order = TurnOrder.of(services.queues);
  const serializer = new KeyedSerializer();
  const connection = createRedis(services.config.REDIS_URL, 'bot-worker');
  // The gateways refuse app messages by how fast the bots answer (see inbound-drain.ts).
  const finished = new InboundDrainCounter(services.redis, inboundDrainKey(services.config.QUEUE_PREFIX)).start();

  /** true: the message's turn has come; false: the job went back to the queue (delayed) to come back later. */
  async function awaitTurn(job: Job<InboundJob>, data: InboundJob, token: string | undefined): Promise<boolean> {
    if (data.seq === undefined) return true; // a job queued before jobs carried their seq
    const turn = await order.waitForTurn(data.conversationId, data.seq, {
      since: job.timestamp,
      maxWaitMs: TURN_MAX_WAIT_MS,
      holdMs: TURN_HOLD_MS,
      settled: (ids) => settledMessages(services.db, ids),
    });
    if (turn.status === 'waiting') {
      const delay =
        turn.ahead.length > 1
          ? Math.min(TURN_FAR_BACK_RETRY_MAX_MS, TURN_PER_MESSAGE_AHEAD_MS * turn.ahead.length)
          : TURN_NEXT_IN_LINE_RETRY_MS;
      await job.moveToDelayed(Date.now() + delay, token);
      return false;
    }
    if (turn.status === 'overdue') {
      services.logger.warn(
        { conversationId: data.conversationId, messageId: data.messageId, skipped: turn.skipped, waitedMs: TURN_MAX_WAIT_MS },
        'answering a message before earlier ones of its conversation: they were not answered in time',
      );
    }
    return true;
  }

  const worker = new Worker<InboundJob>(
    QUEUE_NAMES.inbound,
    async (job, token) => {
      const data = inboundJobSchema.parse(job.data);
      if (!(await awaitTurn(job, data, token))) throw new DelayedError();
      try {
        await serializer.run(data.conversationId, () => engine.handle(data, job.attemptsStarted <= 1));
      } catch (err) {
        // Failed for good: the later messages of the conversation stop waiting for this one.
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
          await order.done(data.conversationId, data.messageId).catch(() => undefined);
        }
        throw err;
      }
      // Answered, or found answered already (a redelivery): the next message's turn.
      await order.done(data.conversationId, data.messageId);
      finished.note();
    },
    {
      ...WORKER_STALL_OPTIONS,
      connection,
      prefix: services.config.QUEUE_PREFIX,
      concurrency: services.config.INBOUND_CONCURRENCY,
    },
  );
  worker.on('failed', (job, err) =>
    services.logger.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'inbound job failed'),
  );
  worker.on('error', (err) => services.logger.error({ err }, 'inbound worker error'));
  const recovery = startInboundRecovery(services);
  return {
    name: 'bot',
    async stop() {
      recovery.stop();
      brain.close();
      await worker.close();
      await finished.stop();
      await connection.quit();
    },
  };
}
