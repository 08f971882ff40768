import { gauge, scrapeMetrics } from './prom';

/**
 * Waits until the app's queues are empty (bb_queue_depth on /metrics), so that a read
 * measurement does not share the stack with the backlog an earlier phase left, bounded by
 * `timeoutMs`. Returns how long it waited and whether the queues did empty.
 */
const QUEUES = ['inbound', 'handoff', 'outbound'];

export async function waitIdle(baseUrl: string, timeoutMs: number): Promise<{ waitedMs: number; idle: boolean }> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    const scrape = await scrapeMetrics(baseUrl);
    const depths = QUEUES.map((q) => gauge(scrape, `bb_queue_depth{queue="${q}"}`));
    if (scrape && depths.every((d) => !d)) return { waitedMs: performance.now() - t0, idle: true };
    await new Promise((r) => setTimeout(r, 500));
  }
  return { waitedMs: performance.now() - t0, idle: false };
}
