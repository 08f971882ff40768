import type { Db } from './models/db';
import type { ConversationDoc } from './models/schemas';
import { canTransition, type Channel, type ConversationState } from './states';

export interface ConversationRef {
  channel: Channel;
  externalUserId: string;
  customerId: string | null;
  branchId: string | null;
}

/** Finds or creates the client's conversation on a channel (one per client and channel; idempotent). */
export async function ensureConversation(db: Db, ref: ConversationRef): Promise<ConversationDoc> {
  const filter = { channel: ref.channel, externalUserId: ref.externalUserId };
  try {
    const doc = await db.Conversation.findOneAndUpdate(
      filter,
      { $setOnInsert: { ...ref, state: 'bot', lastSeq: 0, transitions: [] } },
      { upsert: true, new: true, lean: true },
    );
    return doc as ConversationDoc;
  } catch (err) {
    // Two first messages at once: both upsert, one wins the unique index, the other reads it.
    if ((err as { code?: number }).code === 11000) {
      return (await db.Conversation.findOne(filter).lean()) as ConversationDoc;
    }
    throw err;
  }
}

/** Hands out the next message sequence number of a conversation (atomic $inc). */
export async function nextSeq(db: Db, conversationId: string): Promise<number> {
  const doc = await db.Conversation.findByIdAndUpdate(
    conversationId,
    { $inc: { lastSeq: 1 } },
    // No projection: FerretDB v1's findAndModify does not implement `fields`.
    { new: true, lean: true },
  );
  if (!doc) throw new Error(`conversation ${conversationId} not found`);
  return doc.lastSeq;
}

export interface TransitionRequest {
  conversationId: string;
  from: ConversationState | ConversationState[];
  to: ConversationState;
  by: string;
  reason: string;
  /** Extra fields set in the same atomic update (advisorId, handoffId …). */
  set?: Record<string, unknown>;
  /** Extra preconditions on the document (e.g. the advisor who owns it). */
  where?: Record<string, unknown>;
}

/**
 * Moves a conversation between states in one atomic update whose filter is the expected
 * current state, and records who/why/when. Returns null when the conversation was not in
 * the expected state (someone else got there first): the caller decides what that means.
 */
export async function transition(db: Db, req: TransitionRequest): Promise<ConversationDoc | null> {
  const from = Array.isArray(req.from) ? req.from : [req.from];
  for (const f of from) {
    if (!canTransition(f, req.to)) throw new Error(`illegal conversation transition ${f} → ${req.to}`);
  }
  // One update per possible source state, so that the stored transition names the real one.
  for (const f of from) {
    const doc = await db.Conversation.findOneAndUpdate(
      { _id: req.conversationId, state: f, ...req.where },
      {
        $set: { state: req.to, ...req.set },
        $push: { transitions: { from: f, to: req.to, by: req.by, reason: req.reason, at: new Date() } },
      },
      { new: true, lean: true },
    );
    if (doc) return doc as ConversationDoc;
  }
  return null;
}
