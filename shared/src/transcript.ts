import type { Db } from './models/db';
import type { MessageDoc } from './models/schemas';
import { nextSeq } from './conversations';
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

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/**
 * Stores a client's message exactly once: the unique index on (channel, channelMessageId)
 * turns a redelivery into a read of the stored copy. A sequence number lost to such a
 * race leaves a gap, never a reordering.
 */
export async function recordInbound(db: Db, msg: InboundMessage): Promise<RecordResult> {
  const key = { channel: msg.channel, channelMessageId: msg.channelMessageId };
  const existing = await db.Message.findOne(key).lean();
  if (existing) return { message: existing as MessageDoc, duplicate: true };
  const seq = await nextSeq(db, msg.conversationId);
  try {
    const created = await db.Message.create({
      ...key,
      conversationId: msg.conversationId,
      seq,
      direction: 'in',
      author: { kind: 'client', id: msg.externalUserId },
      text: msg.text,
      status: 'received',
    });
    return { message: created.toObject() as MessageDoc, duplicate: false };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return { message: (await db.Message.findOne(key).lean()) as MessageDoc, duplicate: true };
  }
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
export async function recordOutbound(db: Db, msg: OutboundMessage): Promise<RecordResult> {
  const channelMessageId = msg.id ?? newOutboundId();
  const key = { channel: msg.channel, channelMessageId };
  if (msg.id) {
    const existing = await db.Message.findOne(key).lean();
    if (existing) return { message: existing as MessageDoc, duplicate: true };
  }
  const seq = await nextSeq(db, msg.conversationId);
  try {
    const created = await db.Message.create({
      ...key,
      conversationId: msg.conversationId,
      seq,
      direction: 'out',
      author: { kind: msg.author.kind, id: msg.author.id ?? null, name: msg.author.name ?? null },
      text: msg.text,
      status: 'queued',
      meta: msg.meta ?? null,
    });
    return { message: created.toObject() as MessageDoc, duplicate: false };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return { message: (await db.Message.findOne(key).lean()) as MessageDoc, duplicate: true };
  }
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
