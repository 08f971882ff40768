import { backfillDashboard } from '@brokerbot/agent-console';
import { connectDb, loadConfig } from '@brokerbot/shared';

/**
 * Rebuilds the dashboard's (看板) hour and day rollups from the stored conversations, messages,
 * handoffs, satisfaction answers and inspection scores (same environment as the app: MONGODB_URI …):
 *
 *   npm run -s dashboard:backfill -- [days]     the last <days> days (default 30), up to the last finished hour
 *
 * Use it after Redis lost the live counters, after the router role (which seals finished hours)
 * was down for more than two days, or to fill the dashboard for data stored before it existed.
 * It reads every message once (minutes at millions of messages) and replaces the rollups of the
 * range; the app shows them within a minute. Run one at a time.
 */
const USAGE = 'usage: dashboard-backfill.ts [days, 1–400]';

async function main() {
  const arg = process.argv[2];
  const days = arg === undefined ? 30 : Number(arg);
  if (!Number.isInteger(days) || days < 1 || days > 400) throw new Error(USAGE);
  const config = loadConfig();
  const db = await connectDb(config.MONGODB_URI, { ferretPostgresUrl: config.FERRETDB_POSTGRESQL_URL });
  try {
    const now = Date.now();
    const from = Math.floor((now - days * 86_400_000) / 3_600_000) * 3_600_000;
    const t0 = performance.now();
    const r = await backfillDashboard(db, { from, to: now, now });
    console.log(
      `dashboard rebuilt from ${new Date(from).toISOString()}: ${r.messages} messages, ${r.handoffs} handoffs → ${r.hours} hour and ${r.days} day rollups in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } finally {
    await db.close();
  }
}
main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
