import { Schema, type InferSchemaType, Types } from 'mongoose';
import { CHANNELS, CONVERSATION_STATES, CUSTOMER_TIERS } from '../states';

/**
 * Mongoose schemas. Every "exactly once" decision (a message stored, a state transition won,
 * an offer made) is an INSERT under a unique index, and each document has a single writer
 * per change. We do not rely on conditional updates being atomic: measured on FerretDB v1
 * (SQLite), 100 concurrent `$inc`s left the counter at 17 and 18 of 20 concurrent
 * `findOneAndUpdate({status: 'queued'})` claims all "won", while unique-index inserts always
 * had exactly one winner. This design is correct on MongoDB and FerretDB alike.
 */
export const branchSchema = new Schema(
  {
    _id: { type: String, required: true }, // branch code, e.g. "SH01"
    name: { type: String, required: true },
    city: { type: String, required: true },
  },
  { timestamps: true },
);

export const advisorSchema = new Schema(
  {
    username: { type: String, required: true, unique: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ['advisor', 'supervisor'], required: true },
    branchId: { type: String, required: true, index: true },
    /** Supervisors (and advisors granted it) see every branch, not only their own. */
    allBranches: { type: Boolean, default: false },
    skills: { type: [String], default: [] },
    maxChats: { type: Number, default: null },
    wecomUserId: { type: String, default: null }, // WeCom servicer userid (WECOM_HANDOFF_MODE=native)
    active: { type: Boolean, default: true },
    /** Put into the console token at login; raising it (or disabling the account) revokes every token issued before. */
    tokenVersion: { type: Number, default: 0 },
  },
  { timestamps: true },
);

const identitySchema = new Schema(
  {
    channel: { type: String, enum: CHANNELS, required: true },
    externalId: { type: String, required: true },
  },
  { _id: false },
);

export const customerSchema = new Schema(
  {
    _id: { type: String, required: true }, // the brokerage's client number
    name: { type: String, required: true },
    tier: { type: String, enum: CUSTOMER_TIERS, default: 'standard' },
    branchId: { type: String, required: true },
    phone: { type: String, default: null },
    identities: { type: [identitySchema], default: [] },
  },
  { timestamps: true },
);
customerSchema.index({ 'identities.channel': 1, 'identities.externalId': 1 });

export const conversationSchema = new Schema(
  {
    channel: { type: String, enum: CHANNELS, required: true },
    externalUserId: { type: String, required: true },
    customerId: { type: String, default: null },
    branchId: { type: String, default: null },
    state: { type: String, enum: CONVERSATION_STATES, default: 'bot' },
    advisorId: { type: String, default: null },
    handoffId: { type: String, default: null },
    /** Number of transitions applied; the next one is won by inserting version + 1. */
    version: { type: Number, default: 0 },
  },
  { timestamps: true },
);
conversationSchema.index({ channel: 1, externalUserId: 1 }, { unique: true });
conversationSchema.index({ advisorId: 1, state: 1 });

/**
 * The conversation's state history, one document per transition. The unique index on
 * (conversationId, version) is the lock: of two actors moving the same conversation, one
 * insert succeeds and the other gets a duplicate-key error.
 */
export const transitionSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    version: { type: Number, required: true },
    from: { type: String, enum: CONVERSATION_STATES, required: true },
    to: { type: String, enum: CONVERSATION_STATES, required: true },
    by: { type: String, required: true }, // "bot", "router", "advisor:<id>", "system"
    reason: { type: String, required: true },
    /** Fields set on the conversation with this transition (advisorId, handoffId …). */
    set: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
transitionSchema.index({ conversationId: 1, version: 1 }, { unique: true });
transitionSchema.index({ at: 1 });

const authorSchema = new Schema(
  {
    kind: { type: String, enum: ['client', 'bot', 'advisor', 'system'], required: true },
    id: { type: String, default: null },
    name: { type: String, default: null },
  },
  { _id: false },
);

export const MESSAGE_STATUSES = ['received', 'handled', 'queued', 'sent', 'failed'] as const;

export const messageSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    seq: { type: Number, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    /** The channel's id for inbound messages, our outbound id for outgoing ones. */
    channelMessageId: { type: String, required: true },
    direction: { type: String, enum: ['in', 'out'], required: true },
    author: { type: authorSchema, required: true },
    text: { type: String, required: true },
    status: { type: String, enum: MESSAGE_STATUSES, required: true },
    /** Why the bot did what it did with this message (intent, emotion, escalation reasons). */
    meta: { type: Schema.Types.Mixed, default: null },
    error: { type: String, default: null },
  },
  { timestamps: true },
);
messageSchema.index({ channel: 1, channelMessageId: 1 }, { unique: true });
messageSchema.index({ conversationId: 1, seq: 1 }, { unique: true });
messageSchema.index({ direction: 1, status: 1, createdAt: 1 });
// Conversation review walks the messages newest first (transcripts:search).
messageSchema.index({ createdAt: -1 });

export const HANDOFF_STATUSES = ['queued', 'accepted', 'closed', 'cancelled'] as const;

