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
    /** Whether this branch's advisors may 静默监听 (watch) colleagues' chats; supervisors always may. */
    advisorsMayWatch: { type: Boolean, default: false },
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
    /** The client's own advisor (客户经理, Advisor._id): offered the client's chats first when available. */
    advisorId: { type: String, default: null },
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

/** `transferred`: its advisor handed the chat on (chat:transfer); a new handoff carries it from there. */
export const HANDOFF_STATUSES = ['queued', 'accepted', 'closed', 'cancelled', 'transferred'] as const;

/** How an advisor's chat ended (结束会话 → 小结): a category from the configured list and an optional note. */
const wrapUpSchema = new Schema(
  {
    category: { type: String, required: true },
    note: { type: String, default: '' },
    advisorId: { type: String, required: true },
    advisorName: { type: String, default: null },
    /** The advisor closed although the client's last message had no reply (confirmed the warning). */
    clientUnanswered: { type: Boolean, default: false },
    at: { type: Date, required: true },
  },
  { _id: false },
);

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
    /**
     * The client's intents as the bot read them when it escalated, newest first (the escalating
     * message's, then earlier ones): the router picks the advisor's skill from them without
     * waiting for the turn to store them. null on handoffs made before this field, and on transfers.
     */
    intents: { type: [String], default: null },
    advisorId: { type: String, default: null },
    acceptedAt: { type: Date, default: null },
    closedAt: { type: Date, default: null },
    /** The advisor's wrap-up when closing (category from WRAP_UP_CATEGORIES); written once, by the close's winner. */
    wrapUp: { type: wrapUpSchema, default: null },
    /**
     * Set when an advisor transferred the chat (chat:transfer): who, to whom ({ advisorId } |
     * { branchId } | { skill }) and their note for the receiver (StoredTransfer in
     * agent-console/src/transfer.ts).
     */
    transfer: { type: Schema.Types.Mixed, default: null },
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
/**
 * What people did on a conversation besides its state changes (those are in the transition log):
 * a transfer and its note, a take-over, a supervisor's whisper, someone watching (静默监听).
 * Insert-only, for review and audit.
 */
export const CONVERSATION_LOG_KINDS = ['transfer', 'takeover', 'whisper', 'watch'] as const;
export type ConversationLogKind = (typeof CONVERSATION_LOG_KINDS)[number];
export const conversationLogSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    kind: { type: String, enum: CONVERSATION_LOG_KINDS, required: true },
    /** "advisor:<id>" */
    by: { type: String, required: true },
    byName: { type: String, required: true },
    /** The whisper's text, the transfer's note and target … */
    detail: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
conversationLogSchema.index({ conversationId: 1, at: 1 });
export type ConversationLogDoc = InferSchemaType<typeof conversationLogSchema>;

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

/**
 * The automatic inspection (智能质检) of one closed chat under one scorecard version. A chat is
 * the human part of a conversation: `handoffId` names it (a client's conversation is long-lived
 * and may be handed to a person many times). Insert-only: the unique index on (conversation,
 * handoff, scorecard version, revision) stores a redelivered scoring job's result once; a
 * supervisor's re-score request is the next revision. Readers take the latest.
 */
export const qualityScoreSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    handoffId: { type: String, required: true },
    branchId: { type: String, default: null },
    advisorId: { type: String, default: null },
    scorecardVersion: { type: String, required: true },
    revision: { type: Number, required: true },
    /** 0–100: the weighted share of applicable items passed (null: no item applied). */
    total: { type: Number, default: null },
    /** [{ id, label, kind, passed (null: not applicable), severity, weight, detail, evidence: [{ messageId, quote }] }] */
    items: { type: Schema.Types.Mixed, required: true },
    /** Ids of the items that failed, and the distinct severities among them (the flags). */
    failedItemIds: { type: [String], default: [] },
    flags: { type: [String], default: [] },
    /** When the human part ended, and when it was scored. */
    closedAt: { type: Date, required: true },
    scoredAt: { type: Date, required: true },
  },
  { versionKey: false },
);
qualityScoreSchema.index({ conversationId: 1, handoffId: 1, scorecardVersion: 1, revision: 1 }, { unique: true });
qualityScoreSchema.index({ branchId: 1 });
qualityScoreSchema.index({ scorecardVersion: 1 });
export type QualityScoreDoc = InferSchemaType<typeof qualityScoreSchema> & { _id: Types.ObjectId };

