import {
  DURATION_BOUNDS_S,
  businessDay,
  businessDayStart,
  type DashboardBucket,
  type DashboardSeries,
  type DashboardSummary,
  type DurationStats,
} from '@brokerbot/shared';

/**
 * Pure: the dashboard's figures from counter buckets (hour or day rollups, and the open hours'
 * live counts). Field names are `<branch>|<channel>|<metric>` (see shared/src/dashboard).
 */

export interface CountBucket {
  /** Start (ms). */
  start: number;
  span: 'hour' | 'day';
  counts: Record<string, number>;
}

export interface SummaryOptions {
  from: number;
  to: number;
  /** Branches to count; null: all (a head-office supervisor without a branch filter). */
  branches: ReadonlySet<string> | null;
  waitThresholdS: number;
  firstResponseThresholdS: number;
}

interface Parsed {
  branch: string;
  channel: string;
  metric: string;
}

const parsedCache = new Map<string, Parsed | null>();
function parse(field: string): Parsed | null {
  let p = parsedCache.get(field);
  if (p === undefined) {
    const a = field.indexOf('|');
    const b = a < 0 ? -1 : field.indexOf('|', a + 1);
    p = b < 0 ? null : { branch: field.slice(0, a), channel: field.slice(a + 1, b), metric: field.slice(b + 1) };
    if (parsedCache.size < 100_000) parsedCache.set(field, p);
  }
  return p;
}

/** Sums the buckets' counts per (branch, channel, metric), keeping only the branches in scope. */
export function totalsOf(
  buckets: readonly CountBucket[],
  branches: ReadonlySet<string> | null,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>(); // metric → "branch|channel" → n
  for (const bucket of buckets) {
    for (const [field, n] of Object.entries(bucket.counts)) {
      const p = parse(field);
      if (!p || (branches && !branches.has(p.branch)) || !n) continue;
      let cells = out.get(p.metric);
      if (!cells) out.set(p.metric, (cells = new Map()));
      const cell = `${p.branch}|${p.channel}`;
      cells.set(cell, (cells.get(cell) ?? 0) + n);
    }
  }
  return out;
}

/**
 * The q-quantile (0..1) of a histogram over DURATION_BOUNDS_S, in seconds, interpolated linearly
 * inside its bin; the open last bin answers its lower bound. null for an empty histogram.
 */
export function quantileOf(bins: readonly number[], q: number): number | null {
  const total = bins.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    const n = bins[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : DURATION_BOUNDS_S[i - 1]!;
      const hi = DURATION_BOUNDS_S[i];
      if (hi === undefined) return lo;
      return Math.round((lo + ((rank - seen) / n) * (hi - lo)) * 10) / 10;
    }
    seen += n;
  }
  return DURATION_BOUNDS_S.at(-1)!;
}

/** Samples strictly above a threshold that is one of DURATION_BOUNDS_S (the bins after it). */
export function countAbove(bins: readonly number[], thresholdS: number): number {
  const i = DURATION_BOUNDS_S.indexOf(thresholdS);
  if (i < 0) throw new Error(`threshold ${thresholdS}s is not a bin bound`);
  return bins.slice(i + 1).reduce((a, b) => a + b, 0);
}

const sum = (cells: Map<string, number> | undefined, keep: (cell: string) => boolean = () => true): number => {
  let n = 0;
  for (const [cell, v] of cells ?? []) if (keep(cell)) n += v;
  return n;
};

function histogram(totals: Map<string, Map<string, number>>, metric: string): number[] {
  return Array.from({ length: DURATION_BOUNDS_S.length + 1 }, (_, i) => sum(totals.get(`${metric}:${i}`)));
}

function durationStats(totals: Map<string, Map<string, number>>, metric: string): DurationStats {
  const bins = histogram(totals, metric);
  const n = sum(totals.get(`${metric}N`));
  const ms = sum(totals.get(`${metric}Ms`));
  return {
    count: n,
    p50: quantileOf(bins, 0.5),
    p90: quantileOf(bins, 0.9),
    avg: n ? Math.round(ms / n / 100) / 10 : null,
  };
}

const share = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);

