import {
  customersById,
  findIn,
  type ConversationDoc,
  type ConversationReviewDoc,
  type Db,
  type HandoffDoc,
  type QualityScoreDoc,
} from '@brokerbot/shared';
import { newestScore, SCORE_SUMMARY_FIELDS } from '../quality/quality-records';
import { insertAbsent } from './store';
import { summaryModel, type StoredSummary } from './summary-model';

/**
 * The facts of 会话记录 search's result rows. A page reads, in one round of parallel equality
 * lookups, the listed conversations' stored summaries (summary-model.ts), and the conversations
 * too unless the page's times come from search's index, which counts each conversation change as
 * activity (`changesIndexed`); a summary is used when it still matches (freshIn), and otherwise
 * the row is computed from the stored data (conversation, handoffs, reviews, messages, scores,
 * customer, advisors) and its summary rewritten, so a page costs five lookups per conversation
 * only for conversations that changed since their summary was computed. `backfillSummaries` computes every summary in one pass over
 * each collection.
 */

export const NEGATIVE_EMOTIONS = ['anxious', 'angry', 'sad'] as const;
/** A summary computed this soon after its conversation's last change is not trusted (writers that update a handoff right after the transition). */
export const SETTLE_GRACE_MS = 5_000;
/** A client message the bot has not read after this long will not get an emotion any more. */
const UNSETTLED_WINDOW_MS = 10 * 60_000;

export interface QualityBrief {
  total: number | null;
  flags: string[];
  failedItemIds: string[];
  scorecardVersion: string;
}

export interface TranscriptSummary {
  conversationId: string;
  channel: string;
  customer: { id: string; name: string; tier: string } | null;
  branchId: string | null;
  state: string;
  lastMessageAt: string | null;
  messageCount?: number;
  escalations: { reasons: string[]; priority: number; createdAt: string; advisorName: string | null }[];
  strongestEmotion: { emotion: string; intensity: number | null } | null;
  /** The latest review by any supervisor. */
  review: { verdict: 'ok' | 'issue'; reviewerName: string; at: string } | null;
  /** The latest automatic inspection (智能质检) of the conversation's latest closed chat, if scored. */
  quality: QualityBrief | null;
}

/**
 * What a summary keeps: the row's facts, with the conversation's own (channel, branch, state) as
 * they were when it was computed (summaries stored before those were kept lack them: recomputed).
 */
export type TranscriptRow = Pick<
  TranscriptSummary,
  'customer' | 'messageCount' | 'escalations' | 'strongestEmotion' | 'review' | 'quality'
> &
  Partial<Pick<TranscriptSummary, 'channel' | 'branchId' | 'state'>> & { customerId: string | null };

type ScoreRow = Pick<
  QualityScoreDoc,
  'conversationId' | 'closedAt' | 'total' | 'flags' | 'failedItemIds' | 'scorecardVersion'
> & {
  scoredAt: Date;
};

interface MessageFacts {
  conversationId: string;
  direction: string;
  status?: string;
  createdAt: Date;
  meta?: { understanding?: { emotion?: string; intensity?: unknown } } | null;
}

const MESSAGE_PROJECTION = {
  conversationId: 1,
  direction: 1,
  status: 1,
  createdAt: 1,
  'meta.understanding.emotion': 1,
  'meta.understanding.intensity': 1,
} as const;

export function qualityBrief(score: ScoreRow | null): QualityBrief | null {
  if (!score) return null;
  return {
    total: score.total ?? null,
    flags: score.flags,
    failedItemIds: score.failedItemIds,
    scorecardVersion: score.scorecardVersion,
  };
}

/** The sources of one conversation's row (already read). */
export interface RowSources {
  conversation: ConversationDoc;
  handoffs: HandoffDoc[];
  reviews: ConversationReviewDoc[];
  messages: MessageFacts[];
  scores: ScoreRow[];
  customer: { _id: string; name: string; tier: string } | undefined;
  advisorNames: ReadonlyMap<string, string>;
}

