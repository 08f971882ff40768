import type { Db } from './models/db';
import type { MessageDoc } from './models/schemas';
import { isDuplicateKey } from './conversations';
import type { SequenceAllocator } from './sequence';
import type { Channel } from './states';
import { newOutboundId } from './ids';
import type { Queues } from './queues';
import { entryOfMessage, feedTranscriptIndex } from './transcript-index-feed';

export interface InboundMessage {
  conversationId: string;
  channel: Channel;
  channelMessageId: string;
  externalUserId: string;
  text: string;
  /**
   * The channel rarely delivers this message twice (the trading app resends only a message whose
   * ack it missed): insert without looking first; a repeat then costs a gap in `seq`.
   */
  usuallyNew?: boolean;
}

export interface RecordResult {
  message: MessageDoc;
  duplicate: boolean;
}

export interface TranscriptDeps {
  db: Db;
  seq: SequenceAllocator;
  /** When given, each stored message is handed to 会话记录 search's index worker (one XADD; see transcript-index-feed.ts). */
  queues?: Pick<Queues, 'inbound'>;
}

/** Stored (or found stored again: a redelivery repairs an entry lost to a crash) → the search index's stream. */
async function indexed(deps: TranscriptDeps, result: RecordResult): Promise<RecordResult> {
  if (deps.queues) await feedTranscriptIndex(deps.queues, entryOfMessage(result.message));
  return result;
}

type NewMessage = Omit<MessageDoc, '_id' | 'seq' | 'createdAt' | 'updatedAt' | 'meta' | 'error'> & { meta?: unknown };

/**
 * Inserts a message exactly once. The unique index on (channel, channelMessageId) turns a
 * redelivery into a read of the stored copy; a sequence number handed out twice (see
 * SequenceAllocator) hits the unique (conversationId, seq) index and we take the next.
 * `usuallyNew`: skip the first lookup (one round trip) for messages that are almost never
 * stored already — our own replies, whose ids repeat only when a turn runs again after a crash,
 * and the trading app's messages, resent only when an ack was missed; such a repeat then costs
 * one sequence number (a gap in `seq`, never a duplicate). WeCom and mini-program messages,
 * redelivered often by the platforms, are looked up first so that their numbers stay gap-free.
 * The insert itself joins the next batch (db.messageInserts).
 */
async function insertOnce(deps: TranscriptDeps, doc: NewMessage, usuallyNew = false): Promise<RecordResult> {
  const key = { channel: doc.channel, channelMessageId: doc.channelMessageId };
  if (!usuallyNew) {
    const existing = (await deps.db.Message.findOne(key).lean()) as MessageDoc | null;
    if (existing) return indexed(deps, { message: existing, duplicate: true });
  }
  for (let attempt = 0; ; attempt++) {
    const seq = await deps.seq.next(doc.conversationId);
    const outcome = await deps.db.messageInserts.insert({ ...doc, seq });
    if (outcome.ok) return indexed(deps, { message: outcome.doc, duplicate: false });
    if (!isDuplicateKey(outcome.error)) throw outcome.error;
    const stored = (await deps.db.Message.findOne(key).lean()) as MessageDoc | null;
    if (stored) return indexed(deps, { message: stored, duplicate: true });
    if (attempt >= 5) throw outcome.error;
  }
}

