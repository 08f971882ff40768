import { randomBytes } from 'node:crypto';
import {
  RollupBuilder,
  backfillSummaries,
  eventsOfHandoff,
  eventsOfMessage,
  indexWritesOf,
  writeIndex,
  writeRollups,
} from '@brokerbot/agent-console';
import { connectDb, entryOfMessage, type TranscriptIndexEntry } from '@brokerbot/shared';
import {
  ObjectIdClock,
  buildConversation,
  messageCounts,
  seededRandom,
  type GrowContext,
  type GrowTurn,
  type SeededConversation,
} from './grow-data';

/**
 * Grows the database to production size before the measured scenarios: conversations and
 * messages (with their customers, a few escalations' handoffs and transitions) of the past
 * year, inserted through the app's own mongoose models (so every document is cast and
 * validated against the schemas), insertMany({ ordered: false }) in batches, several in flight.
 * Runs after the app started, so the indexes it creates at start-up exist and the inserts
 * maintain them, as they would in production.
 */

export interface GrowOptions {
  uri: string;
  conversations: number;
  messages: number;
  turns: GrowTurn[];
  batchSize?: number;
  inFlight?: number;
  escalatedShare?: number;
  negativeShare?: number;
  log?: (line: string) => void;
}

export interface GrowResult {
  tag: string;
  conversations: number;
  messages: number;
  customers: number;
  handoffs: number;
  transitions: number;
  /** Documents the database refused (duplicate keys): should be 0. */
  refused: number;
  seconds: number;
  docsPerSec: number;
  messagesPerSec: number;
  /** Time span of the seeded messages (ISO). */
  from: string;
  to: string;
  /** The dashboard's rollups written for the seeded data (看板 reads them, not the messages). */
  rollups: { hours: number; days: number; seconds: number };
  /** 会话记录 search's index of the seeded messages (activity per conversation per day, keyword records), written with them. */
  transcriptIndex: { activities: number; terms: number };
  seeded: SeededConversation[];
}

const KINDS = ['customers', 'conversations', 'messages', 'handoffs', 'transitions'] as const;
type Kind = (typeof KINDS)[number];

/** Runs at most `limit` inserts at once; `submit` waits for a free slot. */
class InsertPool {
  private running = new Set<Promise<void>>();
  private failure: Error | null = null;

  constructor(private readonly limit: number) {}

