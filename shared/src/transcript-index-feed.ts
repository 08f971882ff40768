import type { Redis } from 'ioredis';
import type { Queues } from './queues';

/**
 * The message path's only cost for 会话记录 search's index: one XADD per stored message onto a
 * Redis stream (`<prefix>:tindex`, the queues' connection and key prefix, as DashboardCounter).
 * The index worker (agent-console/src/transcript-index/indexer.ts) reads the stream in batches,
 * writes the activity and keyword records with insertMany, and acknowledges and deletes what it
 * wrote. Writing a message's entry twice (a redelivery) is harmless: every index write is
 * idempotent. Only the words of clients and advisors are carried (see terms.ts there).
 */

/** Entries the stream keeps at most while the worker is behind (approximate trim). */
export const TRANSCRIPT_INDEX_MAX_BACKLOG = 500_000;
const TEXT_AUTHORS = new Set(['client', 'advisor']);
/** Longest text carried to the index (a pasted document's head is what anyone would search). */
const MAX_TEXT = 2_000;

export const transcriptIndexStreamKey = (prefix: string) => `${prefix}:tindex`;

export interface TranscriptIndexEntry {
  conversationId: string;
  /** The message's time (ms since epoch). */
  at: number;
  channel: string;
  author: string;
  /** '' for authors whose words are not indexed. */
  text: string;
}

/** The Redis connection and key prefix of the system's queues (shared with the index worker). */
export function transcriptIndexRedis(queues: Pick<Queues, 'inbound'>): { redis: Redis; prefix: string } {
  const connection = queues.inbound.opts.connection as unknown;
  if (!connection || typeof (connection as Partial<Redis>).xadd !== 'function') {
    throw new Error('transcript index: the inbound queue must be created with an ioredis connection');
  }
  return { redis: connection as Redis, prefix: queues.inbound.opts.prefix ?? 'bull' };
}

export function entryOfMessage(m: {
  conversationId: string;
  channel: string;
  author: { kind: string };
  text: string;
  createdAt: Date | string | number;
}): TranscriptIndexEntry {
  return {
    conversationId: m.conversationId,
    at: new Date(m.createdAt).getTime(),
    channel: m.channel,
    author: m.author.kind,
    text: TEXT_AUTHORS.has(m.author.kind) ? (m.text ?? '').slice(0, MAX_TEXT) : '',
  };
}

/**
 * A conversation's change (a transition) as index activity: its time counts as the conversation's
 * latest activity, so a 会话记录 row summary computed before it is known to be out of date
 * without reading the conversation (agent-console/src/transcript-index/summaries.ts). No words.
 */
export function entryOfChange(c: { _id: unknown; channel: string }, at = Date.now()): TranscriptIndexEntry {
  return { conversationId: String(c._id), at, channel: c.channel, author: 'system', text: '' };
}

/** Hands a stored message to the index worker (one round trip). */
export async function feedTranscriptIndex(queues: Pick<Queues, 'inbound'>, entry: TranscriptIndexEntry): Promise<void> {
  const { redis, prefix } = transcriptIndexRedis(queues);
  await redis.xadd(
    transcriptIndexStreamKey(prefix),
    'MAXLEN',
    '~',
    String(TRANSCRIPT_INDEX_MAX_BACKLOG),
    '*',
    'c',
    entry.conversationId,
    't',
    String(entry.at),
    'ch',
    entry.channel,
    'a',
    entry.author,
    'x',
    entry.text,
  );
}

/** 会话记录 search's set of conversations ever escalated (agent-console/src/transcript-index/latest-activity.ts). */
export const escalatedSetKey = (prefix: string) => `${prefix}:tindex:escalated`;

/**
 * Tells 会话记录 search that a conversation was handed to a person (its 仅转人工 filter), right
 * after its handoff is stored: one `SADD`, idempotent, so a retried escalation repeats it. The set
 * is derived data: the index worker rebuilds it from the handoffs when Redis lost it.
 */
export async function markEscalated(queues: Pick<Queues, 'inbound'>, conversationId: string): Promise<void> {
  const { redis, prefix } = transcriptIndexRedis(queues);
  await redis.sadd(escalatedSetKey(prefix), conversationId);
}

/** An entry as read back from the stream (null: not one of ours). */
export function parseTranscriptIndexEntry(fields: string[]): TranscriptIndexEntry | null {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const at = Number(f.t);
  if (!f.c || !Number.isFinite(at) || !f.ch) return null;
  return { conversationId: f.c, at, channel: f.ch, author: f.a ?? '', text: f.x ?? '' };
}
