/**
 * Small statistics helpers for the benchmark. No stats helper existed in the repo (the app
 * exports Prometheus histograms, which only give bucket bounds), so this is the one place
 * percentiles are computed.
 */

export interface Summary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentile (p in 0..100) of values already sorted ascending; null when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function percentile(values: readonly number[], p: number): number | null {
  return percentileSorted(Float64Array.from(values).sort(), p);
}

/** count, min, mean, p50, p95, p99, max of a sample (milliseconds in this benchmark). */
export function summarize(values: readonly number[]): Summary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted.length ? sorted[0]! : null,
    mean: sorted.length ? sum / sorted.length : null,
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : null,
  };
}

/** Rounds every number of a summary to `digits` decimals (for the JSON file). */
export function roundSummary(s: Summary, digits = 2): Summary {
  const r = (v: number | null) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
  return { count: s.count, min: r(s.min), mean: r(s.mean), p50: r(s.p50), p95: r(s.p95), p99: r(s.p99), max: r(s.max) };
}

/** A cumulative Prometheus histogram (upper bounds in seconds → cumulative counts). */
export interface PromHistogram {
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** The difference of two scrapes of the same histogram (what happened between them). */
export function diffHistogram(after: PromHistogram, before: PromHistogram | undefined): PromHistogram {
  if (!before) return after;
  return {
    buckets: after.buckets.map((b, i) => ({ le: b.le, count: b.count - (before.buckets[i]?.count ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * Percentile estimate from a Prometheus histogram: the upper bound of the bucket that holds
 * the p-th observation (so "≤ this"), Infinity when it is beyond the last finite bucket.
 */
export function histogramPercentile(h: PromHistogram, p: number): number | null {
  if (h.count <= 0) return null;
  const target = Math.ceil((p / 100) * h.count);
  for (const b of h.buckets) if (b.count >= target) return b.le;
  return Infinity;
}
