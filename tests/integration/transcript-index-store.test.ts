import { connectDb, loadConfig, type Db } from '@brokerbot/shared';
import { indexWritesOf } from '../../agent-console/src/transcript-index/records';
import { writeIndex } from '../../agent-console/src/transcript-index/store';
import { cleanUp, testEnv } from '../support/test-system';

/**
 * The 会话记录 index's writes on the real database: a conversation's words and days come again
 * with every message, and are written once; a day that goes on is extended; a record this process
 * wrote but that is gone from the database is written again, never silently skipped.
 */
describe('会话记录 index: stored records', () => {
  const config = loadConfig(testEnv());
  let db: Db;
  beforeAll(async () => {
    db = await connectDb(config.MONGODB_URI, { ferretPostgresUrl: process.env.FERRETDB_POSTGRESQL_URL });
  });
  afterAll(async () => {
    await db?.connection.dropDatabase();
    await db?.connection.close();
    await cleanUp(config);
  });

  const at = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00+08:00`).getTime();
  const batch = (hhmm: string, text: string) =>
    indexWritesOf([{ conversationId: 'c1', at: at(hhmm), channel: 'app', author: 'client', text }], () => 'SH01');

  it('writes words once, extends the day, and writes again what the database lost', async () => {
    const first = await writeIndex(db, batch('09:30', '两融账户快被强平了'));
    expect(first.activitiesInserted).toBe(1);
    expect(first.termsInserted).toBeGreaterThanOrEqual(2);
    const termCount = await db.TranscriptTerm.countDocuments({ conversationId: 'c1' });

    // The same words later that day: nothing new to insert, the day's last message moves.
    const again = await writeIndex(db, batch('10:45', '强平了怎么办，两融账户'));
    expect(again).toMatchObject({ activitiesInserted: 0, activitiesUpdated: 1, termsInserted: 0 });
    expect(await db.TranscriptTerm.countDocuments({ conversationId: 'c1' })).toBe(termCount);
    const day = await db.TranscriptActivity.findOne({ conversationId: 'c1' }).lean();
    expect(new Date(day!.lastAt as Date).getTime()).toBe(at('10:45'));
    expect(new Date(day!.firstAt as Date).getTime()).toBe(at('09:30'));

    // The day's record is gone (collection emptied under a running process): written again.
    await db.TranscriptActivity.deleteMany({});
    const after = await writeIndex(db, batch('11:00', '强平'));
    expect(after).toMatchObject({ activitiesInserted: 1, activitiesUpdated: 0 });
    expect(await db.TranscriptActivity.countDocuments({ conversationId: 'c1' })).toBe(1);
  });
});
