import type { Socket } from 'socket.io-client';
import { connectAdvisor, loginAdvisor } from '../lib/sockets';
import { roundSummary, summarize, type Summary } from '../stats';

/**
 * 看板 on the grown database: a head-office supervisor's `dashboard:summary` and
 * `dashboard:series`, one request at a time while the app is otherwise idle, over the console's
 * real Socket.IO API, cycling through the page's ranges (today, 7 days, 30 days) and branch
 * scopes (all, SH01, SZ01). The seeding wrote the aggregates of its past year (bench/lib/grow.ts),
 * so this measures reading rollups, not scanning messages. Each answer is checked: the 30-day
 * summary must count conversations (the seeded data is spread over the year). The first request
 * of each range is reported apart (`coldMs`): sealed rollups are then read from the database.
 */
export const DASHBOARD_TARGET_P99_MS = 200;
const WARMUP = 3;
const RANGES = [
  ['today', 0],
  ['7 days', 6],
  ['30 days', 29],
] as const;
const BRANCHES = [undefined, 'SH01', 'SZ01'] as const;

export interface DashboardKindResult {
  name: string;
  ms: Summary;
  byRange: Record<string, Summary>;
  /**
   * The first request of each range (not counted in `ms`): the app had not read its sealed
   * rollups yet (it keeps them a minute per process), so this is the database path.
   */
  coldMs: Record<string, number>;
  errors: Record<string, number>;
  wrong: number;
}

export interface DashboardResult {
  samplesWanted: number;
  summary: DashboardKindResult;
  series: DashboardKindResult;
  /** Conversations counted in the last 30 days (all branches), as the dashboard answered. */
  conversations30d: number | null;
}

type Ack = { ok: boolean; error?: string; summary?: { conversations: number }; series?: { buckets: unknown[] } };

function rangeOf(daysBack: number, now: Date): { from: string; to: string } {
  // Local midnight in China (UTC+8), as a supervisor's browser asks.
  const cst = new Date(now.getTime() + 8 * 3_600_000);
  const midnight = Date.UTC(cst.getUTCFullYear(), cst.getUTCMonth(), cst.getUTCDate()) - 8 * 3_600_000;
  const to = Math.ceil(now.getTime() / 3_600_000) * 3_600_000;
  return { from: new Date(midnight - daysBack * 86_400_000).toISOString(), to: new Date(to).toISOString() };
}

async function measureKind(
  socket: Socket,
  event: 'dashboard:summary' | 'dashboard:series',
  samples: number,
  timeoutMs: number,
): Promise<{ result: DashboardKindResult; conversations30d: number | null }> {
  const all: number[] = [];
  const byRange: Record<string, number[]> = Object.fromEntries(RANGES.map(([name]) => [name, []]));
  const errors: Record<string, number> = {};
  const coldMs: Record<string, number> = {};
  let wrong = 0;
  let conversations30d: number | null = null;
  for (let i = 0; i < samples + WARMUP; i++) {
    const [rangeName, daysBack] = RANGES[i % RANGES.length]!;
    const branchId = BRANCHES[Math.floor(i / RANGES.length) % BRANCHES.length];
    const payload = { ...rangeOf(daysBack, new Date()), ...(branchId ? { branchId } : {}) };
    const t0 = performance.now();
    let res: Ack;
    try {
      res = (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as Ack;
    } catch {
      errors.timeout = (errors.timeout ?? 0) + 1;
      continue;
    }
    const ms = performance.now() - t0;
    if (!res.ok) {
      errors[res.error ?? 'error'] = (errors[res.error ?? 'error'] ?? 0) + 1;
      continue;
    }
    if (event === 'dashboard:summary' && rangeName === '30 days' && !branchId) {
      conversations30d = res.summary?.conversations ?? null;
      if (!conversations30d) wrong++;
    }
    if (event === 'dashboard:series' && !res.series?.buckets.length) wrong++;
    if (i < WARMUP) {
      coldMs[rangeName] = Math.round(ms * 100) / 100;
      continue;
    }
    all.push(ms);
    byRange[rangeName]!.push(ms);
  }
  return {
    result: {
      name: event,
      ms: roundSummary(summarize(all)),
      byRange: Object.fromEntries(Object.entries(byRange).map(([k, v]) => [k, roundSummary(summarize(v))])),
      coldMs,
      errors,
      wrong,
    },
    conversations30d,
  };
}

export async function runDashboard(o: { baseUrl: string; samples: number; timeoutMs: number }): Promise<DashboardResult> {
  const { token } = await loginAdvisor(o.baseUrl, 'zhao.lei');
  const socket = await connectAdvisor(o.baseUrl, token);
  try {
    const summary = await measureKind(socket, 'dashboard:summary', o.samples, o.timeoutMs);
    const series = await measureKind(socket, 'dashboard:series', o.samples, o.timeoutMs);
    return {
      samplesWanted: o.samples,
      summary: summary.result,
      series: series.result,
      conversations30d: summary.conversations30d,
    };
  } finally {
    socket.disconnect();
  }
}
