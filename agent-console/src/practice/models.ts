import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';
import type { Db } from '@brokerbot/shared';

/*
 * Practice (智能陪练) records. They live in collections of their own, apart from conversations,
 * messages and handoffs, so that a practice chat can never appear in the waiting list, routing,
 * capacity counts, the dashboard, the review search or automatic inspection, and is never
 * delivered to any channel (nothing here is read by those paths). Exactly-once decisions are
 * inserts under unique indexes, as everywhere (FerretDB v1 has no atomic conditional update).
 */

/** One practice chat of one advisor with a simulated client. Its id is the chat's conversationId. */
export const practiceSessionSchema = new Schema(
  {
    advisorId: { type: String, required: true },
    advisorName: { type: String, required: true },
    /** The advisor's branch (branch scope of results). */
    branchId: { type: String, required: true },
    scenarioId: { type: String, required: true },
    scenarioTitle: { type: String, required: true },
    /** The scenario as it was when the practice started (a later edit does not change a running practice). */
    scenario: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: ['active', 'ended'], default: 'active' },
    startedAt: { type: Date, required: true },
    endedAt: { type: Date, default: null },
  },
  { versionKey: false },
);
practiceSessionSchema.index({ advisorId: 1, startedAt: -1 });

/**
 * A message of a practice chat. (sessionId, seq) and (sessionId, messageId) are unique: an advisor
 * message resent with the same console id is stored once, and the client's answer to turn N is
 * stored once whichever process or timer computes it (messageId `<sessionId>-c<N>`).
 */
export const practiceMessageSchema = new Schema(
  {
    sessionId: { type: String, required: true },
    seq: { type: Number, required: true },
    messageId: { type: String, required: true },
    from: { type: String, enum: ['client', 'advisor'], required: true },
    authorName: { type: String, default: null },
    text: { type: String, required: true },
    at: { type: Date, required: true },
    /** Client messages: the turn, the reaction, the mood after it and what the rules read (see simulated-client.ts). */
    meta: { type: Schema.Types.Mixed, default: null },
  },
  { versionKey: false },
);
practiceMessageSchema.index({ sessionId: 1, seq: 1 }, { unique: true });
practiceMessageSchema.index({ sessionId: 1, messageId: 1 }, { unique: true });

/** How a practice ended and how it was scored. Unique per session: the end is decided once. */
export const practiceResultSchema = new Schema(
  {
    sessionId: { type: String, required: true },
    advisorId: { type: String, required: true },
    advisorName: { type: String, required: true },
    branchId: { type: String, required: true },
    scenarioId: { type: String, required: true },
    scenarioTitle: { type: String, required: true },
    outcome: { type: String, enum: ['calmed', 'escalated', 'max_turns', 'closed'], required: true },
    endedBy: { type: String, enum: ['rules', 'advisor'], required: true },
    turns: { type: Number, required: true },
    startMood: { type: Number, required: true },
    endMood: { type: Number, required: true },
    moodPath: { type: Schema.Types.Mixed, default: [] },
    feedback: { type: Schema.Types.Mixed, default: [] },
    /** The inspection scorecard's score of the practice, when the scorer is available. */
    score: { type: Schema.Types.Mixed, default: null },
    startedAt: { type: Date, required: true },
    endedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
practiceResultSchema.index({ sessionId: 1 }, { unique: true });
practiceResultSchema.index({ advisorId: 1, endedAt: -1 });
practiceResultSchema.index({ branchId: 1, endedAt: -1 });

/** A supervisor asked an advisor to practise a scenario. One per (advisor, scenario); assigning again renews it. */
export const practiceAssignmentSchema = new Schema(
  {
    advisorId: { type: String, required: true },
    scenarioId: { type: String, required: true },
    branchId: { type: String, required: true },
    assignedBy: { type: String, required: true },
    assignedByName: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
practiceAssignmentSchema.index({ advisorId: 1, scenarioId: 1 }, { unique: true });

/** A scenario made from a real conversation (质培一体化), for that conversation's branch. */
export const practiceScenarioSchema = new Schema(
  {
    _id: { type: String, required: true },
    branchId: { type: String, required: true },
    /** One scenario per source conversation: making it again returns the stored one. */
    sourceConversationId: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdByName: { type: String, required: true },
    scenario: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
practiceScenarioSchema.index({ sourceConversationId: 1 }, { unique: true });
practiceScenarioSchema.index({ branchId: 1 });

export type PracticeSessionDoc = InferSchemaType<typeof practiceSessionSchema> & { _id: { toString(): string } };
export type PracticeMessageDoc = InferSchemaType<typeof practiceMessageSchema>;
export type PracticeResultDoc = InferSchemaType<typeof practiceResultSchema>;
export type PracticeAssignmentDoc = InferSchemaType<typeof practiceAssignmentSchema>;
export type PracticeScenarioDoc = InferSchemaType<typeof practiceScenarioSchema>;

export interface PracticeModels {
  Session: Model<InferSchemaType<typeof practiceSessionSchema>>;
  Message: Model<PracticeMessageDoc>;
  Result: Model<PracticeResultDoc>;
  Assignment: Model<PracticeAssignmentDoc>;
  Scenario: Model<PracticeScenarioDoc>;
  /** Resolves once the unique indexes exist (the exactly-once decisions depend on them). */
  ready: Promise<void>;
}

const byConnection = new WeakMap<Connection, PracticeModels>();

/** The practice models on a database connection (made once per connection, indexes built on first use). */
export function practiceModels(db: Pick<Db, 'connection'>): PracticeModels {
  const known = byConnection.get(db.connection);
  if (known) return known;
  const c = db.connection;
  const models = {
    Session: c.model('PracticeSession', practiceSessionSchema),
    Message: c.model('PracticeMessage', practiceMessageSchema),
    Result: c.model('PracticeResult', practiceResultSchema),
    Assignment: c.model('PracticeAssignment', practiceAssignmentSchema),
    Scenario: c.model('PracticeScenario', practiceScenarioSchema),
  };
  const ready = Promise.all(Object.values(models).map((m) => m.createIndexes())).then(() => undefined);
  ready.catch(() => undefined);
  const practice: PracticeModels = { ...models, ready } as unknown as PracticeModels;
  byConnection.set(c, practice);
  return practice;
}
