import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';
import type { Db } from '@brokerbot/shared';

/*
 * Records (issue #10): the audit log and legal holds. Both are insert-only: nothing here is ever
 * updated, and the retention purge never deletes them (they are the record that a conversation
 * existed, who saw it and why it was or was not kept).
 */

export const AUDIT_ACTIONS = ['open', 'review', 'export', 'qa_confirm', 'watch', 'legal_hold', 'purge'] as const;
export const AUDIT_ROLES = ['advisor', 'supervisor', 'system'] as const;

/** Who did what with which conversation's record, and when. */
export const auditEntrySchema = new Schema(
  {
    /** The advisor's id; null for the system (the retention purge). */
    actorId: { type: String, default: null },
    actorName: { type: String, required: true },
    role: { type: String, enum: AUDIT_ROLES, required: true },
    action: { type: String, enum: AUDIT_ACTIONS, required: true },
    conversationId: { type: String, required: true },
    /** The conversation's branch when the entry was written (branch scope of audit:list, kept after a purge). */
    branchId: { type: String, default: null },
    at: { type: Date, required: true },
    details: { type: Schema.Types.Mixed, default: {} },
    /** Set on entries that must exist once (the purge of a conversation): a retried job inserts it once. */
    onceKey: { type: String },
  },
  { versionKey: false },
);
auditEntrySchema.index({ conversationId: 1, at: -1 });
auditEntrySchema.index({ branchId: 1, at: -1 });
auditEntrySchema.index({ actorId: 1, at: -1 });
auditEntrySchema.index({ at: -1 });
auditEntrySchema.index({ onceKey: 1 }, { unique: true, sparse: true });
export type AuditEntryDoc = InferSchemaType<typeof auditEntrySchema> & { _id: Types.ObjectId };

/**
 * A conversation's legal-hold log: each change is the next `version` (the unique index decides
 * between two supervisors changing it at once, and between a supervisor and the purge). Kinds:
 * `hold` / `release` (a supervisor) and `purge` (the retention job claiming the conversation: a
 * later hold cannot slip in between the job's check and its deletion). The latest entry counts.
 */
export const LEGAL_HOLD_KINDS = ['hold', 'release', 'purge'] as const;
export type LegalHoldKind = (typeof LEGAL_HOLD_KINDS)[number];
export const legalHoldSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    version: { type: Number, required: true },
    kind: { type: String, enum: LEGAL_HOLD_KINDS, required: true },
    reason: { type: String, default: '' },
    byId: { type: String, default: null },
    byName: { type: String, default: null },
    branchId: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
legalHoldSchema.index({ conversationId: 1, version: 1 }, { unique: true });
export type LegalHoldDoc = InferSchemaType<typeof legalHoldSchema>;

export interface RecordsModels {
  AuditEntry: Model<AuditEntryDoc>;
  LegalHold: Model<LegalHoldDoc>;
  /** Resolves once the unique indexes exist. */
  ready: Promise<void>;
}

const byConnection = new WeakMap<Connection, RecordsModels>();

/** The records models on a database connection (made once per connection, indexes built on first use). */
export function recordsModels(db: Pick<Db, 'connection'>): RecordsModels {
  const known = byConnection.get(db.connection);
  if (known) return known;
  const c = db.connection;
  const models = {
    AuditEntry: c.model('AuditEntry', auditEntrySchema),
    LegalHold: c.model('LegalHold', legalHoldSchema),
  };
  const ready = Promise.all(Object.values(models).map((m) => m.createIndexes())).then(() => undefined);
  ready.catch(() => undefined);
  const records = { ...models, ready } as unknown as RecordsModels;
  byConnection.set(c, records);
  return records;
}
