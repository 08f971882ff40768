import { loadBrain, startBotRole } from '@brokerbot/bot';
import { createChannels, createGateway, startOutboundRole, type ChannelSet } from '@brokerbot/channels';
import {
  AdvisorSessions,
  mountConsole,
  startDashboardRole,
  startQualityRole,
  startRetentionRole,
  startRouterRole,
  startTranscriptIndexRole,
} from '@brokerbot/agent-console';
import {
  connectDb,
  createEmitter,
  createLogger,
  createMetrics,
  createQueues,
  createRedis,
  entryOfChange,
  feedTranscriptIndex,
  seedDemo,
  SequenceAllocator,
  ConversationCache,
  type Config,
  type Logger,
  type RoleHandle,
  type Services,
} from '@brokerbot/shared';

/**
 * The composition root: makes the shared connections once and starts the roles named in
 * config.ROLES in this process. `npm start` runs all of them; production can run each role
 * in its own process (ROLES=gateway, ROLES=bot …) against the same Redis and database.
 */
export interface System {
  services: Services;
  /** The WeCom / mini-program channels (each may be disabled) and, in demo mode, their simulators. */
  channels: ChannelSet;
  /** Base URL of the gateway, when this process runs it. */
  url: string | null;
  port: number | null;
  stop(): Promise<void>;
}

export async function startSystem(
  config: Config,
  options: {
    logger?: Logger;
    seed?: boolean;
    /** Channel variables (WECOM_*, MINIPROGRAM_* …); default process.env. */ env?: NodeJS.ProcessEnv;
  } = {},
): Promise<System> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const db = await connectDb(config.MONGODB_URI, {
    ferretPostgresUrl: config.FERRETDB_POSTGRESQL_URL,
    maxPoolSize: config.MONGODB_MAX_POOL_SIZE,
    logger,
    onCommand: (command, collection) => metrics.dbCommands.inc({ command, collection }),
    onCommandDone: (command, collection, seconds) => metrics.dbCommandSeconds.inc({ command, collection }, seconds),
    onPoolWait: (seconds) => {
      metrics.dbPoolWaits.inc();
      metrics.dbPoolWaitSeconds.inc(seconds);
    },
  });
  const redis = createRedis(config.REDIS_URL, 'main');
  const services: Services = {
    config,
    db,
    redis,
    queues: createQueues(redis, config.QUEUE_PREFIX),
    seq: new SequenceAllocator(redis, db, config.QUEUE_PREFIX),
    conversations: new ConversationCache(redis, config.QUEUE_PREFIX, db),
    emitter: createEmitter(redis, config.QUEUE_PREFIX),
    metrics,
    logger,
  };
  // 会话记录 search's index hears of each conversation change before it is written: a row summary
  // computed earlier is then known to be out of date without reading the conversation.
  db.conversationWrites.before((c) => feedTranscriptIndex(services.queues, entryOfChange(c)));
  if (options.seed ?? config.DEMO_MODE) await seedDemo(db);
  const channels = await createChannels(services, options.env ?? process.env);

  const roles: RoleHandle[] = [];
  let url: string | null = null;
  let port: number | null = null;
  // Advisor tokens are revocable: the console's namespace and the advisor HTTP routes check the account.
  let sessions: AdvisorSessions | null = null;
  try {
    if (config.ROLES.includes('gateway')) {
      const advisorSessions = new AdvisorSessions(services);
      sessions = advisorSessions;
      const gateway = createGateway(services, channels, {
        verifyAdvisor: (token) => advisorSessions.verify(token),
      });
      const consoleHandle = mountConsole(gateway.app, gateway.io, services, advisorSessions);
      port = await gateway.listen(config.PORT);
      url = `http://127.0.0.1:${port}`;
      await channels.startGateway(url);
      roles.push({
        name: 'gateway',
        async stop() {
          consoleHandle.stop();
          try {
            await gateway.close();
          } finally {
            await advisorSessions.stop();
          }
        },
      });
    }
    if (config.ROLES.includes('bot')) roles.push(startBotRole(services, loadBrain(config, logger)));
    if (config.ROLES.includes('router')) roles.push(startRouterRole(services));
    // The dashboard's finished hours are sealed into the database by the router role's processes.
    if (config.ROLES.includes('router')) roles.push(startDashboardRole(services));
    // 会话记录 search's index is written from the messages' stream by the router role's processes.
    if (config.ROLES.includes('router')) roles.push(startTranscriptIndexRole(services));
    if (config.ROLES.includes('outbound')) roles.push(startOutboundRole(services, channels.senders));
    if (config.ROLES.includes('quality')) roles.push(startQualityRole(services));
    // The daily retention purge (RETENTION_DAYS, legal holds) runs with the other compliance work.
    if (config.ROLES.includes('quality')) roles.push(startRetentionRole(services));
  } catch (err) {
    await Promise.allSettled(roles.map((r) => r.stop()));
    await sessions?.stop();
    await channels.stop().catch(() => undefined);
    throw err;
  }
  logger.info({ roles: roles.map((r) => r.name), url }, 'started');

  return {
    services,
    channels,
    url,
    port,
    async stop() {
      // Gateway first (no new messages), then workers finish what they hold, then connections.
      for (const role of roles) {
        await role.stop().catch((err) => logger.error({ err, role: role.name }, 'role did not stop cleanly'));
      }
      await channels.stop().catch((err) => logger.error({ err }, 'channels did not stop cleanly'));
      await services.queues.close();
      await redis.quit().catch(() => undefined);
      await db.close();
    },
  };
}
