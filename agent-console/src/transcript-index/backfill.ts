import { entryOfMessage, type Db, type TranscriptIndexEntry } from '@brokerbot/shared';
import { BranchCache, indexEntries } from './indexer';
import type { ActivitySets } from './activity-sets';

/**
 * Builds the 会话记录 index from the stored messages: for data stored before the index existed,
 * or after the index worker's stream was lost (Redis flushed, a backlog over its cap). Reads the
 * conversations' branches once, then every message once (one pass over the collection, no sort),
 * and writes the records in batches; what is indexed already is kept (each record is keyed by
 * what it says). Safe while the app runs. Redis's activity sets (`sets`) learn each batch
 * as from the index worker; a caller without them (null) must `invalidate()` them afterwards, or
 * search would not list what it wrote until they are rebuilt.
 */

const BATCH = 5_000;

export interface IndexBackfillResult {
  conversations: number;
  messages: number;
  activitiesInserted: number;
  activitiesUpdated: number;
  termsInserted: number;
}

type BackfillDb = Pick<Db, 'Conversation' | 'Message' | 'TranscriptActivity' | 'TranscriptTerm' | 'TranscriptMonth'>;

export async function backfillTranscriptIndex(
  db: BackfillDb,
  sets: ActivitySets | null,
  options: { log?: (line: string) => void } = {},
): Promise<IndexBackfillResult> {
  const branches = new BranchCache();
  let conversations = 0;
  for await (const c of db.Conversation.find({}, { branchId: 1 }).lean().cursor()) {
    branches.set(String(c._id), (c as { branchId?: string | null }).branchId ?? null);
    conversations += 1;
  }
  const result: IndexBackfillResult = {
    conversations,
    messages: 0,
    activitiesInserted: 0,
    activitiesUpdated: 0,
    termsInserted: 0,
  };
  let batch: TranscriptIndexEntry[] = [];
  const flush = async () => {
    const r = await indexEntries(db, batch, branches, sets);
    result.activitiesInserted += r.activitiesInserted;
    result.activitiesUpdated += r.activitiesUpdated;
    result.termsInserted += r.termsInserted;
    batch = [];
  };
  const messages = db.Message.find({}, { conversationId: 1, channel: 1, 'author.kind': 1, text: 1, createdAt: 1 }).lean().cursor({
    batchSize: BATCH,
  });
  for await (const m of messages) {
    batch.push(entryOfMessage(m as unknown as Parameters<typeof entryOfMessage>[0]));
    result.messages += 1;
    if (batch.length >= BATCH) {
      await flush();
      if (result.messages % 100_000 === 0) options.log?.(`  ${result.messages.toLocaleString('en')} messages indexed`);
    }
  }
  if (batch.length) await flush();
  return result;
}
