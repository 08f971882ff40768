import { z } from 'zod';
import {
  REVIEW_VERDICTS,
  findIn,
  UserError,
  isDuplicateKey,
  satisfactionByHandoff,
  seesBranch,
  toAdvisorWire,
  transcriptIndexRedis,
  visibleBranchFilter,
  type AdvisorWireMessage,
  type ConversationDoc,
  type ConversationReviewDoc,
  type HandoffDoc,
  type MessageDoc,
  type QualityScoreDoc,
  type Queues,
  type Services,
} from '@brokerbot/shared';
import { complianceOverridesOf } from './advisor-compliance';
import type { AdvisorClaims } from './advisor-token';
import { notesOf } from './notes';
import { newestScore, SCORE_SUMMARY_FIELDS } from './quality/quality-records';
import { indexSettled } from './transcript-index/indexer';
import { ActivitySets } from './transcript-index/activity-sets';
import { readTermList } from './transcript-index/term-lists';
import { IndexSearcher } from './transcript-index/search';
import { queryTerms } from './transcript-index/terms';
import { termId } from './transcript-index/records';
import { NEGATIVE_EMOTIONS, pageRows, type PageHit, type TranscriptSummary } from './transcript-index/summaries';
import { touchTranscriptSummary } from './transcript-index/summary-model';
import { recordAudit } from './records/audit-log';
import { holdStatus } from './records/legal-hold';

/**
 * Supervisors review past and present conversations for quality and compliance: search,
 * read-only transcript with the bot's insight and the state log, and a verdict per supervisor.
 *
 * The search lists conversations newest activity first from the 会话记录 index
 * (./transcript-index: an activity record per conversation per business day, a record per word
 * said), read by equality only, never a range or sort over messages; the other filters narrow
 * it through sets of conversation ids, and each page's rows come from per-conversation summaries
 * (./transcript-index/summaries.ts), recomputed from the stored data when out of date.
 */
type Deps = Pick<Services, 'db'>;
type Db = Deps['db'];
/** With the queues, a search first waits (briefly) for the index worker to catch up with what was just said. */
type SearchDeps = Deps & Partial<Pick<Services, 'queues'>>;

export const PAGE_SIZE = 30;
/** How long a search waits at most for the index worker to index messages stored before it. */
const INDEX_SETTLE_MS = 500;
/** A word's conversations are listed up to this many; a more common word is checked per candidate instead. */
const TERM_LIST_MAX = 5_000;
/** Sorted by score, a common word is checked on at most this many scored conversations. */
const SCORE_VERIFY_MAX = 2_000;
const TRANSCRIPT_BATCH = 500;
const TRANSCRIPT_MAX_MESSAGES = 10_000;
export { NEGATIVE_EMOTIONS, type QualityBrief, type TranscriptSummary } from './transcript-index/summaries';

const objectId = (what: string) => z.string().regex(/^[0-9a-f]{24}$/, `${what}无效`);
const isoDate = (what: string) =>
  z
    .string()
    .max(40)
    .refine((s) => !Number.isNaN(Date.parse(s)), `${what}不是有效的日期时间`)
    .transform((s) => new Date(s));

/** A page position, opaque to the console: the last conversation listed (its latest activity and id), or, sorted by score, the offset. */
const TIME_CURSOR_RE = /^(\d{1,15})\.([0-9a-f]{24})$/;
const SCORE_CURSOR_RE = /^s(\d{1,7})$/;
const CURSOR_RE = /^(\d{1,15}\.[0-9a-f]{24}|s\d{1,7})$/;
/** Quality flags to filter by: a failed item of that severity, or any failed item. */
export const QUALITY_FLAGS = ['critical', 'major', 'minor', 'any'] as const;
const SORTS = ['recent', 'score_asc', 'score_desc'] as const;
const isScoreSort = (sort: string | undefined) => sort === 'score_asc' || sort === 'score_desc';
interface Cursor {
  at: Date;
  /** A conversation id (all zeros: the start of that day, walked to its end). */
  id: string;
}
const encodeCursor = (c: Cursor) => `${c.at.getTime()}.${c.id}`;
function decodeCursor(s: string): Cursor {
  const [, ms, id] = TIME_CURSOR_RE.exec(s)!;
  return { at: new Date(Number(ms)), id: id! };
}

