import { backfillSummaries, backfillTranscriptIndex, ActivitySets } from '@brokerbot/agent-console';
import { connectDb, createRedis, loadConfig } from '@brokerbot/shared';

/**
 * Builds 会话记录 search's index (activity per conversation per day, keyword records) and its row
 * summaries (one per conversation) from the stored data (same environment as the app: MONGODB_URI …):
 *
 *   npm run -s transcripts:backfill
 *
 * Use it for conversations stored before the index existed, or after Redis lost the index
 * worker's stream. It reads every message once (minutes at millions of messages) and keeps what
 * is indexed already; safe while the app runs.
 */
async function main() {
  const config = loadConfig();
  const db = await connectDb(config.MONGODB_URI, { ferretPostgresUrl: config.FERRETDB_POSTGRESQL_URL });
  // The search's activity sets (in Redis) learn what is backfilled, as from the index worker.
  const redis = createRedis(config.REDIS_URL, 'transcript-index-backfill');
  try {
    const t0 = performance.now();
    const sets = new ActivitySets(redis, config.QUEUE_PREFIX);
    const r = await backfillTranscriptIndex(db, sets, { log: (line) => console.log(line) });
    console.log(
      `会话记录 index: ${r.messages} messages of ${r.conversations} conversations → ${r.activitiesInserted} new activity records (${r.activitiesUpdated} extended), ${r.termsInserted} new keyword records in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const t1 = performance.now();
    const s = await backfillSummaries(db, { log: (line) => console.log(line) });
    console.log(
      `会话记录 row summaries: ${s.summaries} conversations rebuilt in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );
  } finally {
    redis.disconnect();
    await db.close();
  }
}
main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
