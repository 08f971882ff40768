import { Redis } from 'ioredis';
import { DashboardCounter, connectDb, hourKey, loadConfig, type Db } from '@brokerbot/shared';
import { sealDashboard } from '@brokerbot/agent-console';
import { cleanUp, testEnv } from '../support/test-system';

/**
 * The dashboard's counters under concurrency against real Redis and FerretDB: repeated hooks
 * count once, distinct events all count, and sealing twice at once stores one rollup per hour.
 */
describe('dashboard counters (看板) under concurrency', () => {
  const config = loadConfig(testEnv());
  let db: Db;
  let redis: Redis;
  let counter: DashboardCounter;
  const queues = () => ({ inbound: { opts: { connection: redis, prefix: config.QUEUE_PREFIX } } }) as never;
  beforeAll(async () => {
    db = await connectDb(config.MONGODB_URI);
    redis = new Redis(config.REDIS_URL);
    counter = DashboardCounter.of(queues());
  });
  afterAll(async () => {
    await db.close();
    await redis.quit();
    await cleanUp(config);
  });

  const hourCounts = async (at: number) => (await counter.read([counter.hourHashKey(hourKey(at))]))[0]!;

  it('counts an event once however often and however concurrently its hook runs, and every distinct event', async () => {
    const at = Date.parse('2026-03-02T03:10:00Z');
    const same = {
      kind: 'message' as const,
      messageId: 'm-1',
      conversationId: 'c-1',
      branchId: 'SH01',
      channel: 'app' as const,
      author: 'client' as const,
      at,
    };
    const added = await Promise.all(Array.from({ length: 50 }, () => counter.count(same, at)));
    // The message and its conversation-day, each once.
    expect(added.reduce((a, b) => a + b, 0)).toBe(2);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        counter.count({ ...same, messageId: `m-${i + 2}`, conversationId: `c-${i % 20}` }, at),
      ),
    );
    const counts = await hourCounts(at);
    expect(counts['SH01|app|in']).toBe(201);
    expect(counts['SH01|app|conv']).toBe(20);
  });

  it('puts replies and insights under the branch their conversation was counted in', async () => {
    const at = Date.parse('2026-03-02T05:10:00Z');
    await counter.count(
      {
        kind: 'message',
        messageId: 'x-1',
        conversationId: 'c-sz',
        branchId: 'SZ01',
        channel: 'wecom',
        author: 'client',
        at,
      },
      at,
    );
    await counter.count({ kind: 'message', messageId: 'x-2', conversationId: 'c-sz', channel: 'wecom', author: 'bot', at }, at);
    await counter.count(
      { kind: 'insight', messageId: 'x-1', conversationId: 'c-sz', channel: 'wecom', emotion: 'anxious', at },
      at,
    );
    const counts = await hourCounts(at);
    expect(counts).toMatchObject({ 'SZ01|wecom|in': 1, 'SZ01|wecom|out:bot': 1, 'SZ01|wecom|emo:anxious': 1 });
  });

  it('counts a live event at the hook clock, not at the time it names (a sealed hour never changes)', async () => {
    const closedAt = Date.parse('2026-03-02T07:59:00Z');
    const scoredAt = Date.parse('2026-03-02T08:04:00Z'); // after hour 07 was sealed
    const where = { conversationId: 'c-late', branchId: 'SH01', channel: 'app' as const };
    await counter.count({ kind: 'inspection', ...where, id: 'h-late', total: 80, failedItems: [], at: closedAt }, scoredAt);
    expect((await hourCounts(closedAt))['SH01|app|qa']).toBeUndefined();
    expect((await hourCounts(scoredAt))['SH01|app|qa']).toBe(1);
  });

  it('measures first response and handle time from the recorded accept', async () => {
    const where = { conversationId: 'c-h', branchId: 'SH01', channel: 'app' as const, handoffId: 'h-1' };
    const t = Date.now();
    await counter.count({ kind: 'accepted', ...where, waitMs: 12_000 }, t);
    await counter.count({ kind: 'first_response', ...where }, t + 7_000);
    await counter.count({ kind: 'first_response', ...where }, t + 70_000); // a later reply is not the first
    await counter.count({ kind: 'closed', ...where }, t + 300_000);
    const merged: Record<string, number> = {};
    for (const h of new Set([hourKey(t), hourKey(t + 7_000), hourKey(t + 300_000)]))
      Object.assign(merged, ...(await counter.read([counter.hourHashKey(h)])));
    expect(merged).toMatchObject({
      'SH01|app|firstMs': 7_000,
      'SH01|app|firstN': 1,
      'SH01|app|handleMs': 300_000,
      'SH01|app|waitMs': 12_000,
    });
  });

  it('two sealers at once store each finished hour once, with its counts', async () => {
    const at = Date.now() - 3 * 3_600_000;
    await counter.count(
      {
        kind: 'message',
        messageId: 'seal-1',
        conversationId: 'c-seal',
        branchId: 'SH01',
        channel: 'app',
        author: 'client',
        at,
      },
      at,
    );
    const deps = { db, queues: queues() };
    const rounds = await Promise.all([sealDashboard(deps), sealDashboard(deps), sealDashboard(deps)]);
    expect(rounds.some((r) => r.hours > 0)).toBe(true);
    const hours = await db.connection.collection('dashboardhours').find({}).toArray();
    // The two days looked back, once each, whichever sealer won each insert.
    expect(hours).toHaveLength(48);
    const sealed = hours.find((h) => String(h._id) === hourKey(at));
    expect(sealed?.counts).toMatchObject({ 'SH01|app|in': 1, 'SH01|app|conv': 1 });
    expect(await sealDashboard(deps)).toEqual({ hours: 0, days: 0 });
  });
});