export const transcriptRequests = {
  search: z
    .object({
      from: isoDate('开始时间').optional(),
      to: isoDate('结束时间').optional(),
      branchId: z.string().min(1).max(32).optional(),
      advisorId: objectId('顾问编号').optional(),
      escalated: z.boolean().optional(),
      emotion: z.enum(NEGATIVE_EMOTIONS, { errorMap: () => ({ message: '情绪只能是 anxious、angry 或 sad' }) }).optional(),
      reviewed: z.boolean().optional(),
      minScore: z
        .number({ invalid_type_error: '最低分必须是数字' })
        .min(0, '分数在 0–100 之间')
        .max(100, '分数在 0–100 之间')
        .optional(),
      maxScore: z
        .number({ invalid_type_error: '最高分必须是数字' })
        .min(0, '分数在 0–100 之间')
        .max(100, '分数在 0–100 之间')
        .optional(),
      flag: z.enum(QUALITY_FLAGS, { errorMap: () => ({ message: '标记只能是 critical、major、minor 或 any' }) }).optional(),
      failedItem: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,39}$/, '质检项编号无效')
        .optional(),
      sort: z.enum(SORTS, { errorMap: () => ({ message: '排序只能是 recent、score_asc 或 score_desc' }) }).optional(),
      /** 关键词: conversations in which a client or an advisor said all of its words. */
      keyword: z
        .string({ invalid_type_error: '关键词必须是文字' })
        .transform((s) => s.trim())
        .pipe(z.string().min(1, '关键词不能为空').max(50, '关键词不能超过 50 字'))
        .optional(),
      before: z.string().regex(CURSOR_RE, '翻页位置无效').optional(),
    })
    .strict()
    .refine((q) => !q.from || !q.to || q.from <= q.to, { message: '开始时间不能晚于结束时间', path: ['from'] })
    .refine((q) => q.minScore === undefined || q.maxScore === undefined || q.minScore <= q.maxScore, {
      message: '最低分不能高于最高分',
      path: ['minScore'],
    })
    .refine((q) => !q.before || (isScoreSort(q.sort) ? SCORE_CURSOR_RE.test(q.before) : TIME_CURSOR_RE.test(q.before)), {
      message: '翻页位置无效',
      path: ['before'],
    }),
  open: z.object({ conversationId: objectId('会话编号') }).strict(),
  review: z
    .object({
      conversationId: objectId('会话编号'),
      verdict: z.enum(REVIEW_VERDICTS, { errorMap: () => ({ message: '评审结论只能是 ok（合规）或 issue（有问题）' }) }),
      note: z
        .string()
        .transform((s) => s.trim())
        .pipe(z.string().max(500, '备注不能超过 500 字')),
    })
    .strict(),
};
export type TranscriptQuery = z.infer<typeof transcriptRequests.search>;

export interface ReviewView {
  reviewerId: string;
  reviewerName: string;
  verdict: 'ok' | 'issue';
  note: string;
  at: string;
}

function requireSupervisor(user: AdvisorClaims): void {
  if (user.role !== 'supervisor') throw new UserError('not_a_supervisor', '只有督导可以查看和评审会话记录');
}

/** Branches this supervisor may review (as visibleBranchFilter), optionally narrowed to one they asked for. */
function branchScope(user: AdvisorClaims, branchId?: string): Record<string, unknown> {
  if (!branchId) return visibleBranchFilter(user);
  if (!seesBranch(user, branchId)) throw new UserError('not_visible', `您只能查看营业部 ${user.branchId} 的会话`);
  return { branchId };
}

async function visibleConversation(db: Db, user: AdvisorClaims, conversationId: string): Promise<ConversationDoc> {
  const c = (await db.Conversation.findOne({ _id: conversationId, ...branchScope(user) }).lean()) as ConversationDoc | null;
  if (!c) throw new UserError('not_visible', '会话不存在，或不属于您可查看的营业部');
  return c;
}

const ids = (values: unknown[]) => values.map((v) => String(v));

interface IdFilters {
  only: Set<string> | null;
  except: Set<string>;
  /** Keyword words too common to list: checked per candidate. */
  verifyTerms: string[];
  /** The keyword's words (for highlighting), [] without a keyword. */
  terms: string[];
}

/**
 * A keyword's conversations: each word's list (by equality on the word), intersected. A word
 * said in more than TERM_LIST_MAX conversations is not listed but checked per candidate.
 */