export const handoffSchema = new Schema(
  {
    conversationId: { type: String, required: true, index: true },
    customerId: { type: String, default: null },
    branchId: { type: String, default: null },
    status: { type: String, enum: HANDOFF_STATUSES, default: 'queued' },
    priority: { type: Number, required: true },
    reasons: { type: [String], default: [] },
    summary: { type: String, default: '' },
    /** Asked for outside business hours: a call-back, routed when advisors are on duty. */
    afterHours: { type: Boolean, default: false },
    advisorId: { type: String, default: null },
    acceptedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
handoffSchema.index({ branchId: 1, status: 1 });
// Conversation review filters by the advisor who took the chat.
handoffSchema.index({ advisorId: 1 });

/**
 * A waiting handoff made more urgent by what the client wrote while waiting (爆仓, 活不下去 …).
 * Insert-only, so the handoff document keeps one writer per change (FerretDB can lose one of two
 * concurrent updates of a document); the unique index raises each level once. Readers take the
 * most urgent of the handoff's own priority and its raises.
 */
export const handoffRaiseSchema = new Schema(
  {
    handoffId: { type: String, required: true },
    priority: { type: Number, required: true },
    reasons: { type: [String], default: [] },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
handoffRaiseSchema.index({ handoffId: 1, priority: 1 }, { unique: true });

/** Each offer of a handoff to an advisor (insert-only: the router's audit trail and SLA). */
export const handoffOfferSchema = new Schema(
  {
    handoffId: { type: String, required: true },
    attempt: { type: Number, required: true },
    advisorId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
handoffOfferSchema.index({ handoffId: 1, attempt: 1 }, { unique: true });

/**
 * What the bot remembers about a conversation between turns: the emotion trend, answers that
 * missed, the last clarifying menu, and the state of an open multi-turn flow. Written only by
 * the bot's turn for that conversation (one writer), kept apart from the conversation document
 * so that transitions and bot turns never write the same document.
 */
export const APPOINTMENT_STATUSES = ['requested', 'confirmed', 'done', 'cancelled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/**
 * A client's request to meet or be called by their branch (from the 预约 flow). Its status is
 * changed only by the winner of an AppointmentChange insert (see appointmentChangeSchema).
 */
export const appointmentSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    customerId: { type: String, default: null },
    branchId: { type: String, default: null, index: true },
    topic: { type: String, required: true },
    preferredTime: { type: String, required: true },
    status: { type: String, enum: APPOINTMENT_STATUSES, default: 'requested' },
    /**
     * The inbound message that finished the flow: a redelivered job finds the stored request
     * instead of adding a second one. No default (sparse index): requests stored before the
     * field existed have none.
     */
    requestMessageId: { type: String },
    /** The advisor who confirmed it, its owner from then on. */
    advisorId: { type: String, default: null },
    advisorName: { type: String, default: null },
    /** Number of status changes applied; the next one is won by inserting version + 1. */
    version: { type: Number, default: 0 },
  },
  { timestamps: true },
);
appointmentSchema.index({ requestMessageId: 1 }, { unique: true, sparse: true });
appointmentSchema.index({ status: 1, createdAt: 1 });

/**
 * An appointment's status history, one document per change. The unique index on
 * (appointmentId, version) decides between advisors acting at once (two confirming the same
 * request): one insert wins, the other gets a duplicate-key error.
 */
export const appointmentChangeSchema = new Schema(
  {
    appointmentId: { type: String, required: true },
    version: { type: Number, required: true },
    from: { type: String, enum: APPOINTMENT_STATUSES, required: true },
    to: { type: String, enum: APPOINTMENT_STATUSES, required: true },
    by: { type: String, required: true }, // "advisor:<id>"
    /** Fields set on the appointment with this change (advisorId, advisorName). */
    set: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
appointmentChangeSchema.index({ appointmentId: 1, version: 1 }, { unique: true });

export const REVIEW_VERDICTS = ['ok', 'issue'] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

/**
 * A supervisor's quality/compliance review of a conversation. One per (conversation,
 * reviewer): the unique index makes a repeated review replace that supervisor's verdict
 * (each supervisor is the only writer of their own review); several supervisors may review.
 */
export const conversationReviewSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    reviewerId: { type: String, required: true },
    reviewerName: { type: String, required: true },
    verdict: { type: String, enum: REVIEW_VERDICTS, required: true },
    note: { type: String, default: '' },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
conversationReviewSchema.index({ conversationId: 1, reviewerId: 1 }, { unique: true });
export type ConversationReviewDoc = InferSchemaType<typeof conversationReviewSchema>;

export type AppointmentDoc = InferSchemaType<typeof appointmentSchema> & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};
export type AppointmentChangeDoc = InferSchemaType<typeof appointmentChangeSchema>;

export type HandoffRaiseDoc = InferSchemaType<typeof handoffRaiseSchema>;
export type BranchDoc = InferSchemaType<typeof branchSchema>;
export type AdvisorDoc = InferSchemaType<typeof advisorSchema> & { _id: Types.ObjectId };
export type CustomerDoc = InferSchemaType<typeof customerSchema>;
export type ConversationDoc = InferSchemaType<typeof conversationSchema> & { _id: Types.ObjectId };
export type TransitionDoc = InferSchemaType<typeof transitionSchema>;
export type HandoffOfferDoc = InferSchemaType<typeof handoffOfferSchema>;
export type MessageDoc = InferSchemaType<typeof messageSchema> & { _id: Types.ObjectId; createdAt: Date };
export type HandoffDoc = InferSchemaType<typeof handoffSchema> & { _id: Types.ObjectId; createdAt: Date };
