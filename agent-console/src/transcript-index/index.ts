import type { RoleHandle, Services } from '@brokerbot/shared';
import { startTranscriptIndexer } from './indexer';

export { backfillTranscriptIndex, type IndexBackfillResult } from './backfill';
export { BranchCache, indexEntries, indexSettled, startTranscriptIndexer } from './indexer';
export { ActivitySets } from './activity-sets';
export { indexWritesOf, type IndexWrites } from './records';
export { writeIndex } from './store';
export { backfillSummaries, pageRows, type TranscriptSummary } from './summaries';
export { touchTranscriptSummary } from './summary-model';
export { queryTerms, termsOf } from './terms';

/** The 会话记录 index worker (runs with the router role; several processes share the stream's entries). */
export function startTranscriptIndexRole(services: Pick<Services, 'db' | 'queues' | 'logger'>): RoleHandle {
  const indexer = startTranscriptIndexer({ db: services.db, queues: services.queues }, { logger: services.logger });
  return { name: 'transcript-index', stop: () => indexer.stop() };
}
