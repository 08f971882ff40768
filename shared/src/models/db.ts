import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../logger';
import { BatchInserter } from './batch-inserter';
import { ConversationWrites } from './conversation-writes';
import { ensureFerretPgIndexes } from './ferretdb-postgres';
import type { MessageDoc } from './schemas';
import {
  advisorSchema,
  appointmentChangeSchema,
  appointmentSchema,
  branchSchema,
  cannedReplySchema,
  conversationLogSchema,
  conversationNoteSchema,
  conversationReviewSchema,
  conversationSchema,
  customerSchema,
  handoffOfferSchema,
  handoffRaiseSchema,
  handoffSchema,
  messageSchema,
  surveyAnswerSchema,
  surveySchema,
  qualityConfirmationSchema,
  qualityScorecardSchema,
  qualityScoreSchema,
  transitionSchema,
  transcriptActivitySchema,
  transcriptMonthSchema,
  transcriptTermSchema,
} from './schemas';

/** One database connection and its models; a process may hold several (tests do). */
export interface Db {
  connection: Connection;
  Branch: ReturnType<typeof models>['Branch'];
  Advisor: ReturnType<typeof models>['Advisor'];
  Customer: ReturnType<typeof models>['Customer'];
  Conversation: ReturnType<typeof models>['Conversation'];
  Message: ReturnType<typeof models>['Message'];
  Handoff: ReturnType<typeof models>['Handoff'];
  HandoffOffer: ReturnType<typeof models>['HandoffOffer'];
  HandoffRaise: ReturnType<typeof models>['HandoffRaise'];
  Transition: ReturnType<typeof models>['Transition'];
  Appointment: ReturnType<typeof models>['Appointment'];
  AppointmentChange: ReturnType<typeof models>['AppointmentChange'];
  ConversationReview: ReturnType<typeof models>['ConversationReview'];
  ConversationLog: ReturnType<typeof models>['ConversationLog'];
  CannedReply: ReturnType<typeof models>['CannedReply'];
  ConversationNote: ReturnType<typeof models>['ConversationNote'];
  Survey: ReturnType<typeof models>['Survey'];
  SurveyAnswer: ReturnType<typeof models>['SurveyAnswer'];
  QualityScore: ReturnType<typeof models>['QualityScore'];
  QualityScorecard: ReturnType<typeof models>['QualityScorecard'];
  QualityConfirmation: ReturnType<typeof models>['QualityConfirmation'];
  /** 会话记录 search index (agent-console/src/transcript-index). */
  TranscriptActivity: ReturnType<typeof models>['TranscriptActivity'];
  TranscriptTerm: ReturnType<typeof models>['TranscriptTerm'];
  TranscriptMonth: ReturnType<typeof models>['TranscriptMonth'];
  /** Message inserts, batched across concurrent callers (see BatchInserter): the message path's hottest write. */
  messageInserts: BatchInserter<MessageDoc>;
  /** Each conversation as `transition()` just wrote it, for the copies kept in Redis (ConversationCache). */
  conversationWrites: ConversationWrites;
  close(): Promise<void>;
}

function models(c: Connection) {
  return {
    Branch: c.model('Branch', branchSchema),
    Advisor: c.model('Advisor', advisorSchema),
    Customer: c.model('Customer', customerSchema),
    Conversation: c.model('Conversation', conversationSchema),
    Message: c.model('Message', messageSchema),
    Handoff: c.model('Handoff', handoffSchema),
    HandoffOffer: c.model('HandoffOffer', handoffOfferSchema),
    HandoffRaise: c.model('HandoffRaise', handoffRaiseSchema),
    Transition: c.model('ConversationTransition', transitionSchema),
    Appointment: c.model('Appointment', appointmentSchema),
    AppointmentChange: c.model('AppointmentChange', appointmentChangeSchema),
    ConversationReview: c.model('ConversationReview', conversationReviewSchema),
    QualityScore: c.model('QualityScore', qualityScoreSchema),
    QualityScorecard: c.model('QualityScorecard', qualityScorecardSchema),
    QualityConfirmation: c.model('QualityConfirmation', qualityConfirmationSchema),
    ConversationLog: c.model('ConversationLog', conversationLogSchema),
    CannedReply: c.model('CannedReply', cannedReplySchema),
    ConversationNote: c.model('ConversationNote', conversationNoteSchema),
    Survey: c.model('Survey', surveySchema),
    SurveyAnswer: c.model('SurveyAnswer', surveyAnswerSchema),
    TranscriptActivity: c.model('TranscriptActivity', transcriptActivitySchema),
    TranscriptTerm: c.model('TranscriptTerm', transcriptTermSchema),
    TranscriptMonth: c.model('TranscriptMonth', transcriptMonthSchema),
  };
}

