import { createLogger, type Config } from '@brokerbot/shared';
import { WecomKfSimulator, type KfMessage } from '../src/simulators';
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
  function puller(keyPrefix: string, handle: (item: KfItem) => Promise<void>): KfPuller {
    const p = new KfPuller({ redis: r.redis, logger, kf, keyPrefix, handle }, [KF]);
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
});