/** A conversation's summary from its stored data (pure). `computedAt`: when reading the sources began. */
export function summaryOf(s: RowSources, computedAt: Date): StoredSummary<TranscriptRow> {
  let strongest: { emotion: string; intensity: number | null } | null = null;
  let lastAt: Date | null = null;
  let unsettled = false;
  for (const m of s.messages) {
    const at = new Date(m.createdAt);
    if (!lastAt || at > lastAt) lastAt = at;
    if (m.direction !== 'in') continue;
    const u = m.meta?.understanding;
    if (!u?.emotion && m.status === 'received' && +computedAt - +at < UNSETTLED_WINDOW_MS) unsettled = true;
    if (!u?.emotion || !(NEGATIVE_EMOTIONS as readonly string[]).includes(u.emotion)) continue;
    const intensity = typeof u.intensity === 'number' ? u.intensity : null;
    if (!strongest || (intensity ?? 0) > (strongest.intensity ?? 0)) strongest = { emotion: u.emotion, intensity };
  }
  // The conversation's last change counts as activity (search's index hears of each change), and
  // a summary computed right after one is not trusted: writers update a handoff just after.
  const changedAt = s.conversation.updatedAt ? new Date(s.conversation.updatedAt) : null;
  if (changedAt && (!lastAt || changedAt > lastAt)) lastAt = changedAt;
  if (changedAt && +computedAt < +changedAt + SETTLE_GRACE_MS) unsettled = true;
  const handoffs = [...s.handoffs].sort((a, b) => +new Date(a.createdAt) - +new Date(b.createdAt));
  const latest = [...s.reviews].sort((a, b) => +new Date(b.at) - +new Date(a.at))[0];
  const c = s.conversation;
  return {
    _id: c._id.toString(),
    computedAt,
    version: c.version ?? 0,
    lastAt,
    unsettled,
    row: {
      customerId: c.customerId ?? null,
      channel: c.channel,
      branchId: c.branchId ?? null,
      state: c.state,
      customer: s.customer ? { id: s.customer._id, name: s.customer.name, tier: s.customer.tier } : null,
      messageCount: s.messages.length,
      escalations: handoffs.map((x) => ({
        reasons: x.reasons,
        priority: x.priority,
        createdAt: new Date(x.createdAt).toISOString(),
        advisorName: (x.advisorId && s.advisorNames.get(x.advisorId)) || null,
      })),
      strongestEmotion: strongest,
      review: latest
        ? { verdict: latest.verdict, reviewerName: latest.reviewerName, at: new Date(latest.at).toISOString() }
        : null,
      quality: qualityBrief(newestScore(s.scores)),
    },
  };
}

/**
 * Whether a stored summary still holds: no review or score since, no activity after its latest
 * (`latestAt`: the conversation's latest activity as known to the caller), and no client message
 * still waiting for the bot's reading. With the conversation as read now, also: the same
 * transition count and client, computed well after its last change. Without it (null), the
 * caller's `latestAt` comes from search's index, which hears of every change of the conversation
 * as activity (scripts/system.ts): a change after the summary is then a later activity.
 */
export function freshIn(
  summary: StoredSummary<TranscriptRow> | undefined,
  conversation: (Pick<ConversationDoc, 'version' | 'customerId'> & { updatedAt?: Date | null }) | null,
  latestAt: Date | null,
): summary is StoredSummary<TranscriptRow> {
  if (!summary) return false;
  const computed = +new Date(summary.computedAt);
  if (!conversation && summary.row.state === undefined) return false;
  if (conversation && (conversation.version ?? 0) !== summary.version) return false;
  if (conversation && (conversation.customerId ?? null) !== (summary.row.customerId ?? null)) return false;
  if (conversation?.updatedAt && computed < +new Date(conversation.updatedAt) + SETTLE_GRACE_MS) return false;
  if (summary.touchedAt && +new Date(summary.touchedAt) >= computed) return false;
  if (summary.unsettled) return false;
  if (latestAt && (!summary.lastAt || +new Date(latestAt) > +new Date(summary.lastAt))) return false;
  return true;
}

/** Advisors' display names by id. */
async function namesById(db: Pick<Db, 'Advisor'>, list: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(list.filter((id): id is string => !!id && /^[0-9a-f]{24}$/.test(id)))];
  if (wanted.length === 0) return new Map();
  const docs = await findIn<{ _id: { toString(): string }; displayName: string }>(db.Advisor, '_id', wanted, {
    projection: { displayName: 1 },
  });
  return new Map(docs.map((a) => [a._id.toString(), a.displayName]));
}

const groupBy = <T>(list: T[], key: (t: T) => string) => {
  const out = new Map<string, T[]>();
  for (const x of list) out.set(key(x), [...(out.get(key(x)) ?? []), x]);
  return out;
};

