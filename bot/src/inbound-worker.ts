import { Worker } from 'bullmq';
import type { FaqIndex } from '@brokerbot/flows';
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
import { BrokerBot } from './broker-bot';
import { HandoffGateMiddleware } from './handoff-gate-middleware';

import { QueueAdapter } from './queue-adapter';
import { TranscriptMiddleware } from './transcript-middleware';
import { startInboundRecovery } from './inbound-recovery';

/** Builds the engine: adapter + middleware (transcript first, so it sees every turn) + bot. */
export function createEngine(services: Services, faq: FaqIndex) {
  const adapter = new QueueAdapter(services);
  adapter.use(new TranscriptMiddleware(services));
  adapter.use(new HandoffGateMiddleware());
  const bot = new BrokerBot(services, faq);
  return {
    async handle(job: InboundJob): Promise<void> {
      const { db, metrics } = services;
      const stored = await db.Message.findById(job.messageId, { status: 1 }).lean();
      // Already handled: a redelivery after a crash or a recovery sweep. Nothing to do.
      if (!stored || stored.status !== 'received') return;
      const conversation = (await db.Conversation.findById(job.conversationId).lean()) as ConversationDoc | null;
      if (!conversation) throw new Error(`conversation ${job.conversationId} of message ${job.messageId} not found`);
      const end = metrics.botTurn.startTimer();
      await adapter.processInbound(job, conversation, (context) => bot.run(context));
      end();
    },
  };
}

/** The bot role: consumes the inbound queue. */
export function startBotRole(services: Services, faq: FaqIndex): RoleHandle {
  const engine = createEngine(services, faq);
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
      await worker.close();
      await connection.quit();
    },
  };
}
