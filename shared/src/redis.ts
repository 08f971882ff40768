import { Redis, type RedisOptions } from 'ioredis';
import { redisTarget } from './redis-url';

/**
 * A Redis connection as BullMQ workers need it: no per-request retry limit (a worker's
 * blocking calls must survive a Redis restart or a Sentinel failover and carry on).
 * `url` is REDIS_URL: one server (`redis://`, `rediss://`) or a Sentinel group
 * (`redis-sentinel://host:26379,host:26379/master`, see redisTarget).
 */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false, ...extra };
  const target = redisTarget(url);
  return 'url' in target ? new Redis(target.url, options) : new Redis({ ...target.options, ...options });
}
