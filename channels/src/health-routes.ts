import { Router } from 'express';
import type { Services } from '@brokerbot/shared';

/** Liveness, readiness (Redis and the database answer) and Prometheus metrics. */
export function healthRoutes(services: Services): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([services.redis.ping(), services.db.connection.db!.admin().ping()]);
    const [redis, db] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : `down: ${(c.reason as Error).message}`));
    const ready = redis === 'ok' && db === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', redis, db });
  });
  router.get('/metrics', async (_req, res) => {
    const { queues, metrics } = services;
    for (const [name, queue] of Object.entries({ inbound: queues.inbound, handoff: queues.handoff, outbound: queues.outbound })) {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      metrics.queueDepth.set(
        { queue: name },
        (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0),
      );
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