export interface ConnectOptions {
  /**
   * The PostgreSQL database FerretDB runs on, when it does: lookup indexes FerretDB cannot make
   * itself are created there (see ensureFerretPgIndexes). Unset for MongoDB.
   */
  ferretPostgresUrl?: string;
  /**
   * Database operations in flight at once from this process (the driver's pool). Default: the
   * driver's 100 on MongoDB; FERRET_PG_MAX_OPERATIONS on FerretDB on PostgreSQL, where one
   * operation may hold two PostgreSQL connections at once (an update reads through a cursor while
   * it writes), so more operations than half of FerretDB's pool deadlock it until timeouts fire.
   */
  maxPoolSize?: number;
  /**
   * Called for every command the driver sends (a round trip to the database), with the command's
   * name and collection: the process's metrics count them (bb_db_commands_total), so the bench can
   * print round trips per answered message.
   */
  onCommand?: (command: string, collection: string) => void;
  /**
   * Called when a command's reply arrives (or it fails), with its round-trip time on the
   * connection, and when an operation got a connection, with how long it waited for one (the
   * pool is full when operations queue). Together they say where a slow turn waits.
   *
   * @example onCommandDone: (cmd, coll, s) => metrics.dbCommandSeconds.inc({ command: cmd, collection: coll }, s)
   */
  onCommandDone?: (command: string, collection: string, seconds: number) => void;
  onPoolWait?: (seconds: number) => void;
  logger?: Logger;
}

/** See ConnectOptions.maxPoolSize: fits FerretDB's PostgreSQL pool of 40 (scripts/lib/infra.mjs) with room. */
export const FERRET_PG_MAX_OPERATIONS = 10;

export async function connectDb(uri: string, options: ConnectOptions = {}): Promise<Db> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 10_000,
    maxPoolSize: options.maxPoolSize ?? (options.ferretPostgresUrl ? FERRET_PG_MAX_OPERATIONS : undefined),
    // Indexes are built explicitly below so that start-up fails loudly if one cannot be.
    autoIndex: false,
    monitorCommands: options.onCommand !== undefined || options.onCommandDone !== undefined,
  });
  await connection.asPromise();
  const client = connection.getClient();
  if (options.onCommand || options.onCommandDone) {
    const { onCommand, onCommandDone } = options;
    // The started event names the collection; the reply's event only carries the request id.
    const started = new Map<number, [string, string]>();
    client.on('commandStarted', (e) => {
      const target = (e.command as Record<string, unknown>)[e.commandName];
      const collection = typeof target === 'string' ? target : '';
      onCommand?.(e.commandName, collection);
      if (onCommandDone) started.set(e.requestId, [e.commandName, collection]);
    });
    if (onCommandDone) {
      const done = (e: { requestId: number; duration: number }) => {
        const kind = started.get(e.requestId);
        if (!kind) return;
        started.delete(e.requestId);
        onCommandDone(kind[0], kind[1], e.duration / 1000);
      };
      client.on('commandSucceeded', done);
      client.on('commandFailed', done);
    }
  }
  if (options.onPoolWait) {
    const onPoolWait = options.onPoolWait;
    const waiting: number[] = [];
    client.on('connectionCheckOutStarted', () => waiting.push(performance.now()));
    const checkedOut = () => {
      const since = waiting.shift();
      if (since !== undefined) onPoolWait((performance.now() - since) / 1000);
    };
    client.on('connectionCheckedOut', checkedOut);
    client.on('connectionCheckOutFailed', checkedOut);
  }
  const m = models(connection);
  await Promise.all(Object.values(m).map((model) => model.createIndexes()));
  if (options.ferretPostgresUrl) await ensureFerretPgIndexes(connection, options.ferretPostgresUrl, options.logger);
  return {
    connection,
    ...m,
    messageInserts: new BatchInserter<MessageDoc>(m.Message),
    conversationWrites: new ConversationWrites(),
    close: () => connection.close(),
  };
}
