import type { Redis } from 'ioredis';
import type { Config } from './config';
import type { ConversationCache } from './conversation-cache';
import type { Emitter } from './emitter';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { Db } from './models/db';
import type { Queues } from './queues';
import type { SequenceAllocator } from './sequence';

/** What every role is given at start: connections are made once per process and shared. */
export interface Services {
  config: Config;
  db: Db;
  /** Connection for queues and workers' commands. */
  redis: Redis;
  queues: Queues;
  /** Per-conversation message sequence numbers. */
  seq: SequenceAllocator;
  /** Conversations as the message path reads them (a Redis copy kept right by `transition()`). */
  conversations: ConversationCache;
  emitter: Emitter;
  metrics: Metrics;
  logger: Logger;
}

/** A started role; stop() drains in-flight work and closes what the role opened. */
export interface RoleHandle {
  name: string;
  stop(): Promise<void>;
}
