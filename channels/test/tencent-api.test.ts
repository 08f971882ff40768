import { createLogger, type Config } from '@brokerbot/shared';
import { MiniProgramSimulator, WecomKfSimulator } from '../src/simulators';
import { newEncodingAESKey } from '../src/simulators/demo';
import { createMpApi } from '../src/miniprogram/mp-api';
import { TencentApiError } from '../src/tencent/api-client';
import { RateLimiter } from '../src/tencent/rate-limiter';
import { createKfApi } from '../src/wecom/kf-api';
import { testRedis } from './support/redis';

/** The Tencent HTTP client against the simulators and real Redis: tokens, retries, rate limit. */
const KF = 'wkApiTest0000000000000000000000001';
const logger = createLogger('silent');

describe('Tencent API client', () => {
  const r = testRedis();
  let sim: WecomKfSimulator;
  const settings = {
    corpId: 'wwapitest0000001',
    secret: 'kf-secret',
    token: 'token',
    aesKey: newEncodingAESKey(),
    openKfIds: [KF],
    apiBase: '',
    handoffMode: 'proxy' as const,
  };
  /** One kf API client per "process": each has its own in-process cache over the shared Redis. */
  const processClient = () =>
    createKfApi({ redis: r.redis, logger, config: { QUEUE_PREFIX: r.prefix } as Config }, { ...settings, apiBase: sim.url });
  const tokenCalls = () => sim.calls.filter((c) => c.path === '/cgi-bin/gettoken').length;

  beforeAll(async () => {
    sim = await WecomKfSimulator.start({
      corpId: settings.corpId,
      corpSecret: settings.secret,
      openKfIds: [KF],
      callback: { token: 'token', encodingAESKey: settings.aesKey },
    });
  });
  afterAll(async () => {
    await sim.stop();
    await r.cleanUp();
  });

  it('fetches one access_token for every process, however many calls start at once', async () => {
    const [a, b] = [processClient(), processClient()];
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).syncMsg({ openKfId: KF })));
    expect(tokenCalls()).toBe(1);
    // A third process later uses the token in Redis.
    await processClient().syncMsg({ openKfId: KF });
    expect(tokenCalls()).toBe(1);
  });

  it('refetches once when WeCom refuses the token (42001 expired, 40014 invalid)', async () => {
    const api = processClient();
    for (const [refuse, errcode] of [
      [() => sim.expireAccessTokens(), 42001],
      [() => sim.revokeAccessTokens(), 40014],
    ] as const) {
      refuse();
      const before = tokenCalls();
      const since = sim.calls.length;
      await Promise.all(Array.from({ length: 5 }, () => api.syncMsg({ openKfId: KF })));
      expect(tokenCalls()).toBe(before + 1);
      expect(sim.calls.slice(since).some((c) => c.response.errcode === errcode)).toBe(true);
    }
  });

  it('retries "system busy" (-1) a bounded number of times', async () => {
    const api = processClient();
    sim.injectBusy(2, '/cgi-bin/kf/sync_msg');
    await expect(api.syncMsg({ openKfId: KF })).resolves.toMatchObject({ hasMore: false });
    sim.injectBusy(10, '/cgi-bin/kf/sync_msg');
    await expect(api.syncMsg({ openKfId: KF })).rejects.toMatchObject({ errcode: -1 });
    const busyAnswers = sim.calls.filter((c) => c.path === '/cgi-bin/kf/sync_msg' && c.response.errcode === -1).length;
    expect(busyAnswers).toBe(2 + 4); // 2, then the first try and 3 retries
  });

  it('hands any other errcode to the caller as a TencentApiError', async () => {
    const err = await processClient()
      .sendMsg({ touser: 'wmNobody', open_kfid: KF, msgtype: 'text', text: { content: 'hi' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TencentApiError);
    expect(err).toMatchObject({ errcode: 40096 });
  });

  it('waits for the next window rather than exceed the per-API rate limit', async () => {
    const limiter = new RateLimiter(r.redis, `${r.prefix}:rl`, [{ ms: 500, limit: 3 }]);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      await limiter.take('/cgi-bin/kf/send_msg');
      times.push(Date.now());
    }
    const windows = times.map((t) => Math.floor(t / 500));
    for (const w of new Set(windows)) expect(windows.filter((x) => x === w).length).toBeLessThanOrEqual(3);
    expect(new Set(windows).size).toBeGreaterThanOrEqual(2);
  });

  it('gets the mini-program token from stable_token and refetches it when refused (40001)', async () => {
    const appId = 'wxapitest00000001';
    const mp = await MiniProgramSimulator.start({ appId, appSecret: 'mp-secret', push: { token: 'token' } });
    try {
      const api = createMpApi(
        { redis: r.redis, logger, config: { QUEUE_PREFIX: r.prefix } as Config },
        { appId, secret: 'mp-secret', token: 'token', aesKey: null, apiBase: mp.url },
      );
      // An unknown openid: the call got past the token check.
      await expect(api.send({ touser: 'oNobody', msgtype: 'text', text: { content: 'hi' } })).rejects.toMatchObject({
        errcode: 40003,
      });
      mp.revokeAccessTokens();
      await expect(api.send({ touser: 'oNobody', msgtype: 'text', text: { content: 'hi' } })).rejects.toMatchObject({
        errcode: 40003,
      });
      const paths = mp.calls.map((c) => `${c.path} ${c.response.errcode}`);
      expect(paths).toEqual([
        '/cgi-bin/stable_token 0',
        '/cgi-bin/message/custom/send 40003',
        '/cgi-bin/message/custom/send 40001',
        '/cgi-bin/stable_token 0',
        '/cgi-bin/message/custom/send 40003',
      ]);
    } finally {
      await mp.stop();
    }
  });
});
