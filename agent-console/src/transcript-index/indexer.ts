import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  findIn,
  parseTranscriptIndexEntry,
  transcriptIndexRedis,
  transcriptIndexStreamKey,
  type Db,
  type Logger,
  type Queues,
  type TranscriptIndexEntry,
} from '@brokerbot/shared';
import { ActivityMoves } from './activity-moves';
import { ActivitySets } from './activity-sets';
import { indexWritesOf } from './records';
import { moveActivities, writeIndex, type WriteResult } from './store';
import { SummaryRefresher } from './summary-refresher';

/**
 * The index worker of 会话记录 search: reads the messages the message path put on the Redis stream
 * (shared/src/transcript-index-feed.ts) in batches through a consumer group, writes their index
 * records (store.ts), then acknowledges and deletes them in one MULTI, so whatever is left on the
 * stream is not yet indexed. Between batches it recomputes the row summaries of conversations
 * that went quiet (summary-refresher.ts). Several processes may run it (the group shares the entries out); an
 * entry read by a process that died is claimed by another after CLAIM_IDLE_MS. A batch that fails
 * stays pending and is read again. Reads block on a connection of its own.
 */

export const INDEX_GROUP = 'indexer';
const BATCH = 1_000;
const BLOCK_MS = 1_000;
const CLAIM_IDLE_MS = 60_000;
const CLAIM_EVERY_MS = 30_000;
const RETRY_MS = 1_000;
/** How often the day records' waiting moves are looked at (activity-moves.ts). */
const MOVES_EVERY_MS = 1_000;
/** How often the worker checks that Redis's activity sets are whole (activity-sets.ts). */
const SETS_CHECK_EVERY_MS = 5_000;
/** Conversations whose branch is remembered (cleared when full). */
const BRANCH_CACHE_MAX = 50_000;

type IndexDb = Pick<Db, 'Conversation' | 'TranscriptActivity' | 'TranscriptTerm' | 'TranscriptMonth'>;
type StreamEntries = [id: string, fields: string[]][];

/** Remembers conversations' branches, asking the database once per batch for those it does not know. */
export class BranchCache {
  private readonly known = new Map<string, string | null>();

  async load(db: Pick<Db, 'Conversation'>, conversationIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(conversationIds)].filter((id) => !this.known.has(id) && /^[0-9a-f]{24}$/.test(id));
    if (missing.length === 0) return;
    if (this.known.size + missing.length > BRANCH_CACHE_MAX) this.known.clear();
    const docs: { _id: { toString(): string }; branchId?: string | null }[] = [];
    // findIn answers up to 100 values by equality lookups (more would be one `$in`: a full scan on FerretDB).
    for (let i = 0; i < missing.length; i += 100) {
      docs.push(
        ...(await findIn<(typeof docs)[number]>(db.Conversation, '_id', missing.slice(i, i + 100), {
          projection: { branchId: 1 },
        })),
      );
    }
    for (const id of missing) this.known.set(id, null);
    for (const d of docs) this.known.set(d._id.toString(), d.branchId ?? null);
  }

  /** Tells the branch of a conversation the caller already knows (seeding, backfill). */
  set(conversationId: string, branchId: string | null): void {
    this.known.set(conversationId, branchId);
  }

  get(conversationId: string): string | null {
    return this.known.get(conversationId) ?? null;
  }
}

/**
 * Indexes a batch of entries (the worker, the backfill). The batch's records go to Redis's
 * activity sets once they are written (`sets`; null: the caller invalidates them, see
 * activity-sets.ts). With `moves`, day records moved a moment ago are moved again later
 * (activity-moves.ts); without, at once.
 */
export async function indexEntries(
  db: IndexDb,
  entries: TranscriptIndexEntry[],
  branches: BranchCache,
  sets: ActivitySets | null,
  moves?: ActivityMoves,
): Promise<WriteResult> {
  await branches.load(
    db,
    entries.map((e) => e.conversationId),
  );
  const writes = indexWritesOf(entries, (id) => branches.get(id));
  const result = await writeIndex(db, writes, moves);
  await sets?.noteWrites(writes);
  return result;
}

export interface IndexerHandle {
  stop(): Promise<void>;
}

