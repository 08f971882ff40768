import { Worker } from 'bullmq';
import {
  QUEUE_NAMES,
  createRedis,
  inboundJobSchema,
  KeyedSerializer,
  type ConversationDoc,
  type InboundJob,
  type RoleHandle,
  type Services,
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
    async handle(job: InboundJob): Promise<void> {
      const { db, metrics } = services;
      // Every read at once: a handled message (a redelivery, rare) wastes them, every fresh one
      // saves two round trips on the reply's critical path.
      const [stored, conversation, inputs] = await Promise.all([
        db.Message.findById(job.messageId, { status: 1, meta: 1 }).lean(),
        db.Conversation.findById(job.conversationId).lean() as Promise<ConversationDoc | null>,
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

/** The bot role: consumes the inbound queue. */
export function startBotRole(services: Services, brain: Brain): RoleHandle {
  const engine = createEngine(services, brain);
  const serializer = new KeyedSerializer();
  const connection = createRedis(services.config.REDIS_URL, 'bot-worker');
  const worker = new Worker<InboundJob>(
    QUEUE_NAMES.inbound,
    async (job) => {
      const data = inboundJobSchema.parse(job.data);
      await serializer.run(data.conversationId, () => engine.handle(data));
    },
    { connection, prefix: services.config.QUEUE_PREFIX, concurrency: services.config.INBOUND_CONCURRENCY },
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
      await connection.quit();
    },
  };
}
