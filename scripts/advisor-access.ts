import { disableAdvisor, enableAdvisor, revokeAdvisor } from '@brokerbot/agent-console';
import { connectDb, createRedis, loadConfig } from '@brokerbot/shared';

/**
 * An operator's switch for a console account (same environment as the gateway: MONGODB_URI,
 * REDIS_URL, QUEUE_PREFIX …):
 *
 *   node scripts/run-ts.mjs scripts/advisor-access.ts disable <username>   account off, signed out everywhere
 *   node scripts/run-ts.mjs scripts/advisor-access.ts revoke <username>    signed out everywhere, may log in again
 *   node scripts/run-ts.mjs scripts/advisor-access.ts enable <username>    may log in again (old tokens stay revoked)
 *
 * Open consoles of a disabled / revoked advisor are disconnected within moments.
 */
const USAGE = 'usage: advisor-access.ts <disable|revoke|enable> <username>';

async function main() {
  const [command, username] = process.argv.slice(2);
  if (!username || !['disable', 'revoke', 'enable'].includes(command ?? '')) throw new Error(USAGE);
  const config = loadConfig();
  const db = await connectDb(config.MONGODB_URI);
  const redis = createRedis(config.REDIS_URL, 'advisor-access');
  try {
    const advisor = await db.Advisor.findOne({ username }, { _id: 1 }).lean();
    if (!advisor) throw new Error(`no advisor with username ${username}`);
    const id = advisor._id.toString();
    const deps = { db, redis, config };
    if (command === 'disable') await disableAdvisor(deps, id);
    else if (command === 'revoke') await revokeAdvisor(deps, id);
    else await enableAdvisor(deps, id);
    console.log(`${username}: ${command}d`);
  } finally {
    await redis.quit().catch(() => undefined);
    await db.close();
  }
}
main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
