import { readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { collectPageErrors, launchChromium, shot } from '../support/browser';
import {
  cleanUp,
  clientToken,
  connect,
  emitAck,
  loginAdvisor,
  nextEvent,
  startTestSystem,
  type TestSystem,
} from '../support/test-system';

/**
 * 服务看板 in real headless Chromium against the real system: a supervisor sees the day's
 * figures and charts (ECharts, served by the console), a new conversation appears while the page
 * is open, the branch filter narrows the figures, and a table downloads as CSV.
 */
describe('browser: the supervisor dashboard', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [sys, browser] = await Promise.all([startTestSystem(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    sockets.forEach((s) => s.disconnect());
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
  });

  async function openDashboard(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'zh-CN', acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    collectPageErrors(page, pageErrors);
    await page.goto(`${sys.url}/console/dashboard.html`);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill('demo1234');
    await page.getByRole('button', { name: '登录' }).click();
    return page;
  }

  async function botAnswers(customerId: string, branchId: string, text: string): Promise<void> {
    const client = await connect(sys.url, '/client', { token: clientToken(sys.config, customerId, branchId) });
    sockets.push(client);
    const reply = nextEvent<{ from: string }>(client, 'message', (m) => m.from === 'bot');
    await emitAck(client, 'message', { clientMessageId: `${customerId}-1`, text });
    await reply;
  }

  const kpi = (page: Page, label: string) =>
    page
      .locator('.kpi')
      .filter({ has: page.locator('.kpi-label', { hasText: label }) })
      .locator('.kpi-value');

  /** The sum of a chart's series data, read from its ECharts instance. */
  const chartTotal = (page: Page, id: string) =>
    page.evaluate((chartId) => {
      const w = globalThis as unknown as {
        document: { getElementById(id: string): unknown };
        echarts: {
          getInstanceByDom(el: unknown): { getOption(): { series: { data: (number | { value: number })[] }[] } } | undefined;
        };
      };
      const chart = w.echarts.getInstanceByDom(w.document.getElementById(chartId));
      if (!chart) return -1;
      return chart
        .getOption()
        .series.reduce((n, s) => n + s.data.reduce<number>((m, d) => m + (typeof d === 'number' ? d : d.value), 0), 0);
    }, id);

  it('shows the day in figures and charts, updates live, filters by branch and exports CSV', async () => {
    const advisor = await connect(sys.url, '/advisor', { token: (await loginAdvisor(sys.url, 'wang.fang')).token });
    sockets.push(advisor);
    // An escalated chat in SH01 (accepted, answered, closed), an FAQ in SH01 and one in SZ01.
    const vip = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1003', 'SH01') });
    sockets.push(vip);
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(vip, 'message', { clientMessageId: 'v1', text: '两融账户要爆仓了，我很着急！！' });
    const accepted = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    await emitAck(advisor, 'chat:send', {
      conversationId: accepted.chat.conversationId,
      clientMessageId: 'r1',
      text: '您好，我来帮您看一下担保比例。',
    });
    await emitAck(advisor, 'chat:close', { conversationId: accepted.chat.conversationId, wrapUp: { category: '风险提示' } });
    await botAnswers('C1001', 'SH01', '交易时间是几点？');
    await botAnswers('C2001', 'SZ01', '交易时间是几点？');

    const page = await openDashboard('zhao.lei');
    await page.locator('#dash-live').filter({ hasText: '更新于' }).waitFor();
    expect(await page.locator('#dash-login').isHidden()).toBe(true);
    await kpi(page, '会话数').filter({ hasText: /^3$/ }).waitFor();
    await kpi(page, '转人工').filter({ hasText: /^1$/ }).waitFor();
    await kpi(page, '机器人独立解决').filter({ hasText: '66.7%' }).waitFor();
    // The charts are drawn by ECharts on canvases, with the same counts.
    expect(await page.locator('#chart-volume canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-emotion canvas').count()).toBeGreaterThan(0);
    expect(await chartTotal(page, 'chart-branches')).toBe(3 + 1); // conversations 2 + 1, escalations 1
    expect(await chartTotal(page, 'chart-reasons')).toBeGreaterThanOrEqual(1);
    await shot(page, 'dashboard-today');

    // A new conversation while the page is open appears without a reload.
    await botAnswers('C2002', 'SZ01', '怎么开户');
    await kpi(page, '会话数').filter({ hasText: /^4$/ }).waitFor({ timeout: 25_000 });

    // The branch filter narrows every figure.
    await page.getByLabel('营业部', { exact: true }).selectOption('SZ01');
    await kpi(page, '会话数').filter({ hasText: /^2$/ }).waitFor();
    await kpi(page, '转人工').filter({ hasText: /^0$/ }).waitFor();
    await page.getByLabel('营业部', { exact: true }).selectOption('');
    await kpi(page, '会话数').filter({ hasText: /^4$/ }).waitFor();

    // Each table downloads as CSV.
    const branches = page.locator('[data-table="branches"]');
    await branches.locator('td', { hasText: 'SZ01' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      branches.getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^看板-按营业部-.*\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8')
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    expect(csv[0]).toBe('营业部,消息数,会话数,转人工,机器人独立解决率');
    expect(csv.find((l) => l.startsWith('SH01,'))).toMatch(/^SH01,\d+,2,1,50\.0%$/);
    expect(csv.find((l) => l.startsWith('SZ01,'))).toMatch(/^SZ01,\d+,2,0,100\.0%$/);

    // 7 and 30 days count the same today.
    await page.getByRole('button', { name: '近7天' }).click();
    await page.locator('[data-table="series"] h2', { hasText: '每日明细' }).waitFor();
    await kpi(page, '会话数').filter({ hasText: /^4$/ }).waitFor();
    await shot(page, 'dashboard-7d');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('opens from the console header with the console login', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    collectPageErrors(page, pageErrors);
    await page.goto(`${sys.url}/console/`);
    await page.getByLabel('用户名').fill('zhao.lei');
    await page.getByLabel('密码').fill('demo1234');
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
    await page.getByRole('link', { name: '看板' }).click();
    await page.waitForURL(/\/console\/dashboard\.html$/);
    await page.locator('#dash-live').filter({ hasText: '更新于' }).waitFor();
    expect(await page.locator('#dash-login').isHidden()).toBe(true);
    await kpi(page, '会话数').filter({ hasText: /^4$/ }).waitFor();
  });

  it('is refused to advisors', async () => {
    const page = await openDashboard('wang.fang');
    await page.locator('#dash-login-error').filter({ hasText: '只有督导可以查看看板' }).waitFor();
    expect(await page.locator('#dash-view').isHidden()).toBe(true);
  });
});
