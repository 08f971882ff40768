import { Worker, type Job } from 'bullmq';
import { createLlmClient, type LlmClient } from '@brokerbot/flows';
import {
  QUEUE_NAMES,
  countForDashboard,
  createRedis,
  isDuplicateKey,
  qualityJobId,
  qualityJobSchema,
  satisfactionByHandoff,
  type QualityItemResult,
  type QualityJob,
  type QualityScoreDoc,
  type RoleHandle,
  type Services,
  WORKER_STALL_OPTIONS,
} from '@brokerbot/shared';
import { judgeWithLlm } from './llm-judge';
import { loadChat } from './load-input';
import { isScored, newestScore, queueScoring, storeScore } from './quality-records';
import { scoreChat } from './score';
import { ScorecardStore } from './scorecard-store';

type Deps = Pick<Services, 'db' | 'queues' | 'config' | 'logger'>;

export type ScoringOutcome = 'stored' | 'duplicate' | 'not_closed' | 'other_version' | 'waiting';

/**
 * When a chat scored without a rating has a satisfaction survey still open, the client's answer is
 * looked for this long after closing (then once more when the survey expires): an answer found is
 * scored in as the next revision.
 */
export const SATISFACTION_CHECKS_MS = [60_000, 10 * 60_000, 60 * 60_000];

/**
 * Scores one closed chat against the scorecard in force and stores the result once. Safe to run
 * any number of times for the same job (redelivery, a crashed worker's job run again, two workers):
 * the unique insert stores one score per chat, scorecard version and revision.
 */
export async function scoreJob(
  deps: Deps,
  store: ScorecardStore,
  llm: LlmClient | null,
  data: QualityJob,
): Promise<ScoringOutcome> {
  const job = qualityJobSchema.parse(data);
  const card = store.current;
  // Re-scoring queued for a version this process no longer (or not yet) runs: the process that runs it scores.
  if (job.scorecardVersion && job.scorecardVersion !== card.version) return 'other_version';
  let revision = job.revision;
  if (job.reason === 'satisfaction') {
    const next = await revisionForRating(deps, job, card.version);
    if (next === null) return 'waiting';
    if (next === 'scored') return 'duplicate';
    revision = next;
  }
  if (await isScored(deps.db, job.handoffId, job.conversationId, card.version, revision)) return 'duplicate';
  const chat = await loadChat(deps.db, job.conversationId, job.handoffId);
  if (!chat) return 'not_closed';
  const judged = await judgeWithLlm(llm, card, chat.input);
  const sheet = scoreChat(card, chat.input, judged);
  const { stored } = await storeScore(
    deps.db,
    {
      conversationId: job.conversationId,
      handoffId: job.handoffId,
      branchId: chat.conversation.branchId ?? null,
      advisorId: chat.handoff.advisorId ?? null,
      closedAt: new Date(chat.handoff.closedAt!),
    },
    revision,
    sheet,
  );
  // The dashboard (看板) counts each chat's first score once (its counter dedupes by chat).
  if (sheet.total !== null) {
    await countForDashboard(deps.queues, {
      kind: 'inspection',
      id: job.handoffId,
      total: sheet.total,
      failedItems: sheet.failedItemIds,
      conversationId: job.conversationId,
      branchId: chat.conversation.branchId ?? null,
      channel: chat.conversation.channel,
      at: new Date(chat.handoff.closedAt!).getTime(),
    });
  }
  if (stored && chat.input.satisfaction === null && !job.reason) await checkRatingLater(deps, job, 0);
  return stored ? 'stored' : 'duplicate';
}

/** The satisfaction survey of a chat, when it is still answerable. */
async function openSurvey(deps: Deps, handoffId: string): Promise<{ expiresAt: Date } | null> {
  const survey = await deps.db.Survey.findOne({ handoffId }, { expiresAt: 1 }).lean();
  if (!survey || new Date(survey.expiresAt).getTime() <= Date.now()) return null;
  return { expiresAt: new Date(survey.expiresAt) };
}

/** Queues check number `check` for a rating, if the chat's survey is open and checks remain. */
async function checkRatingLater(deps: Deps, job: QualityJob, check: number): Promise<void> {
  const survey = await openSurvey(deps, job.handoffId);
  if (!survey) return;
  const closed = await deps.db.Handoff.findById(job.handoffId, { closedAt: 1 }).lean();
  const from = closed?.closedAt ? new Date(closed.closedAt).getTime() : Date.now();
  const expiry = survey.expiresAt.getTime() + 1_000;
  if (check > SATISFACTION_CHECKS_MS.length) return;
  const at = check < SATISFACTION_CHECKS_MS.length ? Math.min(from + SATISFACTION_CHECKS_MS[check]!, expiry) : expiry;
  const data: QualityJob = {
    conversationId: job.conversationId,
    handoffId: job.handoffId,
    revision: 0,
    reason: 'satisfaction',
    check,
  };
  await deps.queues.quality.add('score', data, { jobId: qualityJobId(data), delay: Math.max(0, at - Date.now()) });
}

