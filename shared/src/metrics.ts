import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one process. With all roles in one process (the default) one
 * scrape of /metrics shows everything; with roles split, each process has its own.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bb_' });
  const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  return {
    registry,
    messagesIn: new Counter({
      name: 'bb_messages_in_total',
      help: 'Client messages accepted',
      labelNames: ['channel', 'duplicate'] as const,
      registers: [registry],
    }),
    messagesRefused: new Counter({
      name: 'bb_messages_refused_total',
      help: 'Trading-app messages refused with busy (the client resends): too many in flight, or the bot is behind',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    messagesOut: new Counter({
      name: 'bb_messages_out_total',
      help: 'Messages delivered to clients',
      labelNames: ['channel', 'author'] as const,
      registers: [registry],
    }),
    escalations: new Counter({
      name: 'bb_escalations_total',
      help: 'Conversations handed to a human',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'bb_queue_depth',
      help: 'Jobs waiting or delayed per queue',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
    botTurn: new Histogram({
      name: 'bb_bot_turn_seconds',
      help: "The bot's own work per message",
      buckets: latencyBuckets,
      registers: [registry],
    }),
    replyLatency: new Histogram({
      name: 'bb_reply_latency_seconds',
      help: 'Client message received → reply emitted',
      buckets: latencyBuckets,
      registers: [registry],
    }),
    dbCommands: new Counter({
      name: 'bb_db_commands_total',
      help: 'Commands sent to the database (round trips), by command and collection',
      labelNames: ['command', 'collection'] as const,
      registers: [registry],
    }),
    dbCommandSeconds: new Counter({
      name: 'bb_db_command_seconds_total',
      help: 'Round-trip time of database commands on their connection, summed, by command and collection',
      labelNames: ['command', 'collection'] as const,
      registers: [registry],
    }),
    dbPoolWaits: new Counter({
      name: 'bb_db_pool_waits_total',
      help: 'Database operations that asked the driver for a connection',
      registers: [registry],
    }),
    dbPoolWaitSeconds: new Counter({
      name: 'bb_db_pool_wait_seconds_total',
      help: 'Time database operations waited for a connection of the driver pool, summed',
      registers: [registry],
    }),
    offerLatency: new Histogram({
      name: 'bb_handoff_offer_latency_seconds',
      help: 'Escalation → offer emitted to an advisor',
      buckets: latencyBuckets,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
