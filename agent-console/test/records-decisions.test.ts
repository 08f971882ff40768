import { ConfigError, loadConfig } from '@brokerbot/shared';
import { purgeDecision, retentionCutoff } from '../src/records/retention';
import { chinaTime, escapeHtml, renderTranscriptHtml, type ExportInput } from '../src/records/transcript-export';

const DAY = 24 * 3600_000;

describe('retention purge decision', () => {
  const now = new Date('2026-12-05T00:00:00Z');
  const cutoff = retentionCutoff(now, 7305);

  it('keeps everything active within the retention period, to the millisecond', () => {
    expect(cutoff.toISOString()).toBe(new Date(now.getTime() - 7305 * DAY).toISOString());
    expect(purgeDecision({ lastActivityAt: cutoff, latestHold: null, cutoff })).toEqual({ action: 'keep', reason: 'recent' });
    expect(purgeDecision({ lastActivityAt: new Date(cutoff.getTime() - 1), latestHold: null, cutoff })).toEqual({
      action: 'purge',
    });
  });

  it('never purges a held conversation however old, and purges it once the hold is lifted', () => {
    const ancient = new Date('1990-01-01T00:00:00Z');
    expect(purgeDecision({ lastActivityAt: ancient, latestHold: 'hold', cutoff })).toEqual({ action: 'keep', reason: 'held' });
    expect(purgeDecision({ lastActivityAt: ancient, latestHold: 'release', cutoff })).toEqual({ action: 'purge' });
    expect(purgeDecision({ lastActivityAt: now, latestHold: 'release', cutoff })).toEqual({ action: 'keep', reason: 'recent' });
  });

  it('finishes a purge already claimed', () => {
    expect(purgeDecision({ lastActivityAt: new Date('1990-01-01'), latestHold: 'purge', cutoff })).toEqual({ action: 'resume' });
  });
});

describe('RETENTION_DAYS', () => {
  const base = { MONGODB_URI: 'mongodb://127.0.0.1/x', APP_TOKEN_SECRET: 'a'.repeat(32), ADVISOR_TOKEN_SECRET: 'b'.repeat(32) };
  it('defaults to 20 years and refuses what is not a whole number of days from 1', () => {
    expect(loadConfig(base).RETENTION_DAYS).toBe(7305);
    expect(loadConfig({ ...base, RETENTION_DAYS: '3650' }).RETENTION_DAYS).toBe(3650);
    for (const bad of ['0', '-5', '1.5', 'forever', '99999']) {
      expect(() => loadConfig({ ...base, RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, RETENTION_DAYS: bad })).toThrow(/RETENTION_DAYS/);
    }
  });
});

describe('transcript export page', () => {
  const input: ExportInput = {
    conversationId: 'c'.repeat(24),
    customer: { id: 'C1003', name: '周"建国', tier: 'vip' },
    branch: { id: 'SH01', name: '上海陆家嘴营业部' },
    channel: 'wecom',
    state: 'bot',
    messages: [
      { seq: 0, from: 'client', authorName: null, text: '<img src=x onerror=alert(1)>', createdAt: '2026-12-05T01:00:00.000Z' },
      { seq: 1, from: 'advisor', authorName: '王芳', text: 'a & b', createdAt: '2026-12-05T01:01:00.000Z' },
      {
        seq: 2,
        from: 'client',
        authorName: null,
        text: '[图片]',
        createdAt: '2026-12-05T01:02:00.000Z',
        media: { kind: 'image', name: 'x.png' },
        recalled: true,
      },
    ],
    truncated: false,
    notes: [{ authorName: '王芳', text: '<script>alert(1)</script>', afterSeq: 0, createdAt: '2026-12-05T01:00:30.000Z' }],
    handoffs: [
      {
        advisorName: '王芳',
        reasons: ['user_requested'],
        createdAt: '2026-12-05T00:59:00.000Z',
        closedAt: '2026-12-05T01:05:00.000Z',
        wrapUp: { category: '咨询解答', note: '', advisorName: '王芳' },
        satisfaction: { score: 5, comment: '很好', status: 'answered', askedAt: '', answeredAt: '' } as never,
      },
    ],
    reviews: [{ reviewerName: '赵磊', verdict: 'issue', note: '<i>慢</i>', at: '2026-12-05T02:00:00.000Z' }],
    quality: null,
    legalHold: { held: false, reason: '', byName: null, at: null },
    exportedBy: '赵磊',
    exportedAt: new Date('2026-12-05T03:00:00.000Z'),
  };

  it('escapes every value and shows China time', () => {
    const html = renderTranscriptHtml(input);
    expect(html).not.toMatch(/<img|<script|<i>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('周&quot;建国（客户号 C1003）');
    expect(html).toContain('a &amp; b');
    expect(html).toContain('2026-12-05 09:00:00 至 2026-12-05 09:02:00');
    expect(html).toContain('企业微信客服');
    expect(html).toContain('［图片：x.png］ [图片]（客户已撤回）');
    expect(html).toContain('5 分（很好）');
    expect(html).toContain('尚无智能质检结果');
    // The note sits between the message it followed and the next one.
    expect(html.indexOf('&lt;img')).toBeLessThan(html.indexOf('&lt;script'));
    expect(html.indexOf('&lt;script')).toBeLessThan(html.indexOf('a &amp; b'));
  });

  it('has helpers that treat any value as text', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(chinaTime('2026-12-31T16:30:00Z')).toBe('2027-01-01 00:30:00');
    expect(chinaTime(null)).toBe('—');
  });
});