  async submit(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure;
    const p: Promise<void> = task()
      .catch((err: Error) => {
        this.failure ??= err;
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    while (this.running.size) await Promise.race(this.running);
    if (this.failure) throw this.failure;
  }
}

type Docs = Record<string, unknown>[];
const INSERT = { ordered: false, rawResult: true, lean: true } as const;
/** Every document is cast by its model; the first ones and one in VALIDATE_EVERY are also validated in full. */
const VALIDATE_EVERY = 100;

/** The model operations the seeding uses, whatever the collection. */
interface SeedModel {
  new (doc: object): { validateSync(): Error | null | undefined };
  modelName: string;
  schema: { options: { versionKey?: string | boolean } };
  castObject(doc: Record<string, unknown>): unknown;
  insertMany(docs: Docs, options: typeof INSERT): Promise<{ insertedCount: number }>;
}

/**
 * Casts each document with its model (types as mongoose would store them), validates a sample
 * in full (hydrating all of them costs ~0.1 ms of CPU per document), adds the version key
 * mongoose's own insertMany adds.
 */
function prepare(model: SeedModel, docs: Docs, counter: { n: number }): Docs {
  const versionKey = model.schema.options.versionKey;
  return docs.map((doc) => {
    const cast = model.castObject(doc) as Record<string, unknown>;
    if (typeof versionKey === 'string') cast[versionKey] = 0;
    if (counter.n++ < 20 || counter.n % VALIDATE_EVERY === 0) {
      const err = new model(doc).validateSync();
      if (err) throw new Error(`seeded ${model.modelName} is not valid: ${err.message}`);
    }
    return cast;
  });
}

/** insertMany that counts what was stored; duplicate keys are counted as refused, anything else fails the seeding. */
async function insertBatch(model: SeedModel, docs: Docs) {
  try {
    const res = await model.insertMany(docs, INSERT);
    return { inserted: res.insertedCount, refused: docs.length - res.insertedCount };
  } catch (err) {
    const e = err as { insertedCount?: number; writeErrors?: { code?: number }[] };
    const writeErrors = e.writeErrors ?? [];
    if (writeErrors.length && writeErrors.every((w) => w.code === 11000)) {
      return { inserted: e.insertedCount ?? docs.length - writeErrors.length, refused: writeErrors.length };
    }
    throw err;
  }
}

/** Adds one seeded conversation's events to the dashboard's rollups. */
function addToDashboard(rollups: RollupBuilder, b: ReturnType<typeof buildConversation>): void {
  const where = { branchId: b.ref.branchId, channel: b.ref.channel };
  for (const m of b.messages) for (const e of eventsOfMessage(m as never, where)) rollups.add(e);
  if (!b.handoff) return;
  const accepted = (b.handoff.acceptedAt as Date).getTime();
  const first = b.messages.find(
    (m) => (m.author as { kind: string }).kind === 'advisor' && (m.createdAt as Date).getTime() >= accepted,
  );
  for (const e of eventsOfHandoff(b.handoff as never, where, first ? (first.createdAt as Date).getTime() : null)) rollups.add(e);
}

export async function growDatabase(o: GrowOptions): Promise<GrowResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const batchSize = o.batchSize ?? 1_000;
  const db = await connectDb(o.uri);
  try {
    const advisors = (await db.Advisor.find({ role: 'advisor', active: true }, { displayName: 1, branchId: 1 }).lean()).map(
      (a) => ({ id: a._id.toString(), name: a.displayName, branchId: a.branchId }),
    );
    if (advisors.length === 0) log('  (no advisors in the database: the seeded conversations have no escalations)');
    const tag = randomBytes(3).toString('hex');
    const random = seededRandom(o.conversations * 31 + o.messages);
    const now = Date.now();
    const ctx: GrowContext = {
      tag,
      now,
      spanMs: 365 * 24 * 3_600_000,
      turns: o.turns,
      advisors,
      escalatedShare: o.escalatedShare ?? 0.03,
      negativeShare: o.negativeShare ?? 0.04,
      random,
    };
    const ids = new ObjectIdClock(tag);
    const counts = messageCounts(o.conversations, o.messages, random);
    const models = {
      customers: db.Customer,
      conversations: db.Conversation,
      messages: db.Message,
      handoffs: db.Handoff,
      transitions: db.Transition,
    } as unknown as Record<Kind, SeedModel>;
    const validated: Record<Kind, { n: number }> = {
      customers: { n: 0 },
      conversations: { n: 0 },
      messages: { n: 0 },
      handoffs: { n: 0 },
      transitions: { n: 0 },
    };
    const buffers: Record<Kind, Docs> = {
      customers: [],
      conversations: [],
      messages: [],
      handoffs: [],
      transitions: [],
    };
    const stored: Record<Kind, number> = { customers: 0, conversations: 0, messages: 0, handoffs: 0, transitions: 0 };
    let refused = 0;
    const pool = new InsertPool(o.inFlight ?? 4);
    const flush = (kind: Kind, docs: Docs) =>
      pool.submit(async () => {
        const r = await insertBatch(models[kind], prepare(models[kind], docs, validated[kind]));
        stored[kind] += r.inserted;
        refused += r.refused;
      });

    // 会话记录 search's index, written in bulk as the index worker would have written it.
    const indexed = { activities: 0, terms: 0 };
    let indexBuffer: TranscriptIndexEntry[] = [];
    const branchOf = new Map<string, string>();
    const flushIndex = () => {
      const entries = indexBuffer;
      const branches = new Map(branchOf);
      indexBuffer = [];
      branchOf.clear();
      return pool.submit(async () => {
        const r = await writeIndex(
          db,
          indexWritesOf(entries, (id) => branches.get(id) ?? null),
        );
        indexed.activities += r.activitiesInserted;
        indexed.terms += r.termsInserted;
      });
    };

    const t0 = performance.now();
    let lastLog = t0;
    const total = () => Object.values(stored).reduce((a, b) => a + b, 0);
    const progress = (final = false) => {
      const s = (performance.now() - t0) / 1000;
      log(
        `  ${final ? 'seeded' : 'seeding'}: ${stored.conversations.toLocaleString('en')}/${o.conversations.toLocaleString('en')} conversations, ` +
          `${stored.messages.toLocaleString('en')}/${o.messages.toLocaleString('en')} messages, ${total().toLocaleString('en')} documents ` +
          `in ${s.toFixed(0)} s (${Math.round(total() / Math.max(s, 0.001)).toLocaleString('en')} docs/s)`,
      );
    };
    const seeded: SeededConversation[] = [];
    let from = Infinity;
    let to = 0;
    // The dashboard's aggregates of the seeded data, counted as the live hooks count (看板).
    const rollups = new RollupBuilder();
    for (let i = 0; i < o.conversations; i++) {
      const b = buildConversation(ctx, ids, i, counts[i]!);
      addToDashboard(rollups, b);
      seeded.push(b.ref);
      from = Math.min(from, (b.conversation.createdAt as Date).getTime());
      to = Math.max(to, b.ref.lastAt);
      if (b.customer) buffers.customers.push(b.customer);
      buffers.conversations.push(b.conversation);
      for (const m of b.messages) buffers.messages.push(m);
      if (b.handoff) buffers.handoffs.push(b.handoff);
      for (const t of b.transitions) buffers.transitions.push(t);
      for (const m of b.messages) indexBuffer.push(entryOfMessage(m as unknown as Parameters<typeof entryOfMessage>[0]));
      branchOf.set(b.ref.conversationId, b.ref.branchId);
      if (indexBuffer.length >= batchSize * 5) await flushIndex();
      for (const kind of KINDS) while (buffers[kind].length >= batchSize) await flush(kind, buffers[kind].splice(0, batchSize));
      if (performance.now() - lastLog > 5_000) {
        lastLog = performance.now();
        progress();
      }
    }
    for (const kind of KINDS) if (buffers[kind].length) await flush(kind, buffers[kind]);
    if (indexBuffer.length) await flushIndex();
    await pool.drain();
    log(
      `  会话记录 index: ${indexed.activities.toLocaleString('en')} activity records, ${indexed.terms.toLocaleString('en')} keyword records`,
    );
    const ts = performance.now();
    const summaries = await backfillSummaries(db, { log }); // 会话记录 row summaries, as the live system keeps them
    log(
      `  会话记录 row summaries: ${summaries.summaries.toLocaleString('en')} in ${((performance.now() - ts) / 1000).toFixed(1)} s`,
    );
    const tr = performance.now();
    const written = await writeRollups(db, rollups, { mode: 'add' });
    const rollupSeconds = (performance.now() - tr) / 1000;
    log(
      `  dashboard rollups: ${written.hours.toLocaleString('en')} hours, ${written.days} days in ${rollupSeconds.toFixed(1)} s`,
    );
    const seconds = (performance.now() - t0) / 1000;
    progress(true);
    return {
      tag,
      conversations: stored.conversations,
      messages: stored.messages,
      customers: stored.customers,
      handoffs: stored.handoffs,
      transitions: stored.transitions,
      refused,
      seconds,
      docsPerSec: total() / seconds,
      messagesPerSec: stored.messages / seconds,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      rollups: { ...written, seconds: rollupSeconds },
      transcriptIndex: indexed,
      seeded,
    };
  } finally {
    await db.close();
  }
}
