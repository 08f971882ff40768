import { connectDb, loadConfig, seedDemo } from '@brokerbot/shared';

/** `npm run seed`: (re)loads the demo branches, advisors and clients. */
async function main() {
  const config = loadConfig();
  const db = await connectDb(config.MONGODB_URI);
  await seedDemo(db);
  await db.close();
  console.log('demo data seeded');
}
main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