/** Summaries computed from the stored data, each source read once for all the conversations (per-conversation lookups). */
export async function computeSummaries(
  db: Db,
  conversations: ConversationDoc[],
): Promise<Map<string, StoredSummary<TranscriptRow>>> {
  if (conversations.length === 0) return new Map();
  const computedAt = new Date();
  const ids = conversations.map((c) => c._id.toString());
  const [handoffs, reviews, messages, scores, customers] = await Promise.all([
    findIn<HandoffDoc>(db.Handoff, 'conversationId', ids),
    findIn<ConversationReviewDoc>(db.ConversationReview, 'conversationId', ids),
    findIn<MessageFacts>(db.Message, 'conversationId', ids, { projection: MESSAGE_PROJECTION }),
    findIn<ScoreRow>(db.QualityScore, 'conversationId', ids, { projection: SCORE_SUMMARY_FIELDS }),
    customersById(
      db,
      conversations.map((c) => c.customerId),
    ),
  ]);
  const advisorNames = await namesById(
    db,
    handoffs.map((h) => h.advisorId),
  );
  const [h, r, m, s] = [handoffs, reviews, messages, scores].map((list) =>
    groupBy(list as { conversationId: string }[], (x) => x.conversationId),
  ) as [Map<string, HandoffDoc[]>, Map<string, ConversationReviewDoc[]>, Map<string, MessageFacts[]>, Map<string, ScoreRow[]>];
  return new Map(
    conversations.map((c) => {
      const id = c._id.toString();
      const summary = summaryOf(
        {
          conversation: c,
          handoffs: h.get(id) ?? [],
          reviews: r.get(id) ?? [],
          messages: m.get(id) ?? [],
          scores: s.get(id) ?? [],
          customer: c.customerId ? customers.get(c.customerId) : undefined,
          advisorNames,
        },
        computedAt,
      );
      return [id, summary];
    }),
  );
}

/** Stores summaries (`$set` of everything but `touchedAt`, upserted). A failed write only costs a recomputation later. */
export async function storeSummaries(db: Pick<Db, 'connection'>, summaries: StoredSummary<TranscriptRow>[]): Promise<void> {
  const model = summaryModel(db);
  await Promise.all(
    summaries.map(async ({ _id, ...fields }) => {
      try {
        await model.collection.updateOne({ _id: _id as never }, { $set: fields }, { upsert: true });
      } catch {
        // Two writers upserting the same new summary: the other one's is as good.
      }
    }),
  );
}

export interface PageHit {
  conversationId: string;
  lastMessageAt: Date | string | null;
  /** The conversation's latest activity, when the caller knows it is later than lastMessageAt (a search bounded by `to`). */
  latestAt?: Date | null;
}

/**
 * The rows of a page, in the hits' order (conversations no longer stored are left out). One round
 * of lookups (summaries by id, the conversations too unless `changesIndexed`, and `latestOf` when
 * given: the conversations' latest activity); rows whose summary is missing or out of date are
 * computed from the stored data and their summaries rewritten.
 */
export async function pageRows(
  db: Db,
  hits: PageHit[],
  latestOf?: () => Promise<ReadonlyMap<string, Date>>,
  options: { changesIndexed?: boolean } = {},
): Promise<TranscriptSummary[]> {
  if (hits.length === 0) return [];
  const ids = hits.map((h) => h.conversationId);
  // With the hits' times from search's index (`changesIndexed`), a conversation's changes are
  // among its activity: only the summaries are read, and the conversations of those out of date.
  const [conversations, stored, latestKnown] = await Promise.all([
    options.changesIndexed ? null : findIn<ConversationDoc & { updatedAt?: Date }>(db.Conversation, '_id', ids),
    findIn<StoredSummary<TranscriptRow>>(summaryModel(db), '_id', ids),
    latestOf?.(),
  ]);
  const byId = new Map((conversations ?? []).map((c) => [c._id.toString(), c]));
  const summaries = new Map(stored.map((s) => [s._id, s]));
  const latestOfHit = (h: PageHit) =>
    latestKnown?.get(h.conversationId) ?? h.latestAt ?? (h.lastMessageAt ? new Date(h.lastMessageAt) : null);
  let stale = hits.filter((h) => {
    if (!conversations) return !freshIn(summaries.get(h.conversationId), null, latestOfHit(h));
    const c = byId.get(h.conversationId);
    return c ? !freshIn(summaries.get(h.conversationId), c, latestOfHit(h)) : false;
  });
  if (stale.length && !conversations) {
    const read = await findIn<ConversationDoc & { updatedAt?: Date }>(
      db.Conversation,
      '_id',
      stale.map((h) => h.conversationId),
    );
    for (const c of read) byId.set(c._id.toString(), c);
    // A conversation no longer stored is not listed (its summary goes with it: retention).
    for (const h of stale) if (!byId.has(h.conversationId)) summaries.delete(h.conversationId);
    stale = stale.filter((h) => byId.has(h.conversationId));
  }
  if (stale.length) {
    const computed = await computeSummaries(
      db,
      stale.map((h) => byId.get(h.conversationId)!),
    );
    for (const [id, s] of computed) summaries.set(id, s);
    await storeSummaries(db, [...computed.values()]);
  }
  return hits.flatMap((h) => {
    const c = byId.get(h.conversationId);
    const s = summaries.get(h.conversationId);
    if (!s || (conversations && !c)) return [];
    const { customerId: _customerId, ...row } = s.row;
    return [
      {
        conversationId: h.conversationId,
        channel: c?.channel ?? row.channel ?? '',
        customer: row.customer,
        branchId: c ? (c.branchId ?? null) : (row.branchId ?? null),
        state: c?.state ?? row.state ?? '',
        lastMessageAt: h.lastMessageAt ? new Date(h.lastMessageAt).toISOString() : null,
        messageCount: row.messageCount,
        escalations: row.escalations,
        strongestEmotion: row.strongestEmotion,
        review: row.review,
        quality: row.quality,
      },
    ];
  });
}

