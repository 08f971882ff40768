import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { SequenceAllocator, connectDb, ensureConversation, loadConfig, type Db } from '@brokerbot/shared';
import { cleanUp, testEnv } from '../../tests/support/test-system';

/** Sequence numbers are what clients order a chat by: a burst must be numbered in call order. */
describe('SequenceAllocator', () => {
  const config = loadConfig(testEnv());
  let db: Db;
  let redis: Redis;
  beforeAll(async () => {
    db = await connectDb(config.MONGODB_URI);
    redis = new Redis(config.REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await db.close();
    await cleanUp(config);
  });

  it("numbers a new conversation's burst in call order, also when calls keep arriving during the re-seeding", async () => {
    const seq = new SequenceAllocator(redis, db, `${config.QUEUE_PREFIX}-${randomBytes(3).toString('hex')}`);
    const conversationId = new Types.ObjectId().toString();
    const calls: Promise<number>[] = [];
    // Calls spread over a few milliseconds, as socket events arrive: some before, some during and
    // some after the counter is re-seeded from the database.
    for (let i = 0; i < 300; i++) {
      calls.push(seq.next(conversationId));
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('goes on from the highest stored number when Redis lost the counter', async () => {
    const prefix = `${config.QUEUE_PREFIX}-${randomBytes(3).toString('hex')}`;
    const conversationId = new Types.ObjectId().toString();
    await db.Message.create({
      conversationId,
      seq: 41,
      channel: 'app',
      channelMessageId: `seq-${conversationId}`,
      direction: 'in',
      author: { kind: 'client', id: 'c' },
      text: '你好',
      status: 'handled',
    });
    const seq = new SequenceAllocator(redis, db, prefix);
    expect(await Promise.all([seq.next(conversationId), seq.next(conversationId)])).toEqual([42, 43]);
  });

  it('starts the counter of a conversation when it is created, so its first message costs no database read', async () => {
    const seq = new SequenceAllocator(redis, db, `${config.QUEUE_PREFIX}-${randomBytes(3).toString('hex')}`);
    const conversation = await ensureConversation(db, {
      channel: 'app',
      externalUserId: `seq-${randomBytes(4).toString('hex')}`,
      customerId: null,
      branchId: null,
    });
    const conversationId = conversation._id.toString();
    // A stored number the counter would go on from, had it been read from the database.
    await db.Message.create({
      conversationId,
      seq: 7,
      channel: 'app',
      channelMessageId: `seq-new-${conversationId}`,
      direction: 'in',
      author: { kind: 'client', id: 'c' },
      text: '你好',
      status: 'handled',
    });
    expect(await seq.next(conversationId)).toBe(1);
    // Found again (not created), it does not restart a counter that is running.
    await ensureConversation(db, {
      channel: 'app',
      externalUserId: conversation.externalUserId,
      customerId: null,
      branchId: null,
    });
    expect(await seq.next(conversationId)).toBe(2);
  });
});
