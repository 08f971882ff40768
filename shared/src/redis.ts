import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ workers need it: no per-request retry limit (a worker's
 * blocking calls must survive a Redis restart and carry on).
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}