/**
 * Rebuilds every summary from the stored data: one pass over each source collection (no sort),
 * the summaries written with `$set` in batches (see storeSummaries). `computedAt` is the start of
 * the pass, so whatever changed during it is recomputed when next read.
 */
export async function backfillSummaries(
  db: Db,
  options: { log?: (line: string) => void } = {},
): Promise<{ summaries: number; messages: number }> {
  const computedAt = new Date();
  const conversations = (await db.Conversation.find({}).lean()) as ConversationDoc[];
  const [handoffs, reviews, scores, customers, advisors] = await Promise.all([
    db.Handoff.find({}).lean() as Promise<HandoffDoc[]>,
    db.ConversationReview.find({}).lean() as Promise<ConversationReviewDoc[]>,
    db.QualityScore.find({}, SCORE_SUMMARY_FIELDS).lean() as Promise<ScoreRow[]>,
    db.Customer.find({}, { name: 1, tier: 1 }).lean() as Promise<{ _id: string; name: string; tier: string }[]>,
    db.Advisor.find({}, { displayName: 1 }).lean() as Promise<{ _id: { toString(): string }; displayName: string }[]>,
  ]);
  const messages = new Map<string, MessageFacts[]>();
  let messageCount = 0;
  for await (const m of db.Message.find({}, MESSAGE_PROJECTION).lean().cursor({ batchSize: 5_000 })) {
    const f = m as unknown as MessageFacts;
    // Only what a summary needs of each message (a million messages stay a few hundred MB).
    const slim: MessageFacts = {
      conversationId: f.conversationId,
      direction: f.direction,
      status: f.status,
      createdAt: f.createdAt,
    };
    if (f.meta?.understanding?.emotion) slim.meta = { understanding: f.meta.understanding };
    const list = messages.get(f.conversationId);
    if (list) list.push(slim);
    else messages.set(f.conversationId, [slim]);
    messageCount += 1;
    if (messageCount % 200_000 === 0) options.log?.(`  ${messageCount.toLocaleString('en')} messages read for summaries`);
  }
  options.log?.(
    `  read for summaries: ${conversations.length.toLocaleString('en')} conversations, ${messageCount.toLocaleString('en')} messages in ${((Date.now() - +computedAt) / 1000).toFixed(1)} s`,
  );
  const h = groupBy(handoffs, (x) => x.conversationId);
  const r = groupBy(reviews, (x) => x.conversationId);
  const s = groupBy(scores, (x) => x.conversationId);
  const customerById = new Map(customers.map((c) => [c._id, c]));
  const advisorNames = new Map(advisors.map((a) => [a._id.toString(), a.displayName]));
  let written = 0;
  const BATCH = 500;
  for (let i = 0; i < conversations.length; i += BATCH) {
    const batch = conversations.slice(i, i + BATCH).map((c) => {
      const id = c._id.toString();
      return summaryOf(
        {
          conversation: c,
          handoffs: h.get(id) ?? [],
          reviews: r.get(id) ?? [],
          messages: messages.get(id) ?? [],
          scores: s.get(id) ?? [],
          customer: c.customerId ? customerById.get(c.customerId) : undefined,
          advisorNames,
        },
        computedAt,
      );
    });
    await writeBatch(db, batch);
    written += batch.length;
    if (written % 20_000 < BATCH) options.log?.(`  ${written.toLocaleString('en')} summaries written`);
  }
  return { summaries: written, messages: messageCount };
}

/** New summaries with one insertMany; those already stored are updated one by one. */
async function writeBatch(db: Db, batch: StoredSummary<TranscriptRow>[]): Promise<void> {
  const duplicates = await insertAbsent(summaryModel(db).collection, batch);
  const existing = duplicates.map((i) => batch[i]!);
  for (let i = 0; i < existing.length; i += 10) await storeSummaries(db, existing.slice(i, i + 10));
}
