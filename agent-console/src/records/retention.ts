import mongoose, { type Types } from 'mongoose';
import { Queue, Worker } from 'bullmq';
import {
  createRedis,
  isDuplicateKey,
  queueOptions,
  type ConversationDoc,
  type Db,
  type Logger,
  type RoleHandle,
  type Services,
  WORKER_STALL_OPTIONS,
} from '@brokerbot/shared';
import { termId } from '../transcript-index/records';
import { ActivitySets } from '../transcript-index/activity-sets';
import { INDEXED_AUTHORS, termsOf } from '../transcript-index/terms';
import { appendHoldEntry, latestHoldEntry } from './legal-hold';
import { recordsModels, type LegalHoldKind } from './models';

/**
 * Retention (保存期限): once a day the purge deletes conversations whose last activity is older
 * than RETENTION_DAYS, with everything recorded about them (messages and their files, state log,
 * handoffs and offers, appointments, notes, logs, reviews, inspection scores and confirmations,
 * surveys, its entries in the 会话记录 search index), skipping conversations under a legal hold. The audit log and the hold log are kept,
 * with one `purge` audit entry per purged conversation.
 *
 * A purge first claims the conversation by inserting the next entry of its hold log (kind
 * `purge`): a supervisor's hold racing it loses the same unique-index insert, or wins it and the
 * purge skips the conversation. A purge interrupted half-way finds its claim on the next run and
 * finishes (every deletion is by an equality filter and may be repeated; the conversation itself
 * is deleted last, so it stays a candidate until everything else is gone).
 */

export const DAY_MS = 24 * 3600_000;
/** How often the purge runs (a BullMQ job scheduler; one run per period whichever process takes it). */
export const PURGE_EVERY_MS = DAY_MS;
export const RETENTION_QUEUE = 'retention';
const SCHEDULER_ID = 'retention-purge';
const CANDIDATE_BATCH = 200;
/** Conversations deleted at once (FerretDB on PostgreSQL allows 10 operations in flight per process). */
const PURGE_PARALLEL = 4;

export type PurgeDecision = { action: 'purge' | 'resume' } | { action: 'keep'; reason: 'recent' | 'held' };

/** The oldest last activity that is still kept. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * Whether the purge deletes a conversation (pure): a claim already made is finished; a held
 * conversation is kept however old; otherwise one whose last activity is before the cutoff goes.
 */
export function purgeDecision(input: { lastActivityAt: Date; latestHold: LegalHoldKind | null; cutoff: Date }): PurgeDecision {
  if (input.latestHold === 'purge') return { action: 'resume' };
  if (input.latestHold === 'hold') return { action: 'keep', reason: 'held' };
  if (input.lastActivityAt.getTime() >= input.cutoff.getTime()) return { action: 'keep', reason: 'recent' };
  return { action: 'purge' };
}

type Candidate = Pick<ConversationDoc, '_id' | 'branchId' | 'channel' | 'createdAt' | 'updatedAt'>;

/** The latest of the conversation's own timestamps and its newest message. */
export async function lastActivity(db: Pick<Db, 'Message'>, c: Candidate): Promise<Date> {
  const [newest] = (await db.Message.find({ conversationId: c._id.toString() }, { createdAt: 1 })
    .sort({ seq: -1 })
    .limit(1)
    .lean()) as { createdAt: Date }[];
  const times = [c.createdAt, c.updatedAt, newest?.createdAt].filter(Boolean).map((t) => new Date(t as Date).getTime());
  return new Date(Math.max(...times));
}