/** Each scorecard version the inspection has seen; the process whose insert wins queues the re-scoring. */
export const qualityScorecardSchema = new Schema(
  {
    _id: { type: String, required: true }, // the scorecard version
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

export const QUALITY_VERDICTS = ['confirmed', 'overridden'] as const;
export type QualityVerdict = (typeof QUALITY_VERDICTS)[number];

/**
 * A supervisor's verdict on one automatic item result: confirmed (the machine was right) or
 * overridden. One per (score, item, supervisor): a repeat replaces it, each supervisor writes
 * only their own. The counts per item tell how far the scorecard can be trusted.
 */
export const qualityConfirmationSchema = new Schema(
  {
    scoreId: { type: String, required: true },
    conversationId: { type: String, required: true },
    branchId: { type: String, default: null },
    scorecardVersion: { type: String, required: true },
    itemId: { type: String, required: true },
    /** The automatic result that was judged. */
    passed: { type: Boolean, default: null },
    verdict: { type: String, enum: QUALITY_VERDICTS, required: true },
    note: { type: String, default: '' },
    reviewerId: { type: String, required: true },
    reviewerName: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
qualityConfirmationSchema.index({ scoreId: 1, itemId: 1, reviewerId: 1 }, { unique: true });
export type QualityConfirmationDoc = InferSchemaType<typeof qualityConfirmationSchema>;

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

export const CANNED_REPLY_SCOPES = ['global', 'branch'] as const;
export type CannedReplyScope = (typeof CANNED_REPLY_SCOPES)[number];

/**
 * A canned reply (快捷回复): typed with `/` + keyword in the console's reply box. Global ones are
 * offered to everyone, branch ones to that branch; supervisors write them (each save passes the
 * compliance guardrails). Variables such as {客户称呼} {顾问姓名} are filled by the console.
 */
export const cannedReplySchema = new Schema(
  {
    keyword: { type: String, required: true },
    text: { type: String, required: true },
    scope: { type: String, enum: CANNED_REPLY_SCOPES, required: true },
    branchId: { type: String, default: null },
    updatedBy: { type: String, default: null },
  },
  { timestamps: true },
);
export type CannedReplyDoc = InferSchemaType<typeof cannedReplySchema> & { _id: Types.ObjectId };

/**
 * An internal note (内部备注) on a conversation: for advisors and supervisors, never sent to the
 * client (kept apart from the messages, which the client's history and the channels read). The
 * unique key (author + the console's id) makes a resent note a read of the stored one.
 */
export const conversationNoteSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    key: { type: String, required: true },
    authorId: { type: String, required: true },
    authorName: { type: String, default: null },
    authorRole: { type: String, default: 'advisor' },
    text: { type: String, required: true },
    /** The conversation's last message seq when the note was written: it sorts after that message. */
    afterSeq: { type: Number, default: 0 },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
conversationNoteSchema.index({ key: 1 }, { unique: true });
conversationNoteSchema.index({ conversationId: 1, at: 1 });
export type ConversationNoteDoc = InferSchemaType<typeof conversationNoteSchema> & { _id: Types.ObjectId };

/**
 * A satisfaction survey (满意度) put to the client once after an advisor's chat closed; one per
 * handoff (unique). Pending until answered, dismissed (the client wrote something else) or expired.
 */
export const surveySchema = new Schema(
  {
    conversationId: { type: String, required: true },
    handoffId: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    advisorId: { type: String, default: null },
    advisorName: { type: String, default: null },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
surveySchema.index({ handoffId: 1 }, { unique: true });
surveySchema.index({ conversationId: 1, at: -1 });
export type SurveyDoc = InferSchemaType<typeof surveySchema> & { _id: Types.ObjectId };

/**
 * The client's answer to a survey: inserted once (unique surveyId), so a second answer (another
 * tab, a redelivered message) is refused. `score` null: the client wrote something else instead
 * (dismissed), so later numbers go to the bot again.
 */
export const surveyAnswerSchema = new Schema(
  {
    surveyId: { type: String, required: true },
    conversationId: { type: String, required: true },
    handoffId: { type: String, required: true },
    advisorId: { type: String, default: null },
    score: { type: Number, default: null },
    comment: { type: String, default: '' },
    /** The client's message that carried the answer (WeCom / mini-program), or null (app buttons). */
    messageId: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
surveyAnswerSchema.index({ surveyId: 1 }, { unique: true });
surveyAnswerSchema.index({ handoffId: 1 });
export type SurveyAnswerDoc = InferSchemaType<typeof surveyAnswerSchema>;

/**
 * 会话记录 search's access path (agent-console/src/transcript-index): one record per conversation
 * per business day it was active on, `_id` = `<day>:<conversationId>` (so a record is stored once
 * however often it is written). The search reads a day's records by equality (`day`, or
 * `scopeDay` = `<branchId or ->:<day>` for a branch), newest day first, instead of sorting
 * messages. Written off the message path by the index worker in batches; `firstAt`/`lastAt` are
 * the day's first and latest message (the worker raises `lastAt` with `$max` when the day goes on).
 */
export const transcriptActivitySchema = new Schema(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    day: { type: String, required: true },
    scopeDay: { type: String, required: true },
    branchId: { type: String, default: null },
    channel: { type: String, enum: CHANNELS, required: true },
    firstAt: { type: Date, required: true },
    lastAt: { type: Date, required: true },
  },
  { versionKey: false },
);
transcriptActivitySchema.index({ day: 1 });
transcriptActivitySchema.index({ scopeDay: 1 });
transcriptActivitySchema.index({ conversationId: 1 });
export type TranscriptActivityDoc = InferSchemaType<typeof transcriptActivitySchema>;

/**
 * Keyword search (FerretDB has no `$text`): one record per word per conversation that said it,
 * `_id` = `<term>:<conversationId>`, insert-only. Words come from jieba (transcript-index/terms.ts).
 */
export const transcriptTermSchema = new Schema(
  {
    _id: { type: String, required: true },
    term: { type: String, required: true },
    conversationId: { type: String, required: true },
  },
  { versionKey: false },
);
transcriptTermSchema.index({ term: 1 });
export type TranscriptTermDoc = InferSchemaType<typeof transcriptTermSchema>;

/** The business months (`YYYY-MM`) that have activity records: the search's lower bound. Insert-only. */
export const transcriptMonthSchema = new Schema({ _id: { type: String, required: true } }, { versionKey: false });