async function keywordFilter(
  db: Db,
  keyword: string,
  sets?: ActivitySets,
): Promise<{ only: Set<string> | null; verifyTerms: string[]; terms: string[] }> {
  const terms = queryTerms(keyword);
  if (terms.length === 0) {
    throw new UserError('bad_keyword', '关键词里没有可搜索的词：请输入至少两个字的词，如“强平”“销户”');
  }
  // A word searched before is kept in Redis (term-lists.ts); else its list is read from the database.
  const lists = await Promise.all(
    terms.map((term) => (sets ? sets.terms.listOf(db, term, TERM_LIST_MAX) : readTermList(db, term, TERM_LIST_MAX))),
  );
  let only: Set<string> | null = null;
  const verifyTerms: string[] = [];
  lists.forEach((list, i) => {
    if (list.common) return void verifyTerms.push(terms[i]!);
    const here = new Set(list.ids);
    only = only ? new Set([...only].filter((id) => here.has(id))) : here;
  });
  return { only, verifyTerms, terms };
}

/**
 * Conversations ever escalated (served by `advisorId`, when given): from Redis's escalated set
 * when it is whole (activity-sets.ts), else a `distinct` over the handoffs.
 */
async function escalatedConversations(db: Db, advisorId: string | undefined, sets?: ActivitySets): Promise<string[]> {
  if (advisorId) return ids(await db.Handoff.distinct('conversationId', { advisorId }));
  return (await sets?.escalated()) ?? ids(await db.Handoff.distinct('conversationId'));
}

/**
 * Conversation ids the filters restrict the search to (`only`, null = any) or exclude (`except`).
 * Each filter is one `distinct` (or the keyword's word lists, or a Redis set), run together. Branch scope is the
 * index's own (its records carry the branch).
 */
async function idFilters(db: Db, user: AdvisorClaims, q: TranscriptQuery, sets?: ActivitySets): Promise<IdFilters> {
  branchScope(user, q.branchId); // refuses a branch this supervisor may not see
  const range = dateRange(q);
  const [keyword, escalated, reviewed, emotional] = await Promise.all([
    q.keyword ? keywordFilter(db, q.keyword, sets) : null,
    q.escalated !== undefined || q.advisorId ? escalatedConversations(db, q.advisorId, sets) : null,
    q.reviewed !== undefined ? db.ConversationReview.distinct('conversationId').then(ids) : null,
    q.emotion
      ? db.Message.distinct('conversationId', {
          direction: 'in',
          'meta.understanding.emotion': q.emotion,
          ...(range ? { createdAt: range } : {}),
        }).then(ids)
      : null,
  ]);
  let only: Set<string> | null = null;
  const except = new Set<string>();
  const restrict = (list: string[], current: Set<string> | null) =>
    current ? new Set(list.filter((id) => current.has(id))) : new Set(list);
  if (keyword?.only) only = restrict([...keyword.only], only);
  if (escalated && q.escalated === false) {
    // Served by an advisor yet never escalated cannot be: nothing matches.
    if (q.advisorId) only = new Set();
    else escalated.forEach((id) => except.add(id));
  } else if (escalated) only = restrict(escalated, only);
  if (reviewed && q.reviewed) only = restrict(reviewed, only);
  if (reviewed && q.reviewed === false) reviewed.forEach((id) => except.add(id));
  if (emotional) only = restrict(emotional, only);
  if (qualityFiltered(q)) {
    const scored = (await scoredConversations(db, user, q)).map((s) => s.conversationId);
    only = restrict(scored, only);
  }
  return { only, except, verifyTerms: keyword?.verifyTerms ?? [], terms: keyword?.terms ?? [] };
}

type ScoreRow = Pick<
  QualityScoreDoc,
  'conversationId' | 'closedAt' | 'total' | 'flags' | 'failedItemIds' | 'scorecardVersion'
> & {
  scoredAt: Date;
};

const qualityFiltered = (q: TranscriptQuery) =>
  q.minScore !== undefined || q.maxScore !== undefined || q.flag !== undefined || q.failedItem !== undefined;

/**
 * The latest score of each scored conversation in scope that passes the quality filters. Reads the
 * scores collection only (one small document per closed chat; by branch, an indexed equality),
 * never the messages.
 */