/** Deletes one conversation's records (all by equality filters), the conversation document last. */
async function deleteConversation(
  db: Db,
  c: Candidate,
  beforeLast: (deleted: Record<string, number>) => Promise<void>,
): Promise<Record<string, number>> {
  const conversationId = c._id.toString();
  const counts: Record<string, number> = {};
  const count = (name: string, r: { deletedCount?: number }) => (counts[name] = (counts[name] ?? 0) + (r.deletedCount ?? 0));

  const messages = (await db.Message.find(
    { conversationId },
    { channel: 1, channelMessageId: 1, 'meta.media': 1, 'author.kind': 1, text: 1 },
  ).lean()) as {
    channel: string;
    channelMessageId: string;
    meta?: { media?: unknown } | null;
    author: { kind: string };
    text: string;
  }[];

  // The 会话记录 search index (agent-console/src/transcript-index): the conversation's day records by
  // conversationId; its word records by _id, recomputed from the words its messages held.
  count('searchActivities', await db.connection.collection('transcriptactivities').deleteMany({ conversationId }));
  count('searchSummaries', await db.connection.collection('transcriptsummaries').deleteOne({ _id: conversationId as never }));
  const termIds = new Set<string>();
  for (const m of messages) {
    if (INDEXED_AUTHORS.includes(m.author.kind)) for (const term of termsOf(m.text)) termIds.add(termId(term, conversationId));
  }
  const terms = db.connection.collection<{ _id: string }>('transcriptterms');
  const ids = [...termIds];
  for (let i = 0; i < ids.length; i += 20) {
    const done = await Promise.all(ids.slice(i, i + 20).map((_id) => terms.deleteOne({ _id })));
    for (const r of done) count('searchTerms', r);
  }

  // Client files kept for the conversation's messages (channels' media store: _id "<channel>:<message id>", bytes in GridFS).
  const withMedia = messages.filter((m) => m.meta?.media);
  if (withMedia.length) {
    const media = db.connection.collection<{ _id: string; fileId?: Types.ObjectId | null }>('media');
    const bucket = new mongoose.mongo.GridFSBucket(db.connection.db!, { bucketName: 'media' });
    for (const m of withMedia) {
      const key = `${m.channel}:${m.channelMessageId}`;
      const record = await media.findOne({ _id: key });
      if (record?.fileId) await bucket.delete(record.fileId).catch(() => undefined); // already gone: a resumed purge
      count('media', await media.deleteOne({ _id: key }));
    }
  }
  count('messages', await db.Message.deleteMany({ conversationId }));
  count('transitions', await db.Transition.deleteMany({ conversationId }));
  for (const h of await db.Handoff.find({ conversationId }, { _id: 1 }).lean()) {
    const handoffId = h._id.toString();
    count('handoffOffers', await db.HandoffOffer.deleteMany({ handoffId }));
    count('handoffRaises', await db.HandoffRaise.deleteMany({ handoffId }));
  }
  count('handoffs', await db.Handoff.deleteMany({ conversationId }));
  for (const a of await db.Appointment.find({ conversationId }, { _id: 1 }).lean()) {
    count('appointmentChanges', await db.AppointmentChange.deleteMany({ appointmentId: a._id.toString() }));
  }
  count('appointments', await db.Appointment.deleteMany({ conversationId }));
  count('reviews', await db.ConversationReview.deleteMany({ conversationId }));
  count('qualityConfirmations', await db.QualityConfirmation.deleteMany({ conversationId }));
  count('qualityScores', await db.QualityScore.deleteMany({ conversationId }));
  count('logs', await db.ConversationLog.deleteMany({ conversationId }));
  count('notes', await db.ConversationNote.deleteMany({ conversationId }));
  count('surveyAnswers', await db.SurveyAnswer.deleteMany({ conversationId }));
  count('surveys', await db.Survey.deleteMany({ conversationId }));
  await beforeLast(counts);
  count('conversations', await db.Conversation.deleteOne({ _id: c._id }));
  return counts;
}

export interface PurgeResult {
  examined: number;
  purged: string[];
  held: number;
  recent: number;
  /** Conversations a supervisor's hold change claimed first (looked at again next run). */
  raced: number;
}