/** Metrics whose name starts with `prefix`, summed, largest first. */
function byPrefix(totals: Map<string, Map<string, number>>, prefix: string): { key: string; count: number }[] {
  const out: { key: string; count: number }[] = [];
  for (const [metric, cells] of totals)
    if (metric.startsWith(prefix)) out.push({ key: metric.slice(prefix.length), count: sum(cells) });
  return out.filter((r) => r.count > 0).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

function row(totals: Map<string, Map<string, number>>, keep: (cell: string) => boolean) {
  const messages = ['in', 'out:bot', 'out:advisor', 'out:system'].reduce((n, m) => n + sum(totals.get(m), keep), 0);
  const conversations = sum(totals.get('conv'), keep);
  const escalated = Math.min(conversations, sum(totals.get('escConv'), keep));
  return {
    messages,
    conversations,
    escalations: sum(totals.get('esc'), keep),
    botResolvedShare: share(conversations - escalated, conversations),
  };
}

export function summarize(buckets: readonly CountBucket[], o: SummaryOptions): DashboardSummary {
  const totals = totalsOf(buckets, o.branches);
  const cells = new Set<string>();
  for (const m of totals.values()) for (const cell of m.keys()) cells.add(cell);
  const branchesSeen = [...new Set([...cells].map((c) => c.split('|')[0]!))];
  const channels = [...new Set([...cells].map((c) => c.split('|')[1]!))].sort();
  const conversations = sum(totals.get('conv'));
  const escalatedConversations = Math.min(conversations, sum(totals.get('escConv')));
  const messages = {
    client: sum(totals.get('in')),
    bot: sum(totals.get('out:bot')),
    advisor: sum(totals.get('out:advisor')),
    system: sum(totals.get('out:system')),
    total: 0,
  };
  messages.total = messages.client + messages.bot + messages.advisor + messages.system;
  const satN = sum(totals.get('sat'));
  const qaN = sum(totals.get('qa'));
  const emotions: Record<string, number> = {};
  for (const r of byPrefix(totals, 'emo:')) emotions[r.key] = r.count;
  const byScore: Record<string, number> = {};
  for (let s = 1; s <= 5; s++) byScore[s] = sum(totals.get(`sat:${s}`));
  return {
    from: new Date(o.from).toISOString(),
    to: new Date(o.to).toISOString(),
    branches: (o.branches ? [...o.branches] : branchesSeen).sort(),
    conversations,
    botResolved: conversations - escalatedConversations,
    botResolvedShare: share(conversations - escalatedConversations, conversations),
    escalations: sum(totals.get('esc')),
    escalationsAfterHours: sum(totals.get('escAfterHours')),
    messages,
    byReason: byPrefix(totals, 'reason:').map((r) => ({ reason: r.key, count: r.count })),
    byChannel: channels.map((channel) => ({ channel, ...row(totals, (c) => c.endsWith(`|${channel}`)) })),
    byBranch: branchesSeen.sort().map((branchId) => ({ branchId, ...row(totals, (c) => c.startsWith(`${branchId}|`)) })),
    queueWait: durationStats(totals, 'wait'),
    firstResponse: durationStats(totals, 'first'),
    handleTime: durationStats(totals, 'handle'),
    sla: {
      waitThresholdS: o.waitThresholdS,
      waitBreaches: countAbove(histogram(totals, 'wait'), o.waitThresholdS),
      firstResponseThresholdS: o.firstResponseThresholdS,
      firstResponseBreaches: countAbove(histogram(totals, 'first'), o.firstResponseThresholdS),
    },
    emotions,
    satisfaction: { count: satN, avg: satN ? Math.round((sum(totals.get('satSum')) / satN) * 100) / 100 : null, byScore },
    inspection: {
      count: qaN,
      avg: qaN ? Math.round((sum(totals.get('qaSum')) / qaN) * 10) / 10 : null,
      failedItems: byPrefix(totals, 'qaFail:')
        .slice(0, 10)
        .map((r) => ({ item: r.key, count: r.count })),
    },
  };
}

/** Ranges up to two days are charted by hour, longer ones by business day. */
export const stepFor = (from: number, to: number): 'hour' | 'day' => (to - from <= 48 * 3_600_000 ? 'hour' : 'day');

function bucketFigures(counts: Record<string, number>, branches: ReadonlySet<string> | null): Omit<DashboardBucket, 'at'> {
  const totals = totalsOf([{ start: 0, span: 'hour', counts }], branches);
  const messagesByChannel: Record<string, number> = {};
  for (const m of ['in', 'out:bot', 'out:advisor', 'out:system']) {
    for (const [cell, n] of totals.get(m) ?? []) {
      const channel = cell.split('|')[1]!;
      messagesByChannel[channel] = (messagesByChannel[channel] ?? 0) + n;
    }
  }
  const emotions: Record<string, number> = {};
  for (const r of byPrefix(totals, 'emo:')) emotions[r.key] = r.count;
  return { messagesByChannel, conversations: sum(totals.get('conv')), escalations: sum(totals.get('esc')), emotions };
}

function addInto(target: Record<string, number>, counts: Record<string, number>): void {
  for (const [k, v] of Object.entries(counts)) target[k] = (target[k] ?? 0) + v;
}

/** One bucket per hour (or business day) of [from, to), empty ones included, oldest first. */
export function seriesOf(
  buckets: readonly CountBucket[],
  recent: readonly CountBucket[],
  o: Pick<SummaryOptions, 'from' | 'to' | 'branches'>,
): DashboardSeries {
  const step = stepFor(o.from, o.to);
  const grouped = new Map<number, Record<string, number>>();
  const keyOf = (start: number) => (step === 'hour' ? start : businessDayStart(businessDay(start)));
  if (step === 'hour') for (let t = Math.floor(o.from / 3_600_000) * 3_600_000; t < o.to; t += 3_600_000) grouped.set(t, {});
  else for (let t = businessDayStart(businessDay(o.from)); t < o.to; t += 24 * 3_600_000) grouped.set(t, {});
  for (const b of buckets) {
    const k = keyOf(b.start);
    const target = grouped.get(k);
    if (target) addInto(target, b.counts);
  }
  return {
    step,
    buckets: [...grouped.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, counts]) => ({ at: new Date(t).toISOString(), ...bucketFigures(counts, o.branches) })),
    recent: [...recent]
      .sort((a, b) => a.start - b.start)
      .map((b) => ({ at: new Date(b.start).toISOString(), emotions: bucketFigures(b.counts, o.branches).emotions })),
  };
}