async function scoredConversations(db: Db, user: AdvisorClaims, q: TranscriptQuery): Promise<ScoreRow[]> {
  const scope = branchScope(user, q.branchId);
  const rows = (await db.QualityScore.find(scope, SCORE_SUMMARY_FIELDS).lean()) as ScoreRow[];
  const byConversation = new Map<string, ScoreRow[]>();
  for (const r of rows) byConversation.set(r.conversationId, [...(byConversation.get(r.conversationId) ?? []), r]);
  const latest = [...byConversation.values()].map((list) => newestScore(list)!);
  return latest.filter((s) => {
    if (q.minScore !== undefined && (s.total === null || s.total === undefined || s.total < q.minScore)) return false;
    if (q.maxScore !== undefined && (s.total === null || s.total === undefined || s.total > q.maxScore)) return false;
    if (q.flag === 'any' && s.flags.length === 0) return false;
    if (q.flag && q.flag !== 'any' && !s.flags.includes(q.flag)) return false;
    if (q.failedItem && !s.failedItemIds.includes(q.failedItem)) return false;
    return true;
  });
}

/**
 * Scored conversations by score (lowest or highest first, unscored ones are not listed), the other
 * filters applied through the same id sets as the time-ordered search; the date range applies to
 * when the chat closed. A page's cursor is its offset in that order.
 */
async function searchByScore(
  db: Db,
  user: AdvisorClaims,
  q: TranscriptQuery,
  only: Set<string> | null,
  except: Set<string>,
  verifyTerms: string[] = [],
): Promise<{ items: TranscriptSummary[]; next: string | null }> {
  const range = dateRange(q);
  let rows = (await scoredConversations(db, user, q)).filter(
    (s) =>
      (!only || only.has(s.conversationId)) &&
      !except.has(s.conversationId) &&
      (!range || ((!range.$gte || new Date(s.closedAt) >= range.$gte) && (!range.$lte || new Date(s.closedAt) <= range.$lte))),
  );
  for (const term of verifyTerms) {
    if (rows.length > SCORE_VERIFY_MAX) {
      throw new UserError(
        'keyword_too_common',
        `关键词“${term}”出现在太多会话中，按分数排序时请再加一个更具体的词或其他筛选条件`,
      );
    }
    const have = new Set<string>();
    for (let i = 0; i < rows.length; i += 100) {
      const found = await findIn<{ conversationId: string }>(
        db.TranscriptTerm,
        '_id',
        rows.slice(i, i + 100).map((r) => termId(term, r.conversationId)),
        { projection: { conversationId: 1 } },
      );
      for (const f of found) have.add(f.conversationId);
    }
    rows = rows.filter((r) => have.has(r.conversationId));
  }
  const dir = q.sort === 'score_asc' ? 1 : -1;
  rows.sort((a, b) => {
    const [x, y] = [a.total ?? null, b.total ?? null];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return x !== y ? dir * (x - y) : +new Date(b.closedAt) - +new Date(a.closedAt);
  });
  const offset = q.before ? Number(SCORE_CURSOR_RE.exec(q.before)![1]) : 0;
  const page = rows.slice(offset, offset + PAGE_SIZE);
  const latest = await Promise.all(
    page.map(async (s) => {
      const last = (await db.Message.find({ conversationId: s.conversationId }, { createdAt: 1 })
        .sort({ seq: -1 })
        .limit(1)
        .lean()) as { createdAt: Date }[];
      return {
        conversationId: s.conversationId,
        lastMessageAt: last[0]?.createdAt ?? s.closedAt,
        latestAt: last[0]?.createdAt ?? null,
      };
    }),
  );
  const next = offset + PAGE_SIZE < rows.length ? `s${offset + PAGE_SIZE}` : null;
  return { items: await pageRows(db, latest), next };
}

function dateRange(q: TranscriptQuery): Record<string, Date> | null {
  if (!q.from && !q.to) return null;
  return { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) };
}

/**
 * Each conversation's latest indexed activity: from Redis's activity sets when they are
 * whole (one ZMSCORE), else its activity records by conversationId.
 */
async function latestActivity(db: Db, hits: PageHit[], sets?: ActivitySets): Promise<Map<string, Date>> {
  const scores = await sets?.scoresOf(
    undefined,
    hits.map((h) => h.conversationId),
  );
  if (scores) return new Map([...scores].map(([id, at]) => [id, new Date(at)]));
  const records = await findIn<{ conversationId: string; lastAt: Date }>(
    db.TranscriptActivity,
    'conversationId',
    hits.map((h) => h.conversationId),
    { projection: { conversationId: 1, lastAt: 1 } },
  );
  const latest = new Map<string, Date>();
  for (const r of records) {
    const known = latest.get(r.conversationId);
    if (!known || +new Date(r.lastAt) > +known) latest.set(r.conversationId, new Date(r.lastAt));
  }
  return latest;
}