/**
 * A satisfaction check: the revision to store when the client has rated the chat since its latest
 * score (which then counted no rating), 'scored' when the latest score already has the rating, null
 * when there is no rating yet (the next check is queued while the survey is open).
 */
async function revisionForRating(deps: Deps, job: QualityJob, version: string): Promise<number | 'scored' | null> {
  const answered = (await satisfactionByHandoff(deps.db, [job.handoffId])).get(job.handoffId)?.score != null;
  if (!answered) {
    await checkRatingLater(deps, job, (job.check ?? 0) + 1);
    return null;
  }
  const scores = (await deps.db.QualityScore.find({
    conversationId: job.conversationId,
    handoffId: job.handoffId,
  }).lean()) as QualityScoreDoc[];
  const current = scores.filter((s) => s.scorecardVersion === version);
  const latest = newestScore(current);
  if (!latest) return 0;
  const rated = (latest.items as QualityItemResult[]).filter((i) => i.kind === 'satisfaction').every((i) => i.passed !== null);
  return rated ? 'scored' : Math.max(...current.map((s) => s.revision)) + 1;
}

/**
 * A scorecard version seen for the first time (by any process: the insert of the version record
 * has one winner) re-scores the chats closed within QUALITY_RESCORE_DAYS under the new version.
 * Returns how many chats were queued.
 */
export async function adoptScorecardVersion(deps: Deps, version: string): Promise<number> {
  try {
    await deps.db.QualityScorecard.create({ _id: version, at: new Date() });
  } catch (err) {
    if (isDuplicateKey(err)) return 0;
    throw err;
  }
  const days = deps.config.QUALITY_RESCORE_DAYS;
  if (days === 0) return 0;
  const since = Date.now() - days * 24 * 3600 * 1000;
  const previous = (await deps.db.QualityScorecard.find({}).lean()).map((v) => String(v._id)).filter((v) => v !== version);
  const chats = new Map<string, { conversationId: string; handoffId: string }>();
  for (const v of previous) {
    const scores = (await deps.db.QualityScore.find(
      { scorecardVersion: v },
      { conversationId: 1, handoffId: 1, closedAt: 1 },
    ).lean()) as Pick<QualityScoreDoc, 'conversationId' | 'handoffId' | 'closedAt'>[];
    for (const s of scores) {
      if (+new Date(s.closedAt) >= since) chats.set(s.handoffId, { conversationId: s.conversationId, handoffId: s.handoffId });
    }
  }
  for (const chat of chats.values()) await queueScoring(deps.queues, { ...chat, revision: 0, scorecardVersion: version });
  return chats.size;
}

/** The quality role: consumes the quality queue (智能质检), re-scores on a new scorecard version. */
export function startQualityRole(
  services: Services,
  options: { store?: ScorecardStore } = {},
): RoleHandle & { store: ScorecardStore } {
  const store = options.store ?? new ScorecardStore(services.config.QUALITY_SCORECARD_PATH);
  const llm = createLlmClient(services.config, services.logger);
  const adopt = (version: string) =>
    adoptScorecardVersion(services, version)
      .then((n) => n && services.logger.info({ version, queued: n }, 'new quality scorecard: re-scoring recent chats'))
      .catch((err) => services.logger.error({ err, version }, 'queueing the re-scoring failed'));
  store.onChange((e) => {
    if ('error' in e) services.logger.error({ err: e.error.message }, 'quality scorecard edit rejected');
    else void adopt(e.version);
  });
  if (!options.store) store.watch();
  void adopt(store.current.version);
  const connection = createRedis(services.config.REDIS_URL, 'quality-worker');
  const worker = new Worker<QualityJob>(
    QUEUE_NAMES.quality,
    async (job: Job<QualityJob>) => {
      const outcome = await scoreJob(services, store, llm, job.data);
      services.logger.debug({ jobId: job.id, outcome }, 'quality scoring');
      return outcome;
    },
    { ...WORKER_STALL_OPTIONS, connection, prefix: services.config.QUEUE_PREFIX, concurrency: 4 },
  );
  worker.on('failed', (job, err) => services.logger.error({ err, jobId: job?.id }, 'quality scoring failed'));
  worker.on('error', (err) => services.logger.error({ err }, 'quality worker error'));
  return {
    name: 'quality',
    store,
    async stop() {
      if (!options.store) store.close();
      await worker.close();
      await connection.quit();
    },
  };
}
