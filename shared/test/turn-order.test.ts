import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { TurnOrder } from '../src/turn-order';

/** Against the real Redis the system uses (npm test makes sure one answers). */
describe('TurnOrder', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `bbtest-turns-${randomBytes(4).toString('hex')}`;
  const order = new TurnOrder(redis, prefix, { pollMs: 10 });
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let conversation = 0;
  const newConversation = () => `conv${++conversation}`;

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('lets the lowest pending message go first, whatever order the messages were queued in', async () => {
    const c = newConversation();
    await order.add(c, 'm7', 7);
    await order.add(c, 'm5', 5);
    const since = Date.now();
    expect(await order.waitForTurn(c, 5, { since, maxWaitMs: 5_000, holdMs: 0 })).toEqual({ status: 'ready' });
    expect(await order.waitForTurn(c, 7, { since, maxWaitMs: 5_000, holdMs: 0 })).toEqual({
      status: 'waiting',
      ahead: ['m5'],
    });
    // An empty line (Redis lost its data, or nothing was queued before) is an open gate.
    expect(await order.waitForTurn(newConversation(), 3, { since, maxWaitMs: 5_000, holdMs: 0 })).toEqual({
      status: 'ready',
    });
  });

  it('makes a later message wait until the earlier one is done, then lets it go at once', async () => {
    const c = newConversation();
    await order.add(c, 'm1', 1);
    await order.add(c, 'm2', 2);
    const started = Date.now();
    const second = order.waitForTurn(c, 2, { since: started, maxWaitMs: 10_000 });
    await tick(150);
    await order.done(c, 'm1');
    expect(await second).toEqual({ status: 'ready' });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2_000);
    // The first one's turn is over for good: nothing holds the second any more.
    expect(await order.ahead(c, 2)).toEqual([]);
  });

  it('lets a message through once the bound passes when its predecessor is lost, and drops that predecessor', async () => {
    const c = newConversation();
    await order.add(c, 'lost', 1); // stored, but its job is gone and nobody answers it
    await order.add(c, 'm2', 2);
    await order.add(c, 'm3', 3);
    const started = Date.now();
    const turn = await order.waitForTurn(c, 2, { since: started, maxWaitMs: 300 });
    const waited = Date.now() - started;
    expect(turn).toEqual({ status: 'overdue', skipped: ['lost'] });
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2_000);
    // The lost one holds no later message again: the third waits only for the second.
    expect(await order.ahead(c, 3)).toEqual(['m2']);
    await order.done(c, 'm2');
    expect(await order.waitForTurn(c, 3, { since: Date.now(), maxWaitMs: 300, holdMs: 0 })).toEqual({ status: 'ready' });
  });

  it('stops waiting for an entry whose message turns out to be settled already, once it has waited a second', async () => {
    const c = newConversation();
    await order.add(c, 'answered-already', 1); // stored again by a redelivery racing its own turn
    await order.add(c, 'm2', 2);
    const asked: string[][] = [];
    const settled = async (ids: string[]) => {
      asked.push(ids);
      return ids.filter((id) => id === 'answered-already');
    };
    // Queued just now: a burst's predecessors are about to be answered, nobody asks the database.
    expect(await order.waitForTurn(c, 2, { since: Date.now(), maxWaitMs: 10_000, holdMs: 50, settled })).toEqual({
      status: 'waiting',
      ahead: ['answered-already'],
    });
    expect(asked).toEqual([]);
    // Waiting for over a second: the settled entry leaves the line and the message goes.
    const started = Date.now();
    const turn = await order.waitForTurn(c, 2, { since: started - 1_500, maxWaitMs: 10_000, holdMs: 50, settled });
    expect(turn).toEqual({ status: 'ready' });
    expect(asked).toEqual([['answered-already']]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await order.ahead(c, 3)).toEqual(['m2']);
  });

  it('gives the slot back at once when the message is not next in line, or after holdMs', async () => {
    const c = newConversation();
    await order.add(c, 'm1', 1);
    await order.add(c, 'm2', 2);
    await order.add(c, 'm3', 3);
    let started = Date.now();
    expect(await order.waitForTurn(c, 3, { since: started, maxWaitMs: 10_000, holdMs: 5_000 })).toEqual({
      status: 'waiting',
      ahead: ['m1', 'm2'],
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    started = Date.now();
    expect(await order.waitForTurn(c, 2, { since: started, maxWaitMs: 10_000, holdMs: 100 })).toEqual({
      status: 'waiting',
      ahead: ['m1'],
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
  });

  it('shares the line of an inbound queue between every process using that queue', async () => {
    const queue = new Queue('inbound', { connection: redis, prefix });
    try {
      const fromQueue = TurnOrder.of({ inbound: queue });
      expect(TurnOrder.of({ inbound: queue })).toBe(fromQueue);
      const c = newConversation();
      await fromQueue.add(c, 'm1', 1);
      expect(await order.ahead(c, 2)).toEqual(['m1']);
      // The line expires on its own if nothing ever takes the entry out.
      expect(await redis.pttl(`${prefix}:turn-order:${c}`)).toBeGreaterThan(3_600_000);
    } finally {
      await queue.close();
    }
  });
});