/** Redis's activity sets, on the connection and prefix of the index worker's stream. */
function activitySetsOf(queues: Pick<Queues, 'inbound'>): ActivitySets {
  const { redis, prefix } = transcriptIndexRedis(queues);
  return new ActivitySets(redis, prefix);
}

/** Conversations matching the filters, newest activity first, PAGE_SIZE at a time. */
export async function searchTranscripts(
  deps: SearchDeps,
  user: AdvisorClaims,
  q: TranscriptQuery,
): Promise<{ items: TranscriptSummary[]; next: string | null; terms?: string[] }> {
  requireSupervisor(user);
  // What was said before the search is in the index (idle: one Redis round trip).
  if (deps.queues) await indexSettled(deps.queues, INDEX_SETTLE_MS);
  const sets = deps.queues ? activitySetsOf(deps.queues) : undefined;
  const { only, except, verifyTerms, terms } = await idFilters(deps.db, user, q, sets);
  const withTerms = <T extends object>(page: T) => (q.keyword ? { ...page, terms } : page);
  if (only && only.size === 0) return withTerms({ items: [], next: null });
  if (isScoreSort(q.sort)) return withTerms(await searchByScore(deps.db, user, q, only, except, verifyTerms));
  const scope = branchScope(user, q.branchId) as { branchId?: string };
  const { hits, next } = await new IndexSearcher(deps.db, {
    branchId: scope.branchId,
    from: q.from,
    to: q.to,
    only,
    except,
    verifyTerms,
    cursor: q.before ? decodeCursor(q.before) : null,
    pageSize: PAGE_SIZE,
    sets,
  }).run();
  const pageHits: PageHit[] = hits.map((h) => ({ conversationId: h.conversationId, lastMessageAt: h.lastAt }));
  // Bounded by `to`, a listed conversation may have gone on since: its latest activity tells whether its summary holds.
  // The index's times include each conversation's changes (scripts/system.ts): the rows need only the summaries.
  const items = await pageRows(deps.db, pageHits, q.to ? () => latestActivity(deps.db, pageHits, sets) : undefined, {
    changesIndexed: true,
  });
  return withTerms({ items, next: next ? encodeCursor(next) : null });
}

async function namesById(db: Db, list: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(list.filter((id): id is string => !!id && /^[0-9a-f]{24}$/.test(id)))];
  if (wanted.length === 0) return new Map();
  const docs = await findIn<{ _id: { toString(): string }; displayName: string }>(db.Advisor, '_id', wanted, {
    projection: { displayName: 1 },
  });
  return new Map(docs.map((a) => [a._id.toString(), a.displayName]));
}

const toReviewView = (r: ConversationReviewDoc): ReviewView => ({
  reviewerId: r.reviewerId,
  reviewerName: r.reviewerName,
  verdict: r.verdict,
  note: r.note ?? '',
  at: new Date(r.at).toISOString(),
});

async function reviewsOf(db: Db, conversationId: string): Promise<ReviewView[]> {
  const docs = (await db.ConversationReview.find({ conversationId }).sort({ at: -1 }).lean()) as ConversationReviewDoc[];
  return docs.map(toReviewView);
}