/** One purge run over the conversations older than the retention period (by their own timestamps). */
export async function purgeExpired(
  services: Pick<Services, 'db' | 'config' | 'logger'> & Partial<Pick<Services, 'redis'>>,
  options: { now?: Date } = {},
): Promise<PurgeResult> {
  const { db, config } = services;
  // 会话记录 search's activity sets (Redis) forget purged conversations too.
  const searchSets = services.redis ? new ActivitySets(services.redis, config.QUEUE_PREFIX) : null;
  const records = recordsModels(db);
  await records.ready;
  const now = options.now ?? new Date();
  const cutoff = retentionCutoff(now, config.RETENTION_DAYS);
  const result: PurgeResult = { examined: 0, purged: [], held: 0, recent: 0, raced: 0 };
  let afterId: unknown = null;
  for (;;) {
    // updatedAt moves with every state change, not with every message: a candidate's newest message is checked below.
    const batch = (await db.Conversation.find(
      { updatedAt: { $lt: cutoff }, ...(afterId ? { _id: { $gt: afterId } } : {}) },
      { branchId: 1, channel: 1, createdAt: 1, updatedAt: 1 },
    )
      .sort({ _id: 1 })
      .limit(CANDIDATE_BATCH)
      .lean()) as Candidate[];
    const purgeOne = async (c: Candidate): Promise<void> => {
      result.examined += 1;
      const conversationId = c._id.toString();
      const [latest, lastActivityAt] = await Promise.all([latestHoldEntry(db, conversationId), lastActivity(db, c)]);
      const decision = purgeDecision({ lastActivityAt, latestHold: latest?.kind ?? null, cutoff });
      if (decision.action === 'keep') {
        result[decision.reason] += 1;
        return;
      }
      if (decision.action === 'purge') {
        const claim = await appendHoldEntry(db, latest, {
          conversationId,
          kind: 'purge',
          reason: `超过保存期限 ${config.RETENTION_DAYS} 天`,
          byId: null,
          byName: '系统',
          branchId: c.branchId ?? null,
        });
        if (!claim) {
          result.raced += 1;
          return;
        }
      }
      // The days it was active on, for search's day sets (read before its day records go).
      const days = searchSets
        ? ((await db.TranscriptActivity.find({ conversationId }, { day: 1, _id: 0 }).lean()) as { day: string }[]).map(
            (d) => d.day,
          )
        : [];
      await deleteConversation(db, c, async (deleted) => {
        try {
          await records.AuditEntry.create({
            actorId: null,
            actorName: '系统',
            role: 'system',
            action: 'purge',
            conversationId,
            branchId: c.branchId ?? null,
            at: new Date(),
            details: { lastActivityAt: lastActivityAt.toISOString(), retentionDays: config.RETENTION_DAYS, deleted },
            onceKey: `purge:${conversationId}`,
          });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err; // a resumed purge: its entry was written before
        }
      });
      await searchSets?.forget(conversationId, c.branchId ?? null, days);
      result.purged.push(conversationId);
    };
    // A few conversations at a time: each is a chain of small round trips, well within the process's database pool.
    for (let i = 0; i < batch.length; i += PURGE_PARALLEL) await Promise.all(batch.slice(i, i + PURGE_PARALLEL).map(purgeOne));
    if (batch.length < CANDIDATE_BATCH) break;
    afterId = batch.at(-1)!._id;
  }
  if (result.purged.length) services.logger.info({ purged: result.purged.length, held: result.held }, 'retention purge');
  return result;
}

/**
 * The daily purge, as a BullMQ job scheduler on its own queue (one run per day, whichever process
 * of the role takes it; the first run at start). Runs in the `quality` role (scripts/system.ts).
 */
export function startRetentionRole(services: Services, options: { everyMs?: number; logger?: Logger } = {}): RoleHandle {
  const logger = options.logger ?? services.logger;
  const connection = createRedis(services.config.REDIS_URL, 'retention-worker');
  const queue = new Queue(RETENTION_QUEUE, queueOptions(services.redis, services.config.QUEUE_PREFIX));
  const worker = new Worker(
    RETENTION_QUEUE,
    async () => {
      const r = await purgeExpired(services);
      return { examined: r.examined, purged: r.purged.length, held: r.held, recent: r.recent, raced: r.raced };
    },
    { ...WORKER_STALL_OPTIONS, connection, prefix: services.config.QUEUE_PREFIX, concurrency: 1 },
  );
  worker.on('failed', (job, err) => logger.error({ err, jobId: job?.id }, 'retention purge failed'));
  worker.on('error', (err) => logger.error({ err }, 'retention worker error'));
  queue
    .upsertJobScheduler(SCHEDULER_ID, { every: options.everyMs ?? PURGE_EVERY_MS }, { name: 'purge', data: {} })
    .catch((err: unknown) => logger.error({ err }, 'scheduling the retention purge failed'));
  return {
    name: 'retention',
    async stop() {
      await worker.close();
      await queue.close();
      await connection.quit();
    },
  };
}
