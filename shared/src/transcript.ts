import type { Db } from './models/db';
import type { MessageDoc } from './models/schemas';
import { isDuplicateKey } from './conversations';
import type { SequenceAllocator } from './sequence';
import type { Channel } from './states';
import { newOutboundId } from './ids';

export interface InboundMessage {
  conversationId: string;
  channel: Channel;
  channelMessageId: string;
  externalUserId: string;
  text: string;
}

export interface RecordResult {
  message: MessageDoc;
  duplicate: boolean;
}

export interface TranscriptDeps {
  db: Db;
  seq: SequenceAllocator;
}

type NewMessage = Omit<MessageDoc, '_id' | 'seq' | 'createdAt' | 'updatedAt' | 'meta' | 'error'> & { meta?: unknown };

/**
 * Inserts a message exactly once. The unique index on (channel, channelMessageId) turns a
 * redelivery into a read of the stored copy; a sequence number handed out twice (see
 * SequenceAllocator) hits the unique (conversationId, seq) index and we take the next.
 */
async function insertOnce(deps: TranscriptDeps, doc: NewMessage): Promise<RecordResult> {
  const key = { channel: doc.channel, channelMessageId: doc.channelMessageId };
  const existing = (await deps.db.Message.findOne(key).lean()) as MessageDoc | null;
  if (existing) return { message: existing, duplicate: true };
  for (let attempt = 0; ; attempt++) {
    const seq = await deps.seq.next(doc.conversationId);
    try {
      const created = await deps.db.Message.create({ ...doc, seq });
      return { message: created.toObject() as MessageDoc, duplicate: false };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const stored = (await deps.db.Message.findOne(key).lean()) as MessageDoc | null;
      if (stored) return { message: stored, duplicate: true };
      if (attempt >= 5) throw err;
    }
  }
}

/** Stores a client's message exactly once (status "received"). */
export function recordInbound(deps: TranscriptDeps, msg: InboundMessage): Promise<RecordResult> {
  return insertOnce(deps, {
    conversationId: msg.conversationId,
    channel: msg.channel,
    channelMessageId: msg.channelMessageId,
    direction: 'in',
    author: { kind: 'client', id: msg.externalUserId, name: null },
    text: msg.text,
    status: 'received',
  });
}

export interface OutboundMessage {
  conversationId: string;
  channel: Channel;
  author: { kind: 'bot' | 'advisor' | 'system'; id?: string | null; name?: string | null };
  text: string;
  meta?: Record<string, unknown> | null;
  /** Our idempotency key; generated when absent. */
  id?: string;
}

/** Stores a message we are about to send (status "queued"); idempotent on its id. */
export function recordOutbound(deps: TranscriptDeps, msg: OutboundMessage): Promise<RecordResult> {
  return insertOnce(deps, {
    conversationId: msg.conversationId,
    channel: msg.channel,
    channelMessageId: msg.id ?? newOutboundId(),
    direction: 'out',
    author: { kind: msg.author.kind, id: msg.author.id ?? null, name: msg.author.name ?? null },
    text: msg.text,
    status: 'queued',
    meta: msg.meta ?? null,
  });
}

/** The messages of a conversation after a sequence number, oldest first (history replay, advisor context). */
export async function messagesAfter(db: Db, conversationId: string, afterSeq = 0, limit = 200): Promise<MessageDoc[]> {
  return (await db.Message.find({ conversationId, seq: { $gt: afterSeq } })
    .sort({ seq: 1 })
    .limit(limit)
    .lean()) as MessageDoc[];
}

/** The last `limit` messages of a conversation, oldest first. */
export async function recentMessages(db: Db, conversationId: string, limit = 50): Promise<MessageDoc[]> {
  const docs = (await db.Message.find({ conversationId }).sort({ seq: -1 }).limit(limit).lean()) as MessageDoc[];
  return docs.reverse();
}

/** The wire shape of a message, as clients and advisors receive it. */
export interface WireMessage {
  id: string;
  conversationId: string;
  seq: number;
  from: 'client' | 'bot' | 'advisor' | 'system';
  authorName: string | null;
  text: string;
  createdAt: string;
  status: string;
}

export function toWire(m: MessageDoc): WireMessage {
  return {
    id: m.channelMessageId,
    conversationId: m.conversationId,
    seq: m.seq,
    from: m.author.kind,
    authorName: m.author.name ?? null,
    text: m.text,
    createdAt: new Date(m.createdAt).toISOString(),
    status: m.status,
  };
}
