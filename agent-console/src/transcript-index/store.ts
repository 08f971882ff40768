import type { Db } from '@brokerbot/shared';
import type { ActivityRecord, IndexWrites } from './records';

/**
 * Writes a batch of index records: insertMany({ ordered: false }) per collection, a record already
 * stored being a duplicate key (ignored: every record is keyed by what it says). An activity
 * record of a day that goes on is already stored: its `lastAt` (and `firstAt`) are then moved with
 * `$max`/`$min`, one update per conversation-day per batch (not atomic on FerretDB, see FERRETDB.md:
 * two index workers updating the same record at the same instant could keep the earlier time,
 * which only moves the conversation a little down that day's list).
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

/** Months this process has stored already, per collection (a month is written once, not with every batch). */
const monthsStored = new WeakMap<object, Set<string>>();

export async function writeIndex(db: IndexDb, writes: IndexWrites): Promise<WriteResult> {
  let stored = monthsStored.get(db.TranscriptMonth.collection);
  if (!stored) monthsStored.set(db.TranscriptMonth.collection, (stored = new Set()));
  const newMonths = writes.months.filter((m) => !stored.has(m));
  const [activityDuplicates, termDuplicates] = await Promise.all([
    insertAbsent(db.TranscriptActivity.collection, writes.activities),
    insertAbsent(db.TranscriptTerm.collection, writes.terms),
    insertAbsent(
      db.TranscriptMonth.collection,
      newMonths.map((m) => ({ _id: m })),
    ),
  ]);
  for (const m of newMonths) stored.add(m);
  const stale = activityDuplicates.map((i) => writes.activities[i]!);
  await extendActivities(db, stale);
  return {
    activitiesInserted: writes.activities.length - stale.length,
    activitiesUpdated: stale.length,
    termsInserted: writes.terms.length - termDuplicates.length,
  };
}

async function extendActivities(db: IndexDb, records: ActivityRecord[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const r = records[next++]!;
      await db.TranscriptActivity.collection.updateOne(
        { _id: r._id as never },
        { $max: { lastAt: r.lastAt }, $min: { firstAt: r.firstAt } },
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPDATES_IN_FLIGHT, records.length) }, worker));
}
