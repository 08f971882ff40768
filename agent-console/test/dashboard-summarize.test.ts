import {
  DURATION_BOUNDS_S,
  businessDay,
  businessDayStart,
  durationBin,
  hourKey,
  incrementsOf,
  loadConfig,
  reasonKey,
} from '@brokerbot/shared';
import { RollupBuilder, eventsOfHandoff, eventsOfMessage } from '../src/dashboard/backfill';
import { countAbove, quantileOf, seriesOf, summarize, type CountBucket } from '../src/dashboard/summarize';

const T0 = Date.parse('2026-12-04T02:00:00.000Z'); // 10:00 in Beijing
const where = { branchId: 'SH01', channel: 'app' as const };

function bucketsOf(builder: RollupBuilder): CountBucket[] {
  return [...builder.hours.entries()].map(([h, counts]) => ({
    start: Date.parse(`${h}:00:00.000Z`),
    span: 'hour' as const,
    counts,
  }));
}

const options = {
  from: T0 - 3_600_000,
  to: T0 + 10 * 3_600_000,
  branches: null,
  waitThresholdS: 60,
  firstResponseThresholdS: 30,
};

describe('dashboard counting (pure)', () => {
  it('counts a conversation once per business day however many messages its client writes', () => {
    const b = new RollupBuilder();
    for (let i = 0; i < 5; i++) {
      b.add({ kind: 'message', ...where, conversationId: 'c1', messageId: `m${i}`, author: 'client', at: T0 + i * 60_000 });
      b.add({ kind: 'message', ...where, conversationId: 'c1', messageId: `r${i}`, author: 'bot', at: T0 + i * 60_000 + 500 });
    }
    // The next business day (Beijing midnight = 16:00 UTC) it counts again.
    b.add({
      kind: 'message',
      ...where,
      conversationId: 'c1',
      messageId: 'm9',
      author: 'client',
      at: businessDayStart(businessDay(T0)) + 86_400_000 + 60_000,
    });
    const s = summarize(bucketsOf(b), { ...options, to: T0 + 48 * 3_600_000 });
    expect(s.conversations).toBe(2);
    expect(s.messages).toEqual({ client: 6, bot: 5, advisor: 0, system: 0, total: 11 });
    expect(s.botResolved).toBe(2);
    expect(s.botResolvedShare).toBe(1);
  });

  it('a conversation handed to a person is not bot-resolved, and its reasons are counted by kind', () => {
    const b = new RollupBuilder();
    for (const c of ['c1', 'c2', 'c3', 'c4'])
      b.add({ kind: 'message', ...where, conversationId: c, messageId: `m-${c}`, author: 'client', at: T0 });
    b.add({
      kind: 'escalated',
      ...where,
      conversationId: 'c1',
      handoffId: 'h1',
      reasons: ['distress:爆仓', 'tier:vip'],
      afterHours: false,
      at: T0 + 1000,
    });
    b.add({
      kind: 'escalated',
      ...where,
      conversationId: 'c2',
      handoffId: 'h2',
      reasons: ['explicit_request'],
      afterHours: true,
      at: T0 + 1000,
    });
    const s = summarize(bucketsOf(b), options);
    expect(s.conversations).toBe(4);
    expect(s.escalations).toBe(2);
    expect(s.escalationsAfterHours).toBe(1);
    expect(s.botResolved).toBe(2);
    expect(s.botResolvedShare).toBe(0.5);
    expect(s.byReason).toEqual([
      { reason: 'distress', count: 1 },
      { reason: 'explicit_request', count: 1 },
      { reason: 'tier:vip', count: 1 },
    ]);
  });

  it('queue wait, first response and handle time percentiles; SLA breaches above the thresholds', () => {
    const b = new RollupBuilder();
    const waits = [3, 8, 12, 20, 25, 40, 55, 70, 95, 200]; // seconds
    waits.forEach((w, i) =>
      b.add({ kind: 'accepted', ...where, conversationId: `c${i}`, handoffId: `h${i}`, waitMs: w * 1000, at: T0 }),
    );
    b.add({ kind: 'first_response', ...where, conversationId: 'c0', handoffId: 'h0', ms: 10_000, at: T0 });
    b.add({ kind: 'first_response', ...where, conversationId: 'c1', handoffId: 'h1', ms: 45_000, at: T0 });
    b.add({ kind: 'closed', ...where, conversationId: 'c0', handoffId: 'h0', handleMs: 600_000, at: T0 });
    const s = summarize(bucketsOf(b), options);
    expect(s.queueWait.count).toBe(10);
    expect(s.queueWait.avg).toBe(52.8);
    expect(s.queueWait.p50).toBeGreaterThanOrEqual(25);
    expect(s.queueWait.p50).toBeLessThanOrEqual(30);
    expect(s.queueWait.p90).toBeGreaterThanOrEqual(95);
    expect(s.queueWait.p90).toBeLessThanOrEqual(100);
    expect(s.sla.waitBreaches).toBe(3); // 70, 95, 200 > 60
    expect(s.sla.firstResponseBreaches).toBe(1); // 45 > 30
    expect(s.firstResponse.count).toBe(2);
    expect(s.handleTime.avg).toBe(600);
  });

  it('keeps only the branches in scope', () => {
    const b = new RollupBuilder();
    b.add({ kind: 'message', branchId: 'SH01', channel: 'app', conversationId: 'a', messageId: 'a1', author: 'client', at: T0 });
    b.add({
      kind: 'message',
      branchId: 'SZ01',
      channel: 'wecom',
      conversationId: 'b',
      messageId: 'b1',
      author: 'client',
      at: T0,
    });
    b.add({
      kind: 'message',
      branchId: 'SZ01',
      channel: 'wecom',
      conversationId: 'b',
      messageId: 'b2',
      author: 'client',
      at: T0,
    });
    const all = summarize(bucketsOf(b), options);
    expect(all.byBranch.map((r) => [r.branchId, r.messages])).toEqual([
      ['SH01', 1],
      ['SZ01', 2],
    ]);
    expect(all.byChannel.map((r) => [r.channel, r.conversations])).toEqual([
      ['app', 1],
      ['wecom', 1],
    ]);
    const sz = summarize(bucketsOf(b), { ...options, branches: new Set(['SZ01']) });
    expect(sz.messages.client).toBe(2);
    expect(sz.byBranch.map((r) => r.branchId)).toEqual(['SZ01']);
  });

  it('satisfaction and inspection scores, most frequent failed items first', () => {
    const b = new RollupBuilder();
    [5, 4, 1].forEach((score, i) =>
      b.add({ kind: 'satisfaction', ...where, conversationId: `c${i}`, id: `s${i}`, score, at: T0 }),
    );
    b.add({ kind: 'inspection', ...where, conversationId: 'c0', id: 'q0', total: 90, failedItems: ['empathy'], at: T0 });
    b.add({
      kind: 'inspection',
      ...where,
      conversationId: 'c1',
      id: 'q1',
      total: 60,
      failedItems: ['empathy', 'risk_disclosure'],
      at: T0,
    });
    const s = summarize(bucketsOf(b), options);
    expect(s.satisfaction).toEqual({ count: 3, avg: 3.33, byScore: { 1: 1, 2: 0, 3: 0, 4: 1, 5: 1 } });
    expect(s.inspection.avg).toBe(75);
    expect(s.inspection.failedItems).toEqual([
      { item: 'empathy', count: 2 },
      { item: 'risk_disclosure', count: 1 },
    ]);
  });

  it('series: one bucket per hour with messages by channel and the emotion mix, empty hours included', () => {
    const b = new RollupBuilder();
    b.add({ kind: 'message', ...where, conversationId: 'c', messageId: 'm1', author: 'client', at: T0 + 60_000 });
    b.add({ kind: 'insight', ...where, conversationId: 'c', messageId: 'm1', emotion: 'anxious', at: T0 + 60_000 });
    b.add({
      kind: 'message',
      branchId: 'SH01',
      channel: 'wecom',
      conversationId: 'w',
      messageId: 'm2',
      author: 'client',
      at: T0 + 2 * 3_600_000,
    });
    const series = seriesOf(bucketsOf(b), [], { from: T0, to: T0 + 3 * 3_600_000, branches: null });
    expect(series.step).toBe('hour');
    expect(series.buckets.map((x) => x.at)).toEqual([0, 1, 2].map((h) => new Date(T0 + h * 3_600_000).toISOString()));
    expect(series.buckets[0]).toMatchObject({ messagesByChannel: { app: 1 }, conversations: 1, emotions: { anxious: 1 } });
    expect(series.buckets[1]).toMatchObject({ messagesByChannel: {}, conversations: 0 });
    expect(series.buckets[2]!.messagesByChannel).toEqual({ wecom: 1 });
    const daily = seriesOf(bucketsOf(b), [], { from: T0 - 6 * 86_400_000, to: T0 + 86_400_000, branches: null });
    expect(daily.step).toBe('day');
    expect(daily.buckets.reduce((n, x) => n + x.conversations, 0)).toBe(2);
  });

  it('events from stored documents count as the live hooks do', () => {
    const b = new RollupBuilder();
    const created = new Date(T0);
    const msg = {
      _id: 'm1',
      conversationId: 'c1',
      direction: 'in' as const,
      author: { kind: 'client' },
      createdAt: created,
      meta: { understanding: { emotion: 'angry' } },
    };
    for (const e of eventsOfMessage(msg, where)) b.add(e);
    const handoff = {
      _id: 'h1',
      conversationId: 'c1',
      branchId: 'SH01',
      status: 'closed',
      reasons: ['complaint'],
      createdAt: created,
      acceptedAt: new Date(T0 + 20_000),
      closedAt: new Date(T0 + 320_000),
    };
    for (const e of eventsOfHandoff(handoff, where, T0 + 50_000)) b.add(e);
    expect(eventsOfHandoff({ ...handoff, status: 'cancelled' }, where, null)).toEqual([]);
    const s = summarize(bucketsOf(b), options);
    expect(s).toMatchObject({ conversations: 1, escalations: 1, botResolved: 0, emotions: { angry: 1 } });
    expect(s.queueWait).toMatchObject({ count: 1, avg: 20 });
    expect(s.firstResponse).toMatchObject({ count: 1, avg: 30 });
    expect(s.handleTime).toMatchObject({ count: 1, avg: 300 });
  });
});

