import type { Db } from './models/db';
import type { ConversationDoc } from './models/schemas';
import { canTransition, type Channel, type ConversationState } from './states';
import { VersionedLog } from './versioned-log';

export interface ConversationRef {
  channel: Channel;
  externalUserId: string;
  customerId: string | null;
  branchId: string | null;
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number }).code === 11000;
}

/**
 * Finds or creates the client's conversation on a channel (one per client and channel).
 * Find, then insert under the unique index: no upsert, because an upsert is a write to a
 * document that a concurrent transition may be writing too.
 */
export async function ensureConversation(db: Db, ref: ConversationRef): Promise<ConversationDoc> {
  const filter = { channel: ref.channel, externalUserId: ref.externalUserId };
  const found = (await db.Conversation.findOne(filter).lean()) as ConversationDoc | null;
  if (found) return found;
  try {
    const created = (await db.Conversation.create({ ...ref, state: 'bot', version: 0 })).toObject() as ConversationDoc;
    await db.conversationWrites.created(created);
    return created;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return (await db.Conversation.findOne(filter).lean()) as ConversationDoc;
  }
}

export interface TransitionRequest {
  conversationId: string;
  from: ConversationState | ConversationState[];
  to: ConversationState;
  by: string;
  reason: string;
  /** Fields set on the conversation with the transition (advisorId, handoffId …). */
  set?: Record<string, unknown>;
  /** Further preconditions on the conversation (e.g. the advisor who owns it). */
  where?: Record<string, unknown>;
  /**
   * The caller's copy of the conversation, possibly out of date: tried first, saving the read.
   * If it no longer fits (another state, or the log refuses its version), the stored one is read
   * and decides, as without it.
   */
  current?: ConversationDoc;
}

/** A conversation's transitions: its versioned log (see VersionedLog). */
const transitionLog = (db: Db) => new VersionedLog(db.Transition, db.Conversation, 'conversationId');

/**
 * Moves a conversation between states exactly once. The transition is won by inserting
 * (conversationId, version + 1) into the transition log, whose unique index admits one
 * winner; only the winner then writes the conversation document, so it has one writer at a
 * time (VersionedLog). Returns the updated conversation, or null when the conversation is not in an
 * expected state or someone else moved it first: the caller decides what that means.
 */
export async function transition(db: Db, req: TransitionRequest): Promise<ConversationDoc | null> {
  const from = Array.isArray(req.from) ? req.from : [req.from];
  for (const f of from) {
    if (!canTransition(f, req.to)) throw new Error(`illegal conversation transition ${f} → ${req.to}`);
  }
  if (req.current && fits(req.current, from, req.where)) {
    const after = await advanceFrom(db, req, req.current);
    if (after) return after;
  }
  const current = (await db.Conversation.findById(req.conversationId).lean()) as ConversationDoc | null;
  if (!current || !fits(current, from, req.where)) return null;
  return advanceFrom(db, req, current);
}

/** Whether a conversation is in one of the states a transition starts from, with its preconditions. */
function fits(current: ConversationDoc, from: ConversationState[], where: Record<string, unknown> = {}): boolean {
  if (!from.includes(current.state)) return false;
  return Object.entries(where).every(([key, value]) => (current as Record<string, unknown>)[key] === value);
}

/** Takes the version after `current`'s in the log; null when another writer took it. */
async function advanceFrom(db: Db, req: TransitionRequest, current: ConversationDoc): Promise<ConversationDoc | null> {
  const set = req.set ?? {};
  await db.conversationWrites.writing(current);
  const version = await transitionLog(db).advance(
    req.conversationId,
    current.version ?? 0,
    { from: current.state, to: req.to, by: req.by, reason: req.reason, set },
    { state: req.to, ...set },
  );
  if (version === null) return null;
  const after = { ...current, ...set, state: req.to, version } as ConversationDoc;
  await db.conversationWrites.wrote(after);
  return after;
}

/**
 * Crash repair: a process that died between winning a transition and writing the
 * conversation leaves the document one version behind its log, and no later transition
 * can be won. Applies such log entries once they are older than `graceMs`.
 */
export async function repairTransitions(db: Db, graceMs = 10_000, windowMs = 24 * 3600_000): Promise<number> {
  const now = Date.now();
  const recent = await db.Transition.find({ at: { $gte: new Date(now - windowMs), $lt: new Date(now - graceMs) } })
    .sort({ at: -1 })
    .limit(2000)
    .lean();
  const latest = new Map<string, (typeof recent)[number]>();
  for (const t of recent)
    if (!latest.has(t.conversationId) || latest.get(t.conversationId)!.version < t.version) latest.set(t.conversationId, t);
  const log = transitionLog(db);
  let repaired = 0;
  for (const t of latest.values()) {
    const c = (await db.Conversation.findById(t.conversationId).lean()) as ConversationDoc | null;
    if (c && (c.version ?? 0) < t.version) await db.conversationWrites.writing(c);
    if (c && (await log.applyMissed(t.conversationId, c.version ?? 0, t, { state: t.to, ...(t.set ?? {}) }))) {
      repaired += 1;
      await db.conversationWrites.wrote({ ...c, ...(t.set ?? {}), state: t.to, version: t.version } as ConversationDoc);
    }
  }
  return repaired;
}
