import { z } from 'zod';
import { dashboardSeries, dashboardSummary, MAX_RANGE_MS } from '../dashboard/dashboard-service';
import type { FeatureRequests } from './index';

/**
 * 看板 on /advisor: `dashboard:summary` (totals, distributions, breakdowns) and `dashboard:series`
 * (the charts' time series) for a range and branch scope, from the incrementally maintained
 * rollups (agent-console/src/dashboard). Supervisors only, within their branch scope.
 */
const instant = (what: string) =>
  z
    .string({ required_error: `缺少${what}` })
    .refine((s) => !Number.isNaN(Date.parse(s)), `${what}不是有效的时间`)
    .transform((s) => Date.parse(s));

export const dashboardRangeSchema = z
  .object({
    from: instant('开始时间'),
    to: instant('结束时间'),
    branchId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,20}$/, '营业部编号无效')
      .optional(),
  })
  .strict()
  .refine((r) => r.to > r.from, { message: '结束时间必须晚于开始时间' })
  .refine((r) => r.to - r.from <= MAX_RANGE_MS, { message: '时间范围不能超过 32 天' });

export const dashboardRequests: FeatureRequests = ({ advisor, services, on }) => {
  on('dashboard:summary', dashboardRangeSchema, async (q) => ({ summary: await dashboardSummary(services, advisor, q) }));
  on('dashboard:series', dashboardRangeSchema, async (q) => ({ series: await dashboardSeries(services, advisor, q) }));
};
