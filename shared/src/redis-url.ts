import type { RedisOptions } from 'ioredis';

/** The URL schemes REDIS_URL accepts. */
export const REDIS_URL_PATTERN = /^(rediss?|redis-sentinel):\/\//;

/**
 * ioredis options for a REDIS_URL. Besides `redis://` and `rediss://` (one server), it accepts
 * a Redis Sentinel group, so that a failover moves every connection to the new master:
 *
 * @example
 * redisTarget('redis-sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379/bb-master?db=2')
 * // { sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
 * //   name: 'bb-master', password: 'secret', db: 2 }
 *
 * The password (and username) are the master's; `sentinelPassword` in the query string is the
 * sentinels' own, when they require one.
 */
export function redisTarget(url: string): { url: string } | { options: RedisOptions } {
  if (!url.startsWith('redis-sentinel://')) return { url };
  const rest = url.slice('redis-sentinel://'.length);
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const afterAuth = at >= 0 ? rest.slice(at + 1) : rest;
  const [hostsPart, pathAndQuery = ''] = splitOnce(afterAuth, '/');
  const [name, query = ''] = splitOnce(pathAndQuery, '?');
  if (!name) throw new Error('REDIS_URL: a redis-sentinel:// URL names the master group after the hosts, e.g. /mymaster');
  const sentinels = hostsPart.split(',').map((hostPort) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort.trim());
    if (!m) throw new Error(`REDIS_URL: invalid sentinel address "${hostPort}"`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 26379) };
  });
  const [username, password] = auth ? splitOnce(auth, ':') : ['', ''];
  const params = new URLSearchParams(query);
  const db = params.get('db');
  if (db !== null && !/^\d+$/.test(db)) throw new Error('REDIS_URL: db must be a number');
  return {
    options: {
      sentinels,
      name: decodeURIComponent(name),
      ...(username ? { username: decodeURIComponent(username) } : {}),
      ...(password ? { password: decodeURIComponent(password) } : {}),
      ...(params.get('sentinelPassword') ? { sentinelPassword: params.get('sentinelPassword')! } : {}),
      ...(db !== null ? { db: Number(db) } : {}),
    },
  };
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}