/** Stores a client's message exactly once (status "received"). */
export function recordInbound(deps: TranscriptDeps, msg: InboundMessage): Promise<RecordResult> {
  return insertOnce(
    deps,
    {
      conversationId: msg.conversationId,
      channel: msg.channel,
      channelMessageId: msg.channelMessageId,
      direction: 'in',
      author: { kind: 'client', id: msg.externalUserId, name: null },
      text: msg.text,
      status: 'received',
    },
    msg.usuallyNew ?? false,
  );
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
  return insertOnce(
    deps,
    {
      conversationId: msg.conversationId,
      channel: msg.channel,
      channelMessageId: msg.id ?? newOutboundId(),
      direction: 'out',
      author: { kind: msg.author.kind, id: msg.author.id ?? null, name: msg.author.name ?? null },
      text: msg.text,
      status: 'queued',
      meta: msg.meta ?? null,
    },
    true,
  );
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

/** One option of a clarifying menu; sending its label (or its number) picks it. */
export interface MenuChoice {
  id: string;
  label: string;
}

/** The bot's menu from a stored reply's meta, keeping only well-formed items (a WeCom msgmenu holds at most 10). */
export function menuOf(meta: unknown): MenuChoice[] {
  const list = (meta as { menu?: unknown } | null | undefined)?.menu;
  if (!Array.isArray(list)) return [];
  return list
    .filter((c): c is MenuChoice => typeof c?.id === 'string' && typeof c?.label === 'string' && c.id !== '' && c.label !== '')
    .slice(0, 10);
}

export type MediaKind = 'image' | 'voice' | 'video' | 'file';

/** What the channel stored of a non-text message's file (meta.media). */
export interface StoredMedia {
  kind: MediaKind;
  name?: string | null;
}

/** Where an advisor reads a message's file (Authorization: Bearer <advisor token>). */
export const mediaUrl = (messageId: string) => `/api/advisor/messages/${encodeURIComponent(messageId)}/media`;

/** The wire shape of a message, as clients and advisors receive it. Optional fields appear only when they apply. */
export interface WireMessage {
  id: string;
  conversationId: string;
  seq: number;
  from: 'client' | 'bot' | 'advisor' | 'system';
  authorName: string | null;
  text: string;
  createdAt: string;
  status: string;
  /** Why delivery failed (status "failed"), in Chinese for the advisor. */
  error?: string;
  /** The client took the message back (WeCom user_recall_msg); it stays in the transcript. */
  recalled?: boolean;
  /** A clarifying menu the client can tap. */
  menu?: MenuChoice[];
  /** A non-text message's file, for advisors. */
  media?: { kind: MediaKind; name: string | null; url: string };
}

function mediaOf(meta: unknown): StoredMedia | null {
  const media = (meta as { media?: Partial<StoredMedia> } | null | undefined)?.media;
  const kinds: MediaKind[] = ['image', 'voice', 'video', 'file'];
  return media && kinds.includes(media.kind as MediaKind) ? { kind: media.kind as MediaKind, name: media.name ?? null } : null;
}

export function toWire(m: MessageDoc): WireMessage {
  const wire: WireMessage = {
    id: m.channelMessageId,
    conversationId: m.conversationId,
    seq: m.seq,
    from: m.author.kind,
    authorName: m.author.name ?? null,
    text: m.text,
    createdAt: new Date(m.createdAt).toISOString(),
    status: m.status,
  };
  const meta = m.meta as Record<string, unknown> | null | undefined;
  if (m.status === 'failed' && m.error) wire.error = m.error;
  if (meta?.recalled) wire.recalled = true;
  const menu = menuOf(meta);
  if (menu.length > 0) wire.menu = menu;
  const media = mediaOf(meta);
  if (media) wire.media = { kind: media.kind, name: media.name ?? null, url: mediaUrl(m.channelMessageId) };
  return wire;
}

/**
 * What the bot made of a client's message and what it did, for advisors and supervisors only
 * (never sent to the client): stored in the message's meta by the bot's turn.
 */
export interface MessageInsight {
  emotion: string | null;
  intensity: number | null;
  intent: string | null;
  intentLabel: string | null;
  /** answered, clarified, fallback, flow, refused_advice, escalated, after_hours, relayed … */
  action: string | null;
  reasons: string[];
}

export function insightOf(meta: unknown): MessageInsight | null {
  const m = meta as {
    action?: unknown;
    reasons?: unknown;
    understanding?: { emotion?: unknown; intensity?: unknown; intent?: unknown; intentLabel?: unknown };
  } | null;
  if (!m || (typeof m.action !== 'string' && !m.understanding)) return null;
  const u = m.understanding ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    emotion: str(u.emotion),
    intensity: typeof u.intensity === 'number' ? u.intensity : null,
    intent: str(u.intent),
    intentLabel: str(u.intentLabel),
    action: str(m.action),
    reasons: Array.isArray(m.reasons) ? m.reasons.filter((r): r is string => typeof r === 'string') : [],
  };
}

/** The advisor's view of a message: the client's view plus, on a client message, the bot's insight. */
export type AdvisorWireMessage = WireMessage & { insight?: MessageInsight };

export function toAdvisorWire(m: MessageDoc): AdvisorWireMessage {
  const wire: AdvisorWireMessage = toWire(m);
  const insight = m.direction === 'in' ? insightOf(m.meta) : null;
  if (insight) wire.insight = insight;
  return wire;
}
