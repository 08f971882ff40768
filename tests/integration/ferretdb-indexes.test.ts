import net from 'node:net';
import { Types } from 'mongoose';
import pg from 'pg';
import { connectDb, ensureFerretPgIndexes, loadConfig, plannedIndexes, type Db } from '@brokerbot/shared';
import { cleanUp, testEnv } from '../support/test-system';

/**
 * FerretDB v1 on PostgreSQL scans whole tables for equality lookups unless the app gives it GIN
 * expression indexes (shared/src/models/ferretdb-postgres.ts). `npm test` runs the suite on
 * FerretDB-on-PostgreSQL whenever PostgreSQL answers locally, and these tests check the indexes
 * against the real thing: created at start-up, idempotent, and used by FerretDB's own queries.
 */
const pgUrl = process.env.FERRETDB_POSTGRESQL_URL;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('lookup indexes for FerretDB on PostgreSQL', () => {
  it('names one index per listed field on the tables FerretDB made, and nothing for missing tables', () => {
    const planned = plannedIndexes(new Map([['messages', 'messages_0a1b2c3d']]));
    expect(planned.map((i) => i.field)).toEqual(['_id', 'conversationId', 'channelMessageId', 'status']);
    expect(new Set(planned.map((i) => i.name)).size).toBe(planned.length);
    for (const i of planned) expect(i.name.length).toBeLessThanOrEqual(63);
  });

  if (!pgUrl) {
    it('runs on SQLite only because no PostgreSQL answers here (or FERRETDB_BACKEND=sqlite was asked for)', async () => {
      if (process.env.FERRETDB_BACKEND !== 'sqlite') expect(await portOpen(5432)).toBe(false);
    });
    return;
  }

  const config = loadConfig(testEnv());
  let db: Db;
  let client: pg.Client;
  beforeAll(async () => {
    db = await connectDb(config.MONGODB_URI, { ferretPostgresUrl: pgUrl });
    client = new pg.Client({ connectionString: pgUrl.split('?')[0] });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.close();
    await cleanUp(config);
  });

  it('creates them at start-up and finds them in place the second time', async () => {
    const again = await ensureFerretPgIndexes(db.connection, pgUrl);
    expect(again.created).toEqual([]);
    expect(again.present.map((i) => `${i.collection}.${i.field}`)).toEqual(
      expect.arrayContaining([
        'messages._id',
        'messages.conversationId',
        'conversations._id',
        'handoffs.conversationId',
        'media.chunks.files_id',
      ]),
    );
    expect(again.indexServesLookups).toBe(true);
    expect(again.planCacheMode).toBe('force_custom_plan');
  });

  it('survives several processes starting at once', async () => {
    const reports = await Promise.all([1, 2, 3].map(() => ensureFerretPgIndexes(db.connection, pgUrl)));
    for (const r of reports) expect(r.indexServesLookups).toBe(true);
  });

  it("serves FerretDB's own lookups, also after its prepared statements are reused", async () => {
    const conversationId = new Types.ObjectId().toString();
    const docs = Array.from({ length: 5_000 }, (_, i) => ({
      conversationId: i < 20 ? conversationId : new Types.ObjectId().toString(),
      seq: i < 20 ? i + 1 : 1,
      channel: 'app',
      channelMessageId: `idx-${i}`,
      direction: 'in',
      author: { kind: 'client', id: 'c' },
      text: '测试',
      status: 'handled',
    }));
    await db.Message.insertMany(docs, { ordered: false });
    await client.query('ANALYZE');
    const scans = async () => {
      const { rows } = await client.query<{ n: string }>(
        `SELECT coalesce(sum(idx_scan), 0) AS n FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname LIKE 'bb_gin_messages%'`,
        [db.connection.db!.databaseName],
      );
      return Number(rows[0]?.n ?? 0);
    };
    const before = await scans();
    // More than five executions: PostgreSQL would switch a prepared statement to a generic plan.
    for (let i = 0; i < 12; i++) {
      const found = await db.Message.find({ conversationId }).lean();
      expect(found).toHaveLength(20);
    }
    // A backend reports its statistics when idle, up to 10 s later (PostgreSQL 15).
    let after = await scans();
    for (let i = 0; i < 60 && after - before < 12; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = await scans();
    }
    expect(after - before).toBeGreaterThanOrEqual(12);
  }, 60_000);
});
