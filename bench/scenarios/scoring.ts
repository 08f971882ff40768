import { connectDb, createQueues, createRedis, queueQualityScoring, type HandoffDoc } from '@brokerbot/shared';
import { summarize, type Summary } from '../stats';

/**
 * 智能质检's rate (issue #10: "conversations scored per second"): queues the automatic inspection
 * of `chats` closed chats of the grown data at once on the stack's own quality queue, as closing
 * them would, and counts the scores the stack's quality role stores (one per chat, unique).
 * Each chat is read whole (its messages by conversation) and scored against the scorecard in force.
 */
export interface ScoringResult {
  requested: number;
  queued: number;
  scored: number;
  seconds: number;
  perSec: number;
  /** Seconds from queueing to each 10 % of the chats scored (the curve, not just the mean). */
  progressSeconds: Summary;
  timedOut: boolean;
}

export async function runScoring(o: {
  mongoUri: string;
  redisUrl: string;
  queuePrefix: string;
  chats: number;
  timeoutMs: number;
}): Promise<ScoringResult> {
  const db = await connectDb(o.mongoUri);
  const redis = createRedis(o.redisUrl, 'bench-scoring');
  const queues = createQueues(redis, o.queuePrefix);
  try {
    const closed = (await db.Handoff.find({ status: 'closed' }, { _id: 1, conversationId: 1 }).limit(o.chats).lean()) as Pick<
      HandoffDoc,
      '_id' | 'conversationId'
    >[];
    const before = await db.QualityScore.countDocuments({});
    const t0 = performance.now();
    for (const h of closed) await queueQualityScoring(queues, { conversationId: h.conversationId, handoffId: h._id.toString() });
    const marks: number[] = [];
    let scored = 0;
    const deadline = t0 + o.timeoutMs;
    while (scored < closed.length && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      scored = (await db.QualityScore.countDocuments({})) - before;
      while (marks.length < 10 && scored >= ((marks.length + 1) / 10) * closed.length)
        marks.push((performance.now() - t0) / 1000);
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      requested: o.chats,
      queued: closed.length,
      scored,
      seconds,
      perSec: scored / seconds,
      progressSeconds: summarize(marks),
      timedOut: scored < closed.length,
    };
  } finally {
    await queues.close();
    redis.disconnect();
    await db.close();
  }
}
