import { UserError, seesBranch, type DashboardSeries, type DashboardSummary, type Services } from '@brokerbot/shared';
import type { AdvisorClaims } from '../advisor-token';
import { loadBuckets, loadRecent } from './rollups';
import { seriesOf, summarize } from './summarize';

/** The longest range one request may ask for (a 30-day view plus time-zone slack). */
export const MAX_RANGE_MS = 32 * 24 * 3_600_000;

export interface DashboardQuery {
  from: number;
  to: number;
  branchId?: string;
}

type Deps = Pick<Services, 'db' | 'queues' | 'config'>;

/**
 * The page asks for the summary and the series of one range at once: they share one load of the
 * buckets (per process, for a second).
 */
const SHARED_LOAD_MS = 1_000;
const recentLoads = new Map<string, { at: number; buckets: ReturnType<typeof loadBuckets> }>();

function sharedLoad(deps: Deps, q: DashboardQuery): ReturnType<typeof loadBuckets> {
  const now = Date.now();
  for (const [k, v] of recentLoads) if (now - v.at > SHARED_LOAD_MS) recentLoads.delete(k);
  const key = `${deps.config.QUEUE_PREFIX}|${q.from}|${q.to}`;
  const hit = recentLoads.get(key);
  if (hit) return hit.buckets;
  const buckets = loadBuckets(deps, q.from, q.to, now);
  recentLoads.set(key, { at: now, buckets });
  buckets.catch(() => recentLoads.delete(key));
  return buckets;
}

/**
 * Which branches a supervisor's request counts: the one asked for when they may see it, else
 * every branch (head office) or their own. Advisors are refused.
 */
export function dashboardScope(user: AdvisorClaims, branchId: string | undefined): ReadonlySet<string> | null {
  if (user.role !== 'supervisor') throw new UserError('not_a_supervisor', '只有督导可以查看看板');
  if (branchId !== undefined) {
    if (!seesBranch(user, branchId)) throw new UserError('not_visible', `您只能查看营业部 ${user.branchId} 的数据`);
    return new Set([branchId]);
  }
  return user.allBranches ? null : new Set([user.branchId]);
}

export async function dashboardSummary(deps: Deps, user: AdvisorClaims, q: DashboardQuery): Promise<DashboardSummary> {
  const branches = dashboardScope(user, q.branchId);
  const buckets = await sharedLoad(deps, q);
  return summarize(buckets, {
    from: q.from,
    to: q.to,
    branches,
    waitThresholdS: deps.config.DASHBOARD_SLA_WAIT_S,
    firstResponseThresholdS: deps.config.DASHBOARD_SLA_FIRST_RESPONSE_S,
  });
}

export async function dashboardSeries(deps: Deps, user: AdvisorClaims, q: DashboardQuery): Promise<DashboardSeries> {
  const branches = dashboardScope(user, q.branchId);
  const [buckets, recent] = await Promise.all([sharedLoad(deps, q), loadRecent(deps)]);
  return seriesOf(buckets, recent, { from: q.from, to: q.to, branches });
}
