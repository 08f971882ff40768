import { createLogger, type Config, type Logger } from '@brokerbot/shared';
import { MINUTE, WecomKfSimulator, type KfMessage } from '../src/simulators';
import { TENCENT_RATE_LIMITS } from '../src/simulators/api-guard';
import { newEncodingAESKey } from '../src/simulators/demo';
import { FencedLock } from '../src/tencent/fenced-lock';
import { createKfApi, type KfApi, type KfItem } from '../src/wecom/kf-api';
import { KfPuller } from '../src/wecom/kf-puller';
import { testRedis } from './support/redis';

/**
 * The kf puller against the qyapi simulator and real Redis. The handler (what stores and queues
 * an item in the product) is the puller's input here, so that a test can make it fail or stall.
 */
const KF = 'wkPullerTest000000000000000000001';
const logger = createLogger('silent');

describe('kf sync_msg puller', () => {
  const r = testRedis();
  let sim: WecomKfSimulator;
  let kf: KfApi;
  const pullers: KfPuller[] = [];

  beforeAll(async () => {
    const settings = {
      corpId: 'wwpullertest0001',
      secret: 'secret',
      token: 'token',
      aesKey: newEncodingAESKey(),
      openKfIds: [KF],
      apiBase: '',
      handoffMode: 'proxy' as const,
    };
    sim = await WecomKfSimulator.start({
      corpId: settings.corpId,
      corpSecret: settings.secret,
      openKfIds: [KF],
      callback: { token: settings.token, encodingAESKey: settings.aesKey },
    });
    kf = createKfApi({ redis: r.redis, logger, config: { QUEUE_PREFIX: r.prefix } as Config }, { ...settings, apiBase: sim.url });
  });
  afterEach(async () => {
    await Promise.all(pullers.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await sim.stop();
    await r.cleanUp();
  });

  /** A puller as one gateway process has it, on a key space of its own per test. */
  function puller(
    keyPrefix: string,
    handle: (item: KfItem) => Promise<void>,
    deps: { kf?: KfApi; logger?: Logger } = {},
  ): KfPuller {
    const p = new KfPuller({ redis: r.redis, logger, kf, keyPrefix, handle, ...deps }, [KF]);
    pullers.push(p);
    return p;
  }

  async function waitFor(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The puller's log lines at warn and above, as an operator reads them. */
  function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
    const lines: Record<string, unknown>[] = [];
    return { lines, logger: createLogger('warn', 'test', { write: (line: string) => void lines.push(JSON.parse(line)) }) };
  }

  const write = async (user: string, text: string) =>
    (await sim.simulateClientMessage({ externalUserId: user, text })).message.msgid;
  const servedMsgids = (since: number) =>
    sim.calls
      .slice(since)
      .filter((c) => c.path === '/cgi-bin/kf/sync_msg')
      .flatMap((c) => (c.response.msg_list as KfMessage[]).map((m) => m.msgid));

  it('moves the cursor only after a page is handled: an item whose handling failed is read again', async () => {
    const prefix = `${r.prefix}:t1`;
    const ids = [await write('wmP1', '一'), await write('wmP1', '二'), await write('wmP1', '三')];
    const handled: string[] = [];
    let failed = false;
    const p = puller(prefix, async (item) => {
      if (item.msgid === ids[1] && !failed) {
        failed = true;
        throw new Error('database unavailable');
      }
      handled.push(item.msgid);
    });
    await p.start();
    await waitFor(() => ids.every((id) => handled.includes(id)), 'every item handled');
    await p.idle();
    // The first item was handled again after the failure (at least once, never lost); none was skipped.
    expect(handled.filter((id) => id === ids[0]).length).toBe(2);
    expect(handled.filter((id) => id === ids[1]).length).toBe(1);
    expect(handled.filter((id) => id === ids[2]).length).toBe(1);
    expect(await r.redis.get(`${prefix}:kf:${KF}:cursor`)).toBeTruthy();
  });

  it('lets one puller at a time pull; a callback that finds the lock held is honoured by the holder', async () => {
    const prefix = `${r.prefix}:t2`;
    const holderHandled: string[] = [];
    const otherHandled: string[] = [];
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const holder = puller(prefix, async (item) => {
      if (holderHandled.length === 0) await stalled; // holds the lock while "storing" the first item
      holderHandled.push(item.msgid);
    });
    const other = puller(prefix, async (item) => void otherHandled.push(item.msgid));
    const since = sim.calls.length;
    const first = await write('wmP2', '甲');
    await holder.notify(KF, undefined);
    await waitFor(
      async () => (await r.redis.exists(`${prefix}:kf:${KF}:lock`)) === 1 && servedMsgids(since).includes(first),
      'the holder to pull',
    );
    const second = await write('wmP2', '乙');
    // Another gateway's callback: the lock is held, so it only leaves the "pull again" flag.
    await other.notify(KF, undefined);
    await other.idle();
    expect(await r.redis.exists(`${prefix}:kf:${KF}:pull-again`)).toBe(1);
    release();
    await waitFor(() => holderHandled.includes(second), 'the holder to pull again');
    await holder.idle();
    expect(otherHandled).toEqual([]);
    expect(holderHandled.filter((id) => id === first || id === second)).toEqual([first, second]);
    // No page was served twice.
    const served = servedMsgids(since).filter((id) => id === first || id === second);
    expect(served).toEqual([first, second]);
  });

  it('takes over once a dead holder’s lock expires', async () => {
    const prefix = `${r.prefix}:t3`;
    await r.redis.set(`${prefix}:kf:${KF}:lock`, '41', 'PX', 1500); // a process that died holding it
    const id = await write('wmP3', '丙');
    const handled: string[] = [];
    const p = puller(prefix, async (item) => void handled.push(item.msgid));
    const started = Date.now();
    await p.notify(KF, undefined);
    await waitFor(() => handled.includes(id), 'the pull after the lock expired');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('fences writes: a holder whose lock expired cannot move the cursor its successor owns', async () => {
    const lock = new FencedLock(r.redis, `${r.prefix}:t4:lock`, 300);
    const stale = (await lock.acquire())!;
    expect(await lock.acquire()).toBeNull();
    await waitFor(async () => (await lock.remainingMs()) === 0, 'the lock to expire');
    const current = (await lock.acquire())!;
    expect(current).toBeGreaterThan(stale);
    expect(await lock.guardedSet(stale, `${r.prefix}:t4:cursor`, 'old')).toBe(false);
    expect(await lock.guardedSet(current, `${r.prefix}:t4:cursor`, 'new')).toBe(true);
    await lock.release(stale); // not its lock any more: nothing happens
    expect(await lock.renew(current)).toBe(true);
    expect(await r.redis.get(`${r.prefix}:t4:cursor`)).toBe('new');
  });

  describe('a stored cursor the platform rejects (40058)', () => {
    const REJECTED = 'kf sync_msg rejected the stored cursor; dropping it and syncing again without a cursor';
    const syncCalls = (simulator: WecomKfSimulator) =>
      // Calls refused for the access_token (a restarted platform does not know ours) are not syncs.
      simulator.calls.filter((c) => c.path === '/cgi-bin/kf/sync_msg' && ![40014, 42001].includes(c.response.errcode));

    it('after the platform restarted: drops the cursor, syncs again without one with the callback Token, answers once', async () => {
      const prefix = `${r.prefix}:t5`;
      const cursorKey = `${prefix}:kf:${KF}:cursor`;
      const corp = { corpId: 'wwpullerrestart01', corpSecret: 'secret' };
      const settings = { ...corp, secret: corp.corpSecret, token: 'token', aesKey: newEncodingAESKey() };
      const startPlatform = () =>
        WecomKfSimulator.start({
          ...corp,
          openKfIds: [KF],
          callback: { token: settings.token, encodingAESKey: settings.aesKey },
        });
      const kfOf = (platform: WecomKfSimulator) =>
        createKfApi(
          { redis: r.redis, logger, config: { QUEUE_PREFIX: r.prefix } as Config },
          { ...settings, openKfIds: [KF], apiBase: platform.url, handoffMode: 'proxy' as const },
        );
      const handled: string[] = [];
      const handle = async (item: KfItem) => void handled.push(item.msgid);

      // Before the restart: one message pulled and handled; the cursor after it is stored.
      const before = await startPlatform();
      const first = await before.simulateClientMessage({ externalUserId: 'wmP5', text: '一' });
      const p1 = puller(prefix, handle, { kf: kfOf(before) });
      await p1.notify(KF, first.syncToken);
      await waitFor(() => handled.includes(first.message.msgid), 'the first message handled');
      await p1.stop();
      await before.stop();
      const stale = await r.redis.get(cursorKey);
      expect(stale).toBeTruthy();

      // A new platform instance (empty log) that never issued that cursor; a client writes.
      const after = await startPlatform();
      try {
        const log = capturedLogger();
        const p2 = puller(prefix, handle, { kf: kfOf(after), logger: log.logger });
        const second = await after.simulateClientMessage({ externalUserId: 'wmP5', text: '二' });
        await p2.notify(KF, second.syncToken);
        await waitFor(() => handled.includes(second.message.msgid), 'the message written after the restart handled');
        await p2.idle();

        const [refused, restarted, ...rest] = syncCalls(after);
        expect(rest).toEqual([]);
        // Tencent's answer to a cursor it never issued…
        expect(refused!.body).toMatchObject({ cursor: stale, token: second.syncToken });
        expect(refused!.response.errcode).toBe(40058);
        expect(refused!.response.errmsg).toMatch(
          /^invalid cursor\. invalid Request Parameter, hint: \[\d{25}\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40058$/,
        );
        // …then the same sync without a cursor, with the callback's Token.
        expect(restarted!.body).not.toHaveProperty('cursor');
        expect(restarted!.body).toMatchObject({ token: second.syncToken, open_kfid: KF });
        expect(restarted!.response.errcode).toBe(0);
        // One warning naming the kf account; no error.
        expect(log.lines.map((l) => [l.level, l.msg, l.openKfId])).toEqual([[40, REJECTED, KF]]);

        // The new cursor is the new platform's: the next message is read from it, nothing twice.
        const current = await r.redis.get(cursorKey);
        expect(current).toBeTruthy();
        expect(current).not.toBe(stale);
        const third = await after.simulateClientMessage({ externalUserId: 'wmP5', text: '三' });
        await p2.notify(KF, third.syncToken);
        await waitFor(() => handled.includes(third.message.msgid), 'the next message handled');
        await p2.idle();
        expect(handled).toEqual([first.message.msgid, second.message.msgid, third.message.msgid]);
        const last = syncCalls(after).at(-1)!;
        expect(last.body.cursor).toBe(current);
        expect(last.response.errcode).toBe(0);
        expect(log.lines).toHaveLength(1);
      } finally {
        await after.stop();
      }
    });

    it('backs off, without looping, when the sync without a cursor fails as well', async () => {
      const prefix = `${r.prefix}:t6`;
      const cursorKey = `${prefix}:kf:${KF}:cursor`;
      await r.redis.set(cursorKey, 'a-cursor-from-another-platform');
      const log = capturedLogger();
      const handled: string[] = [];
      const p = puller(prefix, async (item) => void handled.push(item.msgid), { logger: log.logger });
      const since = sim.calls.length;
      // One sync_msg a minute: the refused cursor uses it up, the sync without a cursor gets 45009.
      sim.setRateLimits([{ limit: 1, windowMs: MINUTE }]);
      try {
        const event = await sim.simulateClientMessage({ externalUserId: 'wmP6', text: '四' });
        await p.notify(KF, event.syncToken);
        await waitFor(() => log.lines.some((l) => l.level === 50), 'the failed round to be logged');
        expect(await r.redis.get(cursorKey)).toBeNull();
        sim.setRateLimits(TENCENT_RATE_LIMITS);

        await waitFor(() => handled.includes(event.message.msgid), 'the message handled after the back-off');
        await p.idle();
        // Without a cursor, the sync starts over at the oldest readable message (earlier tests'
        // ones too, which ingest de-duplicates by msgid): each once, the new one last.
        expect(handled).toEqual(sim.log.all().map((m) => m.msgid));
        expect(handled.at(-1)).toBe(event.message.msgid);
        const syncs = sim.calls.slice(since).filter((c) => c.path === '/cgi-bin/kf/sync_msg');
        expect(syncs.map((c) => [c.body.cursor ?? null, c.response.errcode])).toEqual([
          ['a-cursor-from-another-platform', 40058],
          [null, 45009],
          [null, 0],
        ]);
        // The retry waited for the back-off the error announced.
        const failure = log.lines.find((l) => l.level === 50)!;
        expect(failure).toMatchObject({ msg: 'kf pull failed; will retry', openKfId: KF, retryInMs: 1000 });
        expect(syncs[2]!.at - syncs[1]!.at).toBeGreaterThanOrEqual(900);
        // The cursor was rejected once, so it was reported once.
        expect(log.lines.filter((l) => l.level === 40).map((l) => [l.msg, l.openKfId])).toEqual([[REJECTED, KF]]);
      } finally {
        sim.setRateLimits(TENCENT_RATE_LIMITS);
      }
    });
  });
});
