import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { BatchInserter, connectDb, loadConfig, type Db, type MessageDoc } from '@brokerbot/shared';
import { cleanUp, testEnv } from '../../tests/support/test-system';

/** Messages are stored in batches across concurrent senders; each sender still learns its own message's fate. */
describe('BatchInserter', () => {
  const config = loadConfig(testEnv());
  let db: Db;
  const inserts: number[] = [];
  beforeAll(async () => {
    db = await connectDb(config.MONGODB_URI, {
      onCommand: (command, collection) => {
        if (command === 'insert' && collection === 'messages') inserts.push(1);
      },
    });
  });
  afterAll(async () => {
    await db.close();
    await cleanUp(config);
  });

  const message = (conversationId: string, seq: number, channelMessageId = `bi-${randomBytes(6).toString('hex')}`) => ({
    conversationId,
    seq,
    channel: 'app',
    channelMessageId,
    direction: 'in',
    author: { kind: 'client', id: 'c', name: null },
    text: `第${seq}条`,
    status: 'received',
  });

  it('writes the messages of many senders arriving together in one insert, and a duplicate fails only its own sender', async () => {
    const batcher = new BatchInserter<MessageDoc>(db.Message);
    const conversationId = new Types.ObjectId().toString();
    inserts.length = 0;
    const outcomes = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => batcher.insert(message(conversationId, i + 1))),
      batcher.insert(message(conversationId, 5)), // (conversationId, seq) is unique: taken in the same batch
    ]);
    expect(inserts.length).toBe(1); // one round trip for 31 senders
    expect(outcomes.slice(0, 30).every((o) => o.ok)).toBe(true);
    const dup = outcomes[30]!;
    expect(dup.ok).toBe(false);
    expect(!dup.ok && dup.error.code).toBe(11000);
    expect(await db.Message.countDocuments({ conversationId })).toBe(30);
  });

  it('sends a lone message at once, and gathers those that arrive while a batch is being written', async () => {
    const batcher = new BatchInserter<MessageDoc>(db.Message, { maxInFlight: 1 });
    const conversationId = new Types.ObjectId().toString();
    inserts.length = 0;
    const first = batcher.insert(message(conversationId, 1));
    // Arriving one after another while the first write is on its way: they wait for it and go together.
    await new Promise((r) => setImmediate(r));
    const later = Array.from({ length: 10 }, (_, i) => batcher.insert(message(conversationId, i + 2)));
    const all = await Promise.all([first, ...later]);
    expect(all.every((o) => o.ok)).toBe(true);
    expect(inserts.length).toBe(2); // the lone first, then the ten together
    expect(await db.Message.countDocuments({ conversationId })).toBe(11);
  });
});
