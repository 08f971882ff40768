import {
  isDuplicateKey,
  qualityJobId,
  type QualityConfirmationDoc,
  type QualityConfirmationView,
  type QualityItemResult,
  type QualityResult,
  type QualityScoreDoc,
  type QualitySeverity,
  type Services,
} from '@brokerbot/shared';
import type { ScoreSheet } from './score';
import { touchTranscriptSummary } from '../transcript-index/summary-model';

/**
 * The stored side of inspection: scores (insert-only, one per chat × scorecard version ×
 * revision), the latest one a supervisor sees, and supervisors' confirmations per item.
 */
type Db = Services['db'];

export interface StoredChat {
  conversationId: string;
  handoffId: string;
  branchId: string | null;
  advisorId: string | null;
  closedAt: Date;
}

/** Stores a score once: a second insert of the same key (a redelivered job) stores nothing. */
export async function storeScore(db: Db, chat: StoredChat, revision: number, sheet: ScoreSheet): Promise<{ stored: boolean }> {
  try {
    await db.QualityScore.create({
      ...chat,
      scorecardVersion: sheet.scorecardVersion,
      revision,
      total: sheet.total,
      items: sheet.items,
      failedItemIds: sheet.failedItemIds,
      flags: sheet.flags,
      scoredAt: new Date(),
    });
    await touchTranscriptSummary(db, chat.conversationId); // 会话记录 rows show the latest score
    return { stored: true };
  } catch (err) {
    if (isDuplicateKey(err)) {
      await touchTranscriptSummary(db, chat.conversationId); // a job run again after its touch failed
      return { stored: false };
    }
    throw err;
  }
}

/** Whether this chat already has a score under this version and revision (the job then does nothing). */
export async function isScored(db: Db, handoffId: string, conversationId: string, version: string, revision: number) {
  const found = await db.QualityScore.findOne(
    { conversationId, handoffId, scorecardVersion: version, revision },
    { _id: 1 },
  ).lean();
  return found !== null;
}

/** The fields of a score that lists and summaries show (a projection for `find`). */
export const SCORE_SUMMARY_FIELDS = {
  conversationId: 1,
  closedAt: 1,
  scoredAt: 1,
  total: 1,
  flags: 1,
  failedItemIds: 1,
  scorecardVersion: 1,
} as const;

/** The newest of a set of scores: the latest chat, then the latest scoring of it. */
export function newestScore<T extends { closedAt: Date; scoredAt: Date }>(scores: T[]): T | null {
  return (
    scores.reduce<T | null>((best, s) => {
      if (!best) return s;
      const byChat = +new Date(s.closedAt) - +new Date(best.closedAt);
      if (byChat !== 0) return byChat > 0 ? s : best;
      return +new Date(s.scoredAt) > +new Date(best.scoredAt) ? s : best;
    }, null) ?? null
  );
}

export async function latestScore(db: Db, conversationId: string): Promise<QualityScoreDoc | null> {
  return newestScore((await db.QualityScore.find({ conversationId }).lean()) as QualityScoreDoc[]);
}

const toConfirmationView = (c: QualityConfirmationDoc): QualityConfirmationView => ({
  itemId: c.itemId,
  verdict: c.verdict,
  note: c.note ?? '',
  reviewerId: c.reviewerId,
  reviewerName: c.reviewerName,
  at: new Date(c.at).toISOString(),
});

export async function confirmationsOf(db: Db, scoreId: string): Promise<QualityConfirmationView[]> {
  const docs = (await db.QualityConfirmation.find({ scoreId }).lean()) as QualityConfirmationDoc[];
  return docs.sort((a, b) => +new Date(b.at) - +new Date(a.at)).map(toConfirmationView);
}

export async function toResult(db: Db, score: QualityScoreDoc): Promise<QualityResult> {
  const scoreId = score._id.toString();
  return {
    scoreId,
    conversationId: score.conversationId,
    handoffId: score.handoffId,
    total: score.total ?? null,
    scorecardVersion: score.scorecardVersion,
    revision: score.revision,
    items: score.items as QualityItemResult[],
    flags: score.flags as QualitySeverity[],
    closedAt: new Date(score.closedAt).toISOString(),
    scoredAt: new Date(score.scoredAt).toISOString(),
    confirmations: await confirmationsOf(db, scoreId),
  };
}

/**
 * Records a supervisor's verdict on one item of a score; their second verdict replaces the first
 * (the unique index keeps one per supervisor, item and score; each supervisor writes only theirs).
 */
export async function storeConfirmation(
  db: Db,
  score: QualityScoreDoc,
  item: QualityItemResult,
  reviewer: { id: string; name: string },
  verdict: 'confirmed' | 'overridden',
  note: string,
): Promise<void> {
  const key = { scoreId: score._id.toString(), itemId: item.id, reviewerId: reviewer.id };
  const set = {
    conversationId: score.conversationId,
    branchId: score.branchId ?? null,
    scorecardVersion: score.scorecardVersion,
    passed: item.passed,
    verdict,
    note,
    reviewerName: reviewer.name,
    at: new Date(),
  };
  try {
    await db.QualityConfirmation.updateOne(key, { $set: set }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await db.QualityConfirmation.updateOne(key, { $set: set });
  }
}

export interface ItemConfirmationCount {
  itemId: string;
  confirmed: number;
  overridden: number;
}

/**
 * How often supervisors confirmed or overrode each item's automatic result (for the dashboard and
 * for tuning the scorecard), optionally for one branch and one scorecard version. Confirmations are
 * human actions (a few per reviewed chat), read by an indexed equality and counted here: FerretDB
 * v1's `$group` summed the second counter of a group wrongly in our measurements.
 */
export async function confirmationCounts(
  db: Db,
  filter: { branchId?: string; scorecardVersion?: string } = {},
): Promise<ItemConfirmationCount[]> {
  const match: Record<string, unknown> = {};
  if (filter.branchId) match.branchId = filter.branchId;
  if (filter.scorecardVersion) match.scorecardVersion = filter.scorecardVersion;
  const docs = (await db.QualityConfirmation.find(match, { itemId: 1, verdict: 1 }).lean()) as Pick<
    QualityConfirmationDoc,
    'itemId' | 'verdict'
  >[];
  const counts = new Map<string, ItemConfirmationCount>();
  for (const d of docs) {
    const c = counts.get(d.itemId) ?? { itemId: d.itemId, confirmed: 0, overridden: 0 };
    c[d.verdict] += 1;
    counts.set(d.itemId, c);
  }
  return [...counts.values()].sort((a, b) => a.itemId.localeCompare(b.itemId));
}

/** Queues a chat's scoring (idempotent per chat, revision and version). */
export async function queueScoring(
  queues: Services['queues'],
  job: { conversationId: string; handoffId: string; revision: number; scorecardVersion?: string },
): Promise<void> {
  await queues.quality.add('score', job, { jobId: qualityJobId(job) });
}
