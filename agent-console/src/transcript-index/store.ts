import type { Db } from '@brokerbot/shared';
import type { ActivityMoves } from './activity-moves';
import type { ActivityRecord, IndexWrites } from './records';

/**
 * Writes a batch of index records: insertMany({ ordered: false }) per collection, a record already
 * stored being a duplicate key (ignored: every record is keyed by what it says). An activity
 * record of a day that goes on is already stored: its `lastAt` (and `firstAt`) are then moved with
 * `$max`/`$min`, one update per conversation-day per batch (not atomic on FerretDB, see FERRETDB.md:
 * two index workers updating the same record at the same instant could keep the earlier time,
 * which only moves the conversation a little down that day's list). With `moves` (the index worker),
 * a record moved within the last few seconds waits and is moved later (activity-moves.ts).
 */

const INSERT_CHUNK = 1_000;
/** Updates in flight at once (the database pool is small on FerretDB). */
const UPDATES_IN_FLIGHT = 4;

type IndexDb = Pick<Db, 'TranscriptActivity' | 'TranscriptTerm' | 'TranscriptMonth'>;

interface WriteError {
  index: number;
  code?: number;
  errmsg?: string;
}

/** insertMany of raw documents; returns the indexes (into `docs`) refused as duplicates. Other errors throw. */
export async function insertAbsent(
  collection: { insertMany(docs: object[], options: { ordered: false }): Promise<unknown> },
  docs: object[],
): Promise<number[]> {
  const duplicates: number[] = [];
  for (let start = 0; start < docs.length; start += INSERT_CHUNK) {
    const chunk = docs.slice(start, start + INSERT_CHUNK);
    try {
      await collection.insertMany(chunk, { ordered: false });
    } catch (err) {
      const raw = (err as { writeErrors?: WriteError | WriteError[] }).writeErrors;
      const writeErrors = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== 11000)) throw err;
      for (const w of writeErrors) duplicates.push(start + w.index);
    }
  }
  return duplicates;
}

export interface WriteResult {
  activitiesInserted: number;
  activitiesUpdated: number;
  termsInserted: number;
}

/**
 * Record ids this process knows are stored, per collection (cleared when full). A conversation's
 * words and days repeat from message to message; inserting them again only to be refused as
 * duplicates is costly on FerretDB (a refused multi-row insert is retried row by row, each refusal
 * logged), so known terms are not written again and known activity days go straight to the update.
 * Another process may still store the same record: then the unique key refuses it, as before.
 */
const STORED_IDS_MAX = 200_000;
const storedIds = new WeakMap<object, Set<string>>();

function storedIdsOf(collection: object): Set<string> {
  let ids = storedIds.get(collection);
  if (!ids) storedIds.set(collection, (ids = new Set()));
  if (ids.size > STORED_IDS_MAX) ids.clear();
  return ids;
}

export async function writeIndex(db: IndexDb, writes: IndexWrites, moves?: ActivityMoves): Promise<WriteResult> {
  const months = storedIdsOf(db.TranscriptMonth.collection);
  const termIds = storedIdsOf(db.TranscriptTerm.collection);
  const activityIds = storedIdsOf(db.TranscriptActivity.collection);
  const newMonths = writes.months.filter((m) => !months.has(m));
  const newTerms = writes.terms.filter((t) => !termIds.has(t._id));
  const known = writes.activities.filter((a) => activityIds.has(a._id));
  const unknown = writes.activities.filter((a) => !activityIds.has(a._id));
  const [activityDuplicates, termDuplicates] = await Promise.all([
    insertAbsent(db.TranscriptActivity.collection, unknown),
    insertAbsent(db.TranscriptTerm.collection, newTerms),
    insertAbsent(
      db.TranscriptMonth.collection,
      newMonths.map((m) => ({ _id: m })),
    ),
  ]);
  for (const m of newMonths) months.add(m);
  for (const t of newTerms) termIds.add(t._id);
  for (const a of unknown) activityIds.add(a._id);
  const stale = [...known, ...activityDuplicates.map((i) => unknown[i]!)];
  const moved = await moveActivities(db, moves ? moves.offer(stale, Date.now()) : stale);
  return {
    activitiesInserted: unknown.length - activityDuplicates.length + moved.reinserted,
    activitiesUpdated: moved.updated,
    termsInserted: newTerms.length - termDuplicates.length,
  };
}

/**
 * Moves stored activity records' first/last times. A record this process thought stored but
 * that is gone (its collection emptied) is stored again.
 */
export async function moveActivities(db: IndexDb, records: ActivityRecord[]): Promise<{ updated: number; reinserted: number }> {
  if (records.length === 0) return { updated: 0, reinserted: 0 };
  const missing = await extendActivities(db, records);
  const reinserted = missing.length - (await insertAbsent(db.TranscriptActivity.collection, missing)).length;
  return { updated: records.length - missing.length, reinserted };
}

/** Moves each stored record's first/last times; returns the records that were not found. */
async function extendActivities(db: IndexDb, records: ActivityRecord[]): Promise<ActivityRecord[]> {
  const missing: ActivityRecord[] = [];
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const r = records[next++]!;
      const res = await db.TranscriptActivity.collection.updateOne(
        { _id: r._id as never },
        { $max: { lastAt: r.lastAt }, $min: { firstAt: r.firstAt } },
      );
      if (res.matchedCount === 0) missing.push(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPDATES_IN_FLIGHT, records.length) }, worker));
  return missing;
}
