import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import {
  ConversationCache,
  connectDb,
  ensureConversation,
  loadConfig,
  repairTransitions,
  transition,
  type Db,
} from '@brokerbot/shared';
import { cleanUp, testEnv } from '../../tests/support/test-system';

/**
 * The bot reads a client's conversation from Redis to know who answers the next message. The copy
 * must follow every change, whichever process makes it: the bot must fall silent the moment an
 * advisor's process moves the chat to a person.
 */
describe('ConversationCache', () => {
  const config = loadConfig(testEnv());
  let botDb: Db;
  let consoleDb: Db;
  let redis: Redis;
  let prefix: string;
  beforeAll(async () => {
    // Two connections, as two processes have: the bot's and the advisor console's.
    [botDb, consoleDb] = await Promise.all([connectDb(config.MONGODB_URI), connectDb(config.MONGODB_URI)]);
    redis = new Redis(config.REDIS_URL);
    prefix = `${config.QUEUE_PREFIX}-${randomBytes(3).toString('hex')}`;
  });
  afterAll(async () => {
    await redis.quit();
    await Promise.all([botDb.close(), consoleDb.close()]);
    await cleanUp(config);
  });

  const newConversation = (db: Db) =>
    ensureConversation(db, {
      channel: 'app',
      externalUserId: `cache-${randomBytes(4).toString('hex')}`,
      customerId: null,
      branchId: 'SH01',
    });

  it('sees a change made by another process at once, without reading the database again', async () => {
    const botCache = new ConversationCache(redis, prefix, botDb);
    new ConversationCache(redis, prefix, consoleDb); // the console's process keeps the copy right
    const c = await newConversation(botDb);
    const id = c._id.toString();
    expect((await botCache.get(id))?.state).toBe('bot');

    const moved = await transition(consoleDb, { conversationId: id, from: 'bot', to: 'queued', by: 'bot', reason: 'escalated' });
    expect(moved?.version).toBe(1);
    const taken = await transition(consoleDb, {
      conversationId: id,
      from: 'queued',
      to: 'human',
      by: 'advisor:a1',
      reason: 'accepted',
      set: { advisorId: 'a1' },
    });
    expect(taken).not.toBeNull();

    const commands: string[] = [];
    botDb.connection.getClient().on('commandStarted', (e) => commands.push(e.commandName));
    const seen = await botCache.get(id);
    expect(seen).toMatchObject({ state: 'human', advisorId: 'a1', version: 2, branchId: 'SH01' });
    expect(seen?._id.toString()).toBe(id);
    expect(commands).toEqual([]);
  });

  it('keeps the newer version when a reader stores what it read before a change', async () => {
    const cache = new ConversationCache(redis, prefix, botDb);
    const c = await newConversation(botDb);
    const id = c._id.toString();
    const before = (await botDb.Conversation.findById(id).lean())!; // read at version 0 …
    await transition(botDb, { conversationId: id, from: 'bot', to: 'queued', by: 'bot', reason: 'escalated' });
    await cache.store(before); // … and stored after version 1 was written
    expect(await cache.get(id)).toMatchObject({ state: 'queued', version: 1 });
  });

  it('follows a transition finished by the crash repair', async () => {
    const cache = new ConversationCache(redis, prefix, botDb);
    const c = await newConversation(botDb);
    const id = c._id.toString();
    expect((await cache.get(id))?.state).toBe('bot');
    // A writer won version 1 in the log and died before writing the conversation.
    await botDb.Transition.create({
      conversationId: id,
      version: 1,
      from: 'bot',
      to: 'queued',
      by: 'bot',
      reason: 'escalated',
      set: { handoffId: 'h-crash' },
      at: new Date(Date.now() - 60_000),
    });
    expect((await cache.get(id))?.state).toBe('bot');
    expect(await repairTransitions(botDb, 10_000)).toBeGreaterThanOrEqual(1);
    expect(await cache.get(id)).toMatchObject({ state: 'queued', handoffId: 'h-crash', version: 1 });
  });

  it("finds a WeCom client's conversation without the database after the first message, and again after it was deleted", async () => {
    const cache = new ConversationCache(redis, prefix, botDb);
    const ref = {
      channel: 'wecom' as const,
      externalUserId: `wm-${randomBytes(4).toString('hex')}`,
      customerId: null,
      branchId: 'SZ01',
    };
    const [a, b] = await Promise.all([cache.ensure(ref), cache.ensure(ref)]);
    expect(a._id.toString()).toBe(b._id.toString()); // two messages at once: one conversation
    expect(await botDb.Conversation.countDocuments({ channel: 'wecom', externalUserId: ref.externalUserId })).toBe(1);

    const commands: string[] = [];
    const listener = (e: { commandName: string }) => commands.push(e.commandName);
    botDb.connection.getClient().on('commandStarted', listener);
    expect((await cache.ensure(ref))._id.toString()).toBe(a._id.toString());
    expect(commands).toEqual([]);
    botDb.connection.getClient().off('commandStarted', listener);

    // Deleted under the retention rule, long after its copy expired: the client's next message starts a new one.
    await botDb.Conversation.deleteOne({ _id: a._id });
    await redis.del(`${prefix}:conversation:${a._id.toString()}`);
    const again = await cache.ensure(ref);
    expect(again._id.toString()).not.toBe(a._id.toString());
    expect(again.state).toBe('bot');
  });

  it('answers null for a conversation that does not exist', async () => {
    const cache = new ConversationCache(redis, prefix, botDb);
    expect(await cache.get('65a000000000000000000000')).toBeNull();
  });
});