/** Every message of a conversation, oldest first, read in batches. */
async function allMessages(db: Db, conversationId: string): Promise<{ messages: MessageDoc[]; truncated: boolean }> {
  const messages: MessageDoc[] = [];
  let afterSeq = -1;
  while (messages.length < TRANSCRIPT_MAX_MESSAGES) {
    const batch = (await db.Message.find({ conversationId, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(TRANSCRIPT_BATCH)
      .lean()) as MessageDoc[];
    messages.push(...batch);
    if (batch.length < TRANSCRIPT_BATCH) return { messages, truncated: false };
    afterSeq = batch.at(-1)!.seq;
  }
  return { messages, truncated: true };
}

/** The read-only record of one conversation, audited as `open` (see loadTranscript). */
export async function openTranscript(deps: Deps, user: AdvisorClaims, conversationId: string) {
  const { conversation, transcript } = await loadTranscript(deps, user, conversationId);
  await recordAudit(deps.db, user, 'open', { conversationId, branchId: conversation.branchId });
  return { transcript };
}

/**
 * The read-only record of one conversation: transcript with insights, state log, handoffs,
 * reviews, notes and legal hold (supervisors, branch scope). Not audited: callers audit what they
 * do with it (open, export).
 */
export async function loadTranscript(deps: Deps, user: AdvisorClaims, conversationId: string) {
  requireSupervisor(user);
  const { db } = deps;
  const conversation = await visibleConversation(db, user, conversationId);
  const [{ messages, truncated }, transitions, handoffs, reviews, legalHold] = await Promise.all([
    allMessages(db, conversationId),
    db.Transition.find({ conversationId }).sort({ version: 1 }).lean(),
    db.Handoff.find({ conversationId }).sort({ createdAt: 1 }).lean() as Promise<HandoffDoc[]>,
    reviewsOf(db, conversationId),
    holdStatus(db, conversationId),
  ]);
  const satisfactions = await satisfactionByHandoff(
    db,
    handoffs.map((h) => h._id.toString()),
  );
  const actorIds = transitions.map((t) => (t.by.startsWith('advisor:') ? t.by.slice('advisor:'.length) : null));
  const names = await namesById(db, [...actorIds, ...handoffs.map((h) => h.advisorId)]);
  const last = messages.at(-1);
  const [summary] = await pageRows(db, [
    { conversationId, lastMessageAt: last ? last.createdAt : conversation.createdAt, latestAt: last?.createdAt ?? null },
  ]);
  const wire: AdvisorWireMessage[] = messages.map(toAdvisorWire);
  return {
    conversation,
    transcript: {
      summary,
      messages: wire,
      truncated,
      transitions: transitions.map((t, i) => ({
        from: t.from,
        to: t.to,
        by: t.by,
        byName: (actorIds[i] && names.get(actorIds[i]!)) || null,
        reason: t.reason,
        at: new Date(t.at).toISOString(),
      })),
      handoffs: handoffs.map((h) => ({
        handoffId: h._id.toString(),
        status: h.status,
        priority: h.priority,
        reasons: h.reasons,
        summary: h.summary,
        afterHours: h.afterHours,
        advisorName: (h.advisorId && names.get(h.advisorId)) || null,
        createdAt: new Date(h.createdAt).toISOString(),
        acceptedAt: h.acceptedAt ? new Date(h.acceptedAt).toISOString() : null,
        closedAt: h.closedAt ? new Date(h.closedAt).toISOString() : null,
        wrapUp: wrapUpView((h as unknown as { wrapUp?: unknown }).wrapUp),
        satisfaction: satisfactions.get(h._id.toString()) ?? null,
      })),
      reviews,
      // Internal notes (never sent to the client) and advisor messages sent over a compliance warning.
      notes: await notesOf(db, conversationId),
      complianceOverrides: complianceOverridesOf(messages),
      // Records: while held, the retention purge keeps the conversation (agent-console/src/records).
      legalHold,
    },
  };
}

/** The advisor's wrap-up (console feature; absent on chats closed without one). */
function wrapUpView(raw: unknown): { category: string; note: string; advisorName: string | null } | null {
  if (!raw || typeof raw !== 'object') return null;
  const w = raw as { category?: unknown; note?: unknown; advisorName?: unknown };
  if (typeof w.category !== 'string') return null;
  return {
    category: w.category,
    note: typeof w.note === 'string' ? w.note : '',
    advisorName: typeof w.advisorName === 'string' ? w.advisorName : null,
  };
}

/**
 * Stores this supervisor's verdict; a second review replaces their first (the unique index
 * keeps one per supervisor; an upsert racing itself gets a duplicate key and updates instead).
 */
export async function reviewTranscript(
  deps: Deps,
  user: AdvisorClaims,
  input: z.infer<typeof transcriptRequests.review>,
): Promise<{ review: ReviewView; reviews: ReviewView[] }> {
  requireSupervisor(user);
  const { db } = deps;
  const conversation = await visibleConversation(db, user, input.conversationId);
  const key = { conversationId: input.conversationId, reviewerId: user.sub };
  const set = { reviewerName: user.name, verdict: input.verdict, note: input.note, at: new Date() };
  try {
    await db.ConversationReview.updateOne(key, { $set: set }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await db.ConversationReview.updateOne(key, { $set: set });
  }
  await touchTranscriptSummary(db, input.conversationId);
  await recordAudit(
    db,
    user,
    'review',
    { conversationId: input.conversationId, branchId: conversation.branchId },
    { verdict: input.verdict, note: input.note },
  );
  const reviews = await reviewsOf(db, input.conversationId);
  return { review: reviews.find((r) => r.reviewerId === user.sub)!, reviews };
}