describe('dashboard building blocks', () => {
  it('duration bins and quantiles', () => {
    expect(durationBin(0)).toBe(0);
    expect(durationBin(5_000)).toBe(0);
    expect(durationBin(5_001)).toBe(1);
    expect(durationBin(10 * 3_600_000)).toBe(DURATION_BOUNDS_S.length);
    const bins = new Array(DURATION_BOUNDS_S.length + 1).fill(0);
    bins[1] = 10; // 5–10 s
    expect(quantileOf(bins, 0.5)).toBe(7.5);
    expect(quantileOf(new Array(bins.length).fill(0), 0.5)).toBeNull();
    bins[DURATION_BOUNDS_S.length] = 10; // open bin
    expect(quantileOf(bins, 0.9)).toBe(DURATION_BOUNDS_S.at(-1));
    expect(countAbove(bins, 5)).toBe(20);
    expect(countAbove(bins, 10)).toBe(10);
    expect(() => countAbove(bins, 7)).toThrow();
  });

  it('the same event always gets the same dedupe keys; reasons keep only a kind or a named detail', () => {
    const e = { kind: 'message' as const, ...where, conversationId: 'c', messageId: 'm', author: 'client' as const, at: T0 };
    expect(incrementsOf(e)).toEqual(incrementsOf({ ...e, at: T0 + 1000 }));
    expect(incrementsOf(e)[0]!.hour).toBe(hourKey(T0));
    expect(reasonKey('distress:爆仓')).toBe('distress');
    expect(reasonKey('high_risk_intent:account_frozen')).toBe('high_risk_intent:account_frozen');
    expect(incrementsOf({ kind: 'insight', ...where, conversationId: 'c', messageId: 'm', emotion: undefined })).toEqual([]);
  });
});

describe('dashboard configuration', () => {
  const env = {
    MONGODB_URI: 'mongodb://127.0.0.1:27017/bb',
    APP_TOKEN_SECRET: 'a'.repeat(32),
    ADVISOR_TOKEN_SECRET: 'b'.repeat(32),
  };
  it('takes SLA thresholds that are bin bounds, and names the variable of one that is not', () => {
    expect(loadConfig(env)).toMatchObject({ DASHBOARD_SLA_WAIT_S: 60, DASHBOARD_SLA_FIRST_RESPONSE_S: 30 });
    expect(loadConfig({ ...env, DASHBOARD_SLA_WAIT_S: '300', DASHBOARD_SLA_FIRST_RESPONSE_S: '45' })).toMatchObject({
      DASHBOARD_SLA_WAIT_S: 300,
      DASHBOARD_SLA_FIRST_RESPONSE_S: 45,
    });
    expect(() => loadConfig({ ...env, DASHBOARD_SLA_WAIT_S: '61' })).toThrow(/DASHBOARD_SLA_WAIT_S must be one of 5, 10/);
  });
});