export function startTranscriptIndexer(
  deps: { db: Db; queues: Pick<Queues, 'inbound'> },
  options: { logger?: Logger; summaryQuietMs?: number; activityMoveEveryMs?: number } = {},
): IndexerHandle {
  const { redis: shared, prefix } = transcriptIndexRedis(deps.queues);
  const key = transcriptIndexStreamKey(prefix);
  const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const redis: Redis = shared.duplicate();
  const branches = new BranchCache();
  // The row summaries of the conversations indexed, recomputed once they are quiet (summary-refresher.ts).
  const summaries = new SummaryRefresher(deps.db, options.summaryQuietMs);
  const moves = new ActivityMoves(options.activityMoveEveryMs);
  const sets = new ActivitySets(shared, prefix);
  let nextMovesAt = 0;
  let nextSetsCheckAt = 0;
  let rebuilding: Promise<unknown> | null = null;
  let stopped = false;
  let lastClaim = 0;

  const ensureGroup = async () => {
    try {
      await redis.xgroup('CREATE', key, INDEX_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  };

  const handle = async (entries: StreamEntries) => {
    if (entries.length === 0) return;
    const parsed = entries.map(([, fields]) => parseTranscriptIndexEntry(fields)).filter((e): e is TranscriptIndexEntry => !!e);
    await indexEntries(deps.db, parsed, branches, sets, moves);
    summaries.noteActive(parsed.map((e) => e.conversationId));
    const ids = entries.map(([id]) => id);
    await redis
      .multi()
      .xack(key, INDEX_GROUP, ...ids)
      .xdel(key, ...ids)
      .exec();
  };

  const loop = async () => {
    let readPending = true; // our own unacknowledged entries first (after a failed batch)
    while (!stopped) {
      try {
        await ensureGroup();
        if (Date.now() - lastClaim > CLAIM_EVERY_MS) {
          lastClaim = Date.now();
          const claimed = (await redis.xautoclaim(key, INDEX_GROUP, consumer, CLAIM_IDLE_MS, '0-0', 'COUNT', BATCH)) as [
            string,
            StreamEntries,
          ];
          await handle((claimed[1] ?? []).filter((e) => Array.isArray(e[1])));
        }
        const res = (await redis.xreadgroup(
          'GROUP',
          INDEX_GROUP,
          consumer,
          'COUNT',
          BATCH,
          'BLOCK',
          readPending ? 1 : BLOCK_MS,
          'STREAMS',
          key,
          readPending ? '0' : '>',
        )) as [string, StreamEntries][] | null;
        const entries = (res?.[0]?.[1] ?? []).filter((e) => Array.isArray(e[1]));
        if (readPending && entries.length === 0) readPending = false;
        await handle(entries);
        if (entries.length < BATCH) {
          // Waiting moves are looked at once a second, not after every batch (takeDue walks them all).
          if (Date.now() >= nextMovesAt) {
            nextMovesAt = Date.now() + MOVES_EVERY_MS;
            await moveActivities(deps.db, moves.takeDue(Date.now()));
          }
          await summaries.runDue();
          if (!rebuilding && Date.now() >= nextSetsCheckAt) {
            nextSetsCheckAt = Date.now() + SETS_CHECK_EVERY_MS;
            // Beside the loop: indexing goes on (and adds to the sets) while the day records are read.
            rebuilding = sets
              .rebuildIfNeeded(deps.db, options.logger, () => stopped)
              .catch((err: unknown) => options.logger?.error({ err }, 'transcript index: rebuilding the activity sets failed'))
              .finally(() => {
                rebuilding = null;
              });
          }
        }
      } catch (err) {
        if (stopped) break;
        options.logger?.error({ err }, 'transcript index: batch failed, retrying');
        readPending = true;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  };
  const running = loop();
  return {
    async stop() {
      stopped = true;
      redis.disconnect();
      await running;
      await rebuilding;
      // What waited to be moved is written before the role stops (a crash forgets it: see activity-moves.ts).
      await moveActivities(deps.db, moves.takeAll()).catch((err: unknown) =>
        options.logger?.error({ err }, 'transcript index: moving the last activity times failed'),
      );
    },
  };
}

/** Orders stream ids ("ms-seq"). */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}

/**
 * Waits (up to `maxWaitMs`) until every message stored before the call is indexed, so that a
 * search sees what just happened. Idle: one round trip. Returns false when it gave up (an index
 * worker down or far behind: the search then shows what is indexed).
 */
export async function indexSettled(queues: Pick<Queues, 'inbound'>, maxWaitMs: number): Promise<boolean> {
  const { redis, prefix } = transcriptIndexRedis(queues);
  const key = transcriptIndexStreamKey(prefix);
  const last = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntries;
  if (last.length === 0) return true;
  const target = last[0]![0];
  const deadline = Date.now() + maxWaitMs;
  let checkedWorker = false;
  for (;;) {
    const left = (await redis.xrange(key, '-', target, 'COUNT', 1)) as StreamEntries;
    if (left.length === 0 || compareIds(left[0]![0], target) > 0) return true;
    if (Date.now() >= deadline) return false;
    if (!checkedWorker) {
      // No index worker ever read this stream: nothing to wait for.
      checkedWorker = true;
      const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
      if (!groups.some((g) => g.includes(INDEX_GROUP))) return false;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
