import type { RoleHandle, Services } from '@brokerbot/shared';
import { startDashboardSealer } from './sealer';

export { sealDashboard, startDashboardSealer } from './sealer';
export { backfillDashboard, RollupBuilder, eventsOfHandoff, eventsOfMessage, writeRollups } from './backfill';
export { loadBuckets, rollupModels } from './rollups';
export { summarize, seriesOf } from './summarize';
export { dashboardSeries, dashboardSummary } from './dashboard-service';

/** Seals the dashboard's finished hours and days into the database (runs with the router role; one process at a time). */
export function startDashboardRole(services: Pick<Services, 'db' | 'queues' | 'redis' | 'config' | 'logger'>): RoleHandle {
  const sealer = startDashboardSealer(
    { db: services.db, queues: services.queues, redis: services.redis, prefix: services.config.QUEUE_PREFIX },
    { logger: services.logger },
  );
  return { name: 'dashboard', stop: () => sealer.stop() };
}
