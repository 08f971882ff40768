import { Redis } from 'ioredis';
import {
  SequenceAllocator,
  connectDb,
  ensureConversation,
  recordInbound,
  recordOutbound,
  repairTransitions,
  transition,
  type ConversationDoc,
  type Db,
} from '@brokerbot/shared';
import { cleanUp, testEnv } from '../support/test-system';
import { loadConfig } from '@brokerbot/shared';

/**
 * The primitives every "exactly once" guarantee rests on, hammered concurrently against the
 * real database (FerretDB in CI, whose conditional updates are not atomic under concurrency).
 */
describe('exactly-once primitives under concurrency', () => {
  const config = loadConfig(testEnv());
  let db: Db;
  let redis: Redis;
  let seq: SequenceAllocator;
  beforeAll(async () => {
    db = await connectDb(config.MONGODB_URI);
    redis = new Redis(config.REDIS_URL);
    seq = new SequenceAllocator(redis, db, config.QUEUE_PREFIX);
  });
  afterAll(async () => {
    await db.close();
    await redis.quit();
    await cleanUp(config);
  });

  it('lets exactly one of 20 concurrent actors win a transition, and records it once', async () => {
    const c = await ensureConversation(db, { channel: 'app', externalUserId: 'race-1', customerId: null, branchId: 'SH01' });
    const id = c._id.toString();
    await transition(db, { conversationId: id, from: 'bot', to: 'queued', by: 'bot', reason: 'test', set: { handoffId: 'h1' } });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        transition(db, {
          conversationId: id,
          from: 'queued',
          to: 'human',
          by: `advisor:${i}`,
          reason: 'accepted',
          set: { advisorId: `a${i}` },
          where: { handoffId: 'h1' },
        }),
      ),
    );
    const winners = results.filter(Boolean);
    expect(winners).toHaveLength(1);
    const stored = await db.Conversation.findById(id).lean();
    expect(stored).toMatchObject({ state: 'human', advisorId: winners[0]!.advisorId, version: 2 });
    expect(await db.Transition.countDocuments({ conversationId: id })).toBe(2);
  });

  it('lets a transition start from a caller’s out-of-date copy without a second winner, deciding by what is stored', async () => {
    const c = (await ensureConversation(db, {
      channel: 'app',
      externalUserId: 'stale-copy-1',
      customerId: null,
      branchId: 'SH01',
    })) as ConversationDoc;
    const id = c._id.toString();
    const escalate = (by: string, current: ConversationDoc) =>
      transition(db, {
        conversationId: id,
        from: 'bot',
        to: 'queued',
        by,
        reason: 'test',
        set: { handoffId: by },
        current,
      });
    // Ten turns holding the same copy (version 0, state bot) escalate at once: one wins.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => escalate(`h${i}`, c)));
    const winners = results.filter(Boolean);
    expect(winners).toHaveLength(1);
    expect(await db.Conversation.findById(id).lean()).toMatchObject({
      state: 'queued',
      handoffId: winners[0]!.handoffId,
      version: 1,
    });
    // The copy is now out of date: the conversation is queued, so a turn still holding it loses.
    expect(await escalate('late', c)).toBeNull();
    // Back with the bot (version 2) while a caller still holds version 0: the log refuses the copy's
    // version, the stored conversation is read, and the transition is won from it.
    await transition(db, { conversationId: id, from: 'queued', to: 'bot', by: 'bot', reason: 'test' });
    expect(await escalate('again', c)).toMatchObject({ state: 'queued', handoffId: 'again', version: 3 });
    expect(await db.Transition.countDocuments({ conversationId: id })).toBe(3);
  });

  it('completes a transition whose winner died before writing the conversation, once its grace has passed', async () => {
    const c = await ensureConversation(db, { channel: 'app', externalUserId: 'repair-1', customerId: null, branchId: 'SH01' });
    const id = c._id.toString();
    // The winner's log entry, written 20 s ago; the process died before it wrote the conversation.
    await db.Transition.create({
      conversationId: id,
      version: 1,
      from: 'bot',
      to: 'queued',
      by: 'bot',
      reason: 'escalate',
      set: { handoffId: 'h-died' },
      at: new Date(Date.now() - 20_000),
    });
    // Until repaired, no later transition can be won (version 1 is taken).
    expect(await transition(db, { conversationId: id, from: 'bot', to: 'closed', by: 'bot', reason: 'test' })).toBeNull();
    expect(await repairTransitions(db, 10_000)).toBeGreaterThanOrEqual(1);
    expect(await db.Conversation.findById(id).lean()).toMatchObject({ state: 'queued', handoffId: 'h-died', version: 1 });
    // Repairing again changes nothing; the next transition is won normally.
    await repairTransitions(db, 10_000);
    expect(await db.Conversation.findById(id).lean()).toMatchObject({ version: 1 });
    expect(await transition(db, { conversationId: id, from: 'queued', to: 'bot', by: 'bot', reason: 'test' })).toMatchObject({
      state: 'bot',
      version: 2,
    });
  });

  it('hands out unique, gap-free sequence numbers to 50 concurrent messages, and restarts after Redis loses the counter', async () => {
    const c = await ensureConversation(db, { channel: 'app', externalUserId: 'race-2', customerId: null, branchId: 'SH01' });
    const conversationId = c._id.toString();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        recordInbound(
          { db, seq },
          { conversationId, channel: 'app', channelMessageId: `race-2.m${i}`, externalUserId: 'race-2', text: `消息${i}` },
        ),
      ),
    );
    expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

    await redis.del(`${config.QUEUE_PREFIX}:seq:${conversationId}`);
    const next = await recordInbound(
      { db, seq },
      { conversationId, channel: 'app', channelMessageId: 'race-2.after', externalUserId: 'race-2', text: '之后' },
    );
    expect(next.message.seq).toBe(51);
  });

  it('stores a message delivered 10 times at once exactly once', async () => {
    const c = await ensureConversation(db, { channel: 'app', externalUserId: 'race-3', customerId: null, branchId: 'SH01' });
    const conversationId = c._id.toString();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        recordInbound(
          { db, seq },
          { conversationId, channel: 'app', channelMessageId: 'race-3.same', externalUserId: 'race-3', text: '同一条' },
        ),
      ),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message._id.toString())).size).toBe(1);
    expect(await db.Message.countDocuments({ conversationId })).toBe(1);
  });

  it('stores a reply written 10 times at once (a turn run again) exactly once, with its own sequence number', async () => {
    const c = await ensureConversation(db, { channel: 'app', externalUserId: 'race-5', customerId: null, branchId: 'SH01' });
    const conversationId = c._id.toString();
    const first = await recordOutbound({ db, seq }, { conversationId, channel: 'app', author: { kind: 'bot' }, text: '第一条' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        recordOutbound(
          { db, seq },
          { id: 'r-race-5_0', conversationId, channel: 'app', author: { kind: 'bot' }, text: '同一条回复' },
        ),
      ),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message._id.toString())).size).toBe(1);
    expect(await db.Message.countDocuments({ conversationId })).toBe(2);
    // Its number comes after the first reply's and no other message holds it.
    expect(results[0]!.message.seq).toBeGreaterThan(first.message.seq);
  });

  it('creates one conversation when a client’s first messages arrive together', async () => {
    const docs = await Promise.all(
      Array.from({ length: 10 }, () =>
        ensureConversation(db, { channel: 'app', externalUserId: 'race-4', customerId: null, branchId: 'SH01' }),
      ),
    );
    expect(new Set(docs.map((d) => d._id.toString())).size).toBe(1);
    expect(await db.Conversation.countDocuments({ externalUserId: 'race-4' })).toBe(1);
  });
});
