import { Types } from 'mongoose';
import type { Redis } from 'ioredis';
import type { Db } from './models/db';
import type { ConversationDoc } from './models/schemas';
import { ensureConversation, type ConversationRef } from './conversations';

/**
 * How long a cached conversation is trusted without hearing from its writers. Every change goes
 * through `transition()` (and its crash repair), which writes the new version here right after the
 * database; only a writer that dies between those two writes leaves an older copy behind, and
 * this bounds how long it is read.
 */
export const CONVERSATION_CACHE_TTL_MS = 30_000;

/** How long a client's conversation id is remembered after it was last looked up in the database. */
const ID_TTL_MS = 7 * 24 * 3600_000;

/**
 * Stores `<version>|<json>` unless the key already holds the same or a newer version: a reader
 * that fetched version n from the database cannot overwrite version n + 1 written meanwhile.
 */
const SET_IF_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^(%d+)|'))
  if v and v >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1`;

/** A conversation as JSON, revived: `_id` an ObjectId and the timestamps Dates again. */
function revive(json: string): ConversationDoc {
  const raw = JSON.parse(json) as Record<string, unknown>;
  return {
    ...raw,
    _id: new Types.ObjectId(String(raw._id)),
    createdAt: raw.createdAt ? new Date(String(raw.createdAt)) : undefined,
    updatedAt: raw.updatedAt ? new Date(String(raw.updatedAt)) : undefined,
  } as ConversationDoc;
}

/**
 * Conversations as the message path reads them: from Redis when a copy is there, else from the
 * database (and then kept). The bot reads a client's conversation on every message to know who
 * answers; a copy saves that database round trip. Writers keep the copy right: `transition()`
 * writes each new version through `db.conversationWrites`, which every cache listens to, so a
 * process that moves conversations must build one (the composition root does, for every role).
 *
 * @example
 *   const conversations = new ConversationCache(redis, config.QUEUE_PREFIX, db);
 *   const c = await conversations.get(conversationId); // null: no such conversation
 */
export class ConversationCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly db: Db,
    private readonly ttlMs = CONVERSATION_CACHE_TTL_MS,
  ) {
    db.conversationWrites.listen((doc) => this.store(doc));
  }

  private key(id: string): string {
    return `${this.prefix}:conversation:${id}`;
  }

  /** The conversation, from the copy or the database; null when it does not exist. */
  async get(conversationId: string): Promise<ConversationDoc | null> {
    const cached = await this.redis.get(this.key(conversationId));
    if (cached) {
      const bar = cached.indexOf('|');
      return revive(cached.slice(bar + 1));
    }
    const doc = (await this.db.Conversation.findById(conversationId).lean()) as ConversationDoc | null;
    if (doc) await this.store(doc);
    return doc;
  }

  /**
   * The client's conversation on a channel, created when there is none (see ensureConversation).
   * Which conversation a client has never changes, so it is remembered in Redis; a remembered one
   * that no longer exists (deleted under the retention rule) is looked up again.
   */
  async ensure(ref: ConversationRef): Promise<ConversationDoc> {
    const idKey = `${this.prefix}:conversation-of:${ref.channel}:${ref.externalUserId}`;
    const id = await this.redis.get(idKey);
    const known = id ? await this.get(id) : null;
    if (known) return known;
    const doc = await ensureConversation(this.db, ref);
    await Promise.all([this.redis.set(idKey, doc._id.toString(), 'PX', ID_TTL_MS), this.store(doc)]);
    return doc;
  }

  /** Keeps `doc` unless a newer version is kept already. */
  async store(doc: ConversationDoc): Promise<void> {
    await this.redis.eval(
      SET_IF_NEWER,
      1,
      this.key(doc._id.toString()),
      String(doc.version ?? 0),
      JSON.stringify(doc),
      String(this.ttlMs),
    );
  }
}
