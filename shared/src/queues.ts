import { Queue, type QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { CHANNELS } from './states';

/** The queues of the system and the payload each carries. */
export const QUEUE_NAMES = {
  inbound: 'inbound',
  handoff: 'handoff',
  outbound: 'outbound',
  media: 'media',
  quality: 'quality',
} as const;
export type QueueName = keyof typeof QUEUE_NAMES;

/** A client message, already stored, waiting for the bot (job id: inboundJobId). */
export const inboundJobSchema = z.object({
  messageId: z.string(),
  conversationId: z.string(),
  channel: z.enum(CHANNELS),
  channelMessageId: z.string(),
  externalUserId: z.string(),
  customerId: z.string().nullable(),
  text: z.string(),
  receivedAt: z.number(),
  /** The stored message's per-conversation seq: its place in the conversation's turn order (see TurnOrder). */
  seq: z.number().optional(),
  /** What the channel stored with the message (its `meta`, written before the job was added). */
  meta: z.record(z.unknown()).nullable().optional(),
  /**
   * Added again by the recovery sweep, not by the message's arrival: the message may have been
   * answered meanwhile, so the bot reads its stored status first (see the bot's engine).
   */
  recovered: z.boolean().optional(),
});
export type InboundJob = z.infer<typeof inboundJobSchema>;

/**
 * A fresh escalation as the bot stored it, carried by the handoff's first routing job: the router
 * then offers it without reading the handoff or the client back (two database reads on the way
 * from the client's message to the advisor's screen). Whether the chat still waits is asked of
 * the conversation's Redis copy (ConversationCache), which `transition()` writes after the database.
 */
export const handoffSnapshotSchema = z.object({
  priority: z.number(),
  reasons: z.array(z.string()),
  summary: z.string(),
  /** The client's intents, newest first (the Handoff's `intents`): the advisor's skill. */
  intents: z.array(z.string()),
  /** Epoch milliseconds. */
  createdAt: z.number(),
  /** The client's card as the offer shows it (phone masked), and their own advisor (null: none). */
  customer: z
    .object({
      id: z.string(),
      name: z.string(),
      tier: z.string(),
      phone: z.string().nullable(),
      advisorId: z.string().nullable(),
    })
    .nullable(),
});
export type HandoffSnapshot = z.infer<typeof handoffSnapshotSchema>;

/** An escalation waiting for an advisor (job id: handoff id, plus ".retry.N" for SLA re-routes). */
export const handoffJobSchema = z.object({
  handoffId: z.string(),
  conversationId: z.string(),
  branchId: z.string().nullable(),
  attempt: z.number().int().min(0).default(0),
  excludeAdvisorIds: z.array(z.string()).default([]),
  queuedAt: z.number(),
  /**
   * The client (null: none) when the job's creator knew it: the router then reads the client,
   * the raises and the advisors at once instead of after the handoff.
   */
  customerId: z.string().nullable().optional(),
  /** The bot's escalation during business hours (route jobs only; see handoffSnapshotSchema). */
  snapshot: handoffSnapshotSchema.optional(),
});
export type HandoffJob = z.infer<typeof handoffJobSchema>;

/**
 * The stored message itself, carried by an outbound job of the trading app, whose delivery needs
 * nothing else: the worker then does not read it back (one database round trip less per reply).
 */
export const outboundSnapshotSchema = z.object({
  seq: z.number(),
  author: z.object({ kind: z.enum(['bot', 'advisor', 'system']), id: z.string().nullable(), name: z.string().nullable() }),
  text: z.string(),
  meta: z.record(z.unknown()).nullable(),
  /** Epoch milliseconds. */
  createdAt: z.number(),
});
export type OutboundSnapshot = z.infer<typeof outboundSnapshotSchema>;

/** A stored outgoing message to deliver on its channel (job id: the message's outbound id). */
export const outboundJobSchema = z.object({
  messageId: z.string(),
  conversationId: z.string(),
  channel: z.enum(CHANNELS),
  externalUserId: z.string(),
  /** When the inbound message that caused this reply was received (for latency metrics). */
  inReplyToReceivedAt: z.number().optional(),
  /** App messages: the stored message (absent: the worker reads it). */
  message: outboundSnapshotSchema.optional(),
});
export type OutboundJob = z.infer<typeof outboundJobSchema>;

/** A client's image / voice / video / file, already stored as a message, whose bytes we fetch and keep (job id: inboundJobId). */
export const mediaJobSchema = z.object({
  channel: z.enum(CHANNELS),
  channelMessageId: z.string(),
});
export type MediaJob = z.infer<typeof mediaJobSchema>;

/**
 * A closed chat (the human part of a conversation, named by its handoff) to inspect against the
 * scorecard (智能质检). Job id: qualityJobId. `revision` 0 is the automatic score; a supervisor's
 * re-score request carries the next revision, so that it is stored beside the earlier ones.
 */
export const qualityJobSchema = z.object({
  conversationId: z.string(),
  handoffId: z.string(),
  revision: z.number().int().min(0).default(0),
  /** Score under this scorecard version only (a re-scoring queued for a new version); absent: the current one. */
  scorecardVersion: z.string().optional(),
  /**
   * `satisfaction`: a check whether the client rated the chat after it was scored (then it is scored
   * again as the next revision); `check` counts these checks.
   */
  reason: z.enum(['satisfaction']).optional(),
  check: z.number().int().min(0).optional(),
});
export type QualityJob = z.infer<typeof qualityJobSchema>;

/** One job per chat, revision and scorecard version: queueing it again while it exists adds nothing. */
export function qualityJobId(job: {
  handoffId: string;
  revision?: number;
  scorecardVersion?: string;
  reason?: 'satisfaction';
  check?: number;
}): string {
  if (job.reason === 'satisfaction') return ['qa', job.handoffId, 'sat', job.check ?? 0].join('.');
  return ['qa', job.handoffId, job.revision ?? 0, job.scorecardVersion ?? 'current'].join('.');
}

/** How long after a chat closes it is scored, so that a satisfaction rating given at once is seen. */
export const QUALITY_SCORE_DELAY_MS = 3_000;

/** Queues the automatic inspection of a chat that just closed (see qualityJobSchema). */
export async function queueQualityScoring(queues: Pick<Queues, 'quality'>, chat: { conversationId: string; handoffId: string }) {
  const data: QualityJob = { conversationId: chat.conversationId, handoffId: chat.handoffId, revision: 0 };
  await queues.quality.add('score', data, { jobId: qualityJobId(data), delay: QUALITY_SCORE_DELAY_MS });
}

/** Handoff priorities (BullMQ: lower number = served first). */
export const HANDOFF_PRIORITY = { distress: 1, vip: 2, complaint: 3, normal: 5 } as const;

export interface Queues {
  inbound: Queue<InboundJob>;
  handoff: Queue<HandoffJob>;
  outbound: Queue<OutboundJob>;
  media: Queue<MediaJob>;
  quality: Queue<QualityJob>;
  close(): Promise<void>;
}

export function queueOptions(connection: Redis, prefix: string): QueueOptions {
  return {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 200 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  };
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const opts = queueOptions(connection, prefix);
  const inbound = new Queue<InboundJob>(QUEUE_NAMES.inbound, opts);
  const handoff = new Queue<HandoffJob>(QUEUE_NAMES.handoff, opts);
  const outbound = new Queue<OutboundJob>(QUEUE_NAMES.outbound, opts);
  const media = new Queue<MediaJob>(QUEUE_NAMES.media, opts);
  const quality = new Queue<QualityJob>(QUEUE_NAMES.quality, opts);
  return {
    inbound,
    handoff,
    outbound,
    media,
    quality,
    async close() {
      await Promise.all([inbound.close(), handoff.close(), outbound.close(), media.close(), quality.close()]);
    },
  };
}
