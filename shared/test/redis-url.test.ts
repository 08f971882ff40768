import { redisTarget } from '../src/redis-url';

describe('redisTarget', () => {
  it('passes one-server URLs through', () => {
    expect(redisTarget('redis://127.0.0.1:6379')).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(redisTarget('rediss://cache.example:6380/2')).toEqual({ url: 'rediss://cache.example:6380/2' });
  });

  it('reads a sentinel group: hosts, master name, password, db', () => {
    expect(redisTarget('redis-sentinel://:s%40cret@10.0.0.1:26379,10.0.0.2/bb-master?db=2&sentinelPassword=x')).toEqual({
      options: {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '10.0.0.2', port: 26379 },
        ],
        name: 'bb-master',
        password: 's@cret',
        sentinelPassword: 'x',
        db: 2,
      },
    });
  });

  it('reads IPv6 sentinels', () => {
    expect(redisTarget('redis-sentinel://[::1]:26380/m')).toEqual({
      options: { sentinels: [{ host: '::1', port: 26380 }], name: 'm' },
    });
  });

  it('refuses a group without a master name, a bad address or a bad db', () => {
    expect(() => redisTarget('redis-sentinel://10.0.0.1:26379')).toThrow(/master group/);
    expect(() => redisTarget('redis-sentinel://10.0.0.1:port/m')).toThrow(/invalid sentinel address/);
    expect(() => redisTarget('redis-sentinel://10.0.0.1/m?db=x')).toThrow(/db must be a number/);
  });
});
