import type { PromHistogram } from '../stats';

/**
 * Reads the app's own Prometheus metrics (GET /metrics) so that the client-side numbers can
 * be set beside what the server measured (reply latency, bot turn, offer latency, queue
 * depth, event-loop lag). Only the few series the report uses are parsed.
 */
export type Scrape = Map<string, number>;

export async function scrapeMetrics(baseUrl: string, timeoutMs = 5_000): Promise<Scrape | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    const out: Scrape = new Map();
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const sp = line.lastIndexOf(' ');
      const value = Number(line.slice(sp + 1));
      if (Number.isFinite(value) || line.endsWith('+Inf')) out.set(line.slice(0, sp), value);
    }
    return out;
  } catch {
    return null;
  }
}

export function histogram(scrape: Scrape | null, name: string): PromHistogram | undefined {
  if (!scrape) return undefined;
  const buckets: { le: number; count: number }[] = [];
  const re = new RegExp(`^${name}_bucket\\{.*le="([^"]+)".*\\}$`);
  for (const [key, value] of scrape) {
    const m = re.exec(key);
    if (m) buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: value });
  }
  if (buckets.length === 0) return undefined;
  buckets.sort((a, b) => a.le - b.le);
  return { buckets, sum: scrape.get(`${name}_sum`) ?? 0, count: scrape.get(`${name}_count`) ?? 0 };
}

export function gauge(scrape: Scrape | null, key: string): number | null {
  return scrape?.get(key) ?? null;
}
