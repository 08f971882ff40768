import { Schema, type Connection, type Model } from 'mongoose';
import type { Db } from '@brokerbot/shared';

/**
 * 会话记录 search's row summaries (`transcriptsummaries`): one document per conversation, `_id` =
 * its id, holding what a result row shows (message count, escalations with their advisors, the
 * strongest negative emotion, the latest review and inspection, the client's name and tier), so
 * that a page reads one document per listed conversation instead of five collections.
 *
 * Derived data, never the record: a summary says what it was computed from (the conversation's
 * `version`, the time of its latest message, when it was computed) and the search recomputes a
 * row from the stored data whenever that no longer matches (see summaries.ts). Writers of
 * reviews and inspection scores, which change a row without changing the conversation, move
 * `touchedAt` (touchTranscriptSummary); nothing else writes `touchedAt`.
 */
export const transcriptSummarySchema = new Schema(
  {
    _id: { type: String, required: true },
    /** When the computation started (sources read after this instant). */
    computedAt: { type: Date, required: true },
    /** The latest review or score written for the conversation (`$max`); newer than computedAt: stale. */
    touchedAt: { type: Date, default: null },
    /** The conversation's transition count it was computed at. */
    version: { type: Number, required: true },
    /** The conversation's latest message counted (null: none). */
    lastAt: { type: Date, default: null },
    /** A client message was still waiting for the bot's reading (its emotion may come): recompute. */
    unsettled: { type: Boolean, default: false },
    /** The row (TranscriptRow). */
    row: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);

export interface StoredSummary<Row = unknown> {
  _id: string;
  computedAt: Date;
  touchedAt?: Date | null;
  version: number;
  lastAt: Date | null;
  unsettled: boolean;
  row: Row;
}

const byConnection = new WeakMap<Connection, Model<any>>();

/** The summaries' model on this connection (registered once per connection). */
export function summaryModel(db: Pick<Db, 'connection'>): Model<any> {
  let model = byConnection.get(db.connection);
  if (!model) {
    model = db.connection.model('TranscriptSummary', transcriptSummarySchema);
    byConnection.set(db.connection, model);
  }
  return model;
}

/**
 * Marks a conversation's summary out of date after a write that changes its row without changing
 * the conversation (a review, an inspection score). Call it after the write: a summary computed
 * before this instant is then recomputed on its next read. One single-document update; a
 * conversation without a summary yet needs nothing.
 */
export async function touchTranscriptSummary(db: Pick<Db, 'connection'>, conversationId: string, at = new Date()): Promise<void> {
  await summaryModel(db).collection.updateOne({ _id: conversationId as never }, { $max: { touchedAt: at } });
}
