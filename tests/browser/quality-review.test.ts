import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { confirmationCounts } from '@brokerbot/agent-console';
import { collectPageErrors, launchChromium, shot, signInToConsole } from '../support/browser';
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
 * 智能质检 in 会话记录, in real headless Chromium against the real system: closed chats are scored
 * by the quality role; a supervisor filters and sorts by score and flag, picks a branch from the
 * branches they may see, opens a chat, sees each item with its evidence highlighted in the
 * transcript, and confirms or overrides the flagged items.
 */
describe('browser: automatic inspection in 会话记录', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];
  const XSS = '<img src=x onerror="window.__xss=1">看看这个';

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

  async function loginConsole(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    await signInToConsole(page, sys.url, username);
    return page;
  }

  /** One chat served by an advisor and closed; resolves with the client's socket and the conversation id. */
  async function servedChat(
    advisorName: string,
    customerId: string,
    branchId: string,
    opening: string,
    steps: (send: (text: string, confirm?: boolean) => Promise<string>, client: Socket) => Promise<void>,
    satisfaction?: number,
  ): Promise<string> {
    const advisor = await connect(sys.url, '/advisor', { token: (await loginAdvisor(sys.url, advisorName)).token });
    const client = await connect(sys.url, '/client', { token: clientToken(sys.config, customerId, branchId) });
    sockets.push(advisor, client);
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(client, 'message', { clientMessageId: `${customerId}-1`, text: opening });
    const { chat } = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    let n = 0;
    const send = async (text: string, confirm = false) => {
      const ack = await emitAck<{ ok: boolean; message: { id: string } }>(advisor, 'chat:send', {
        conversationId: chat.conversationId,
        clientMessageId: `${customerId}-r${++n}`,
        text,
        ...(confirm ? { confirm: true } : {}),
      });
      expect(ack.ok).toBe(true);
      return ack.message.id;
    };
    await steps(send, client);
    const survey = nextEvent<{ surveyId: string }>(client, 'survey', () => true, 10_000);
    expect(
      await emitAck(advisor, 'chat:close', {
        conversationId: chat.conversationId,
        wrapUp: { category: '业务办理', note: '已指导' },
      }),
    ).toMatchObject({
      ok: true,
    });
    if (satisfaction)
      expect(await emitAck(client, 'survey:answer', { surveyId: (await survey).surveyId, score: satisfaction })).toMatchObject({
        ok: true,
      });
    return chat.conversationId;
  }

  it('filters by score, flag and branch, shows evidence in the transcript, and records confirmations', async () => {
    // 周建国 (SH01): no acknowledgement of his anxiety, a stock tip sent over the warning, a hostile-looking message.
    await servedChat(
      'wang.fang',
      'C1003',
      'SH01',
      '我的账户被冻结了，急死了！！！',
      async (send, client) => {
        await send('请提供您的资金账号。');
        await send('另外建议您买入这只股票，稳赚不赔。', true);
        const relayed = nextEvent(client, 'message', (m: { text: string }) => m.text === XSS);
        await emitAck(client, 'message', { clientMessageId: 'C1003-2', text: XSS });
        await relayed;
        await send('收到。');
      },
      2,
    );
    // 何伟 (SZ01): handled well.
    await servedChat('zhang.min', 'C2001', 'SZ01', '转人工', async (send) => {
      await send('您好，请问有什么可以帮您？');
    });
    const { db } = sys.services;
    const deadline = Date.now() + 20_000;
    while ((await db.QualityScore.countDocuments({})) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await db.QualityScore.countDocuments({})).toBe(2);

    const page = await loginConsole('zhao.lei');
    await page.getByRole('button', { name: '会话记录' }).click();
    const list = page.getByRole('list', { name: '会话列表' });
    const zhou = list.getByRole('listitem').filter({ hasText: '周建国' });
    const he = list.getByRole('listitem').filter({ hasText: '何伟' });
    await zhou.waitFor();
    await he.waitFor();
    expect(await zhou.textContent()).toMatch(/质检 \d+(\.\d)?/);
    expect(await zhou.textContent()).toContain('质检严重');

    // 营业部 is a list of the branches this account sees.
    const branch = page.getByLabel('营业部');
    expect(await branch.locator('option').allTextContents()).toEqual(['全部', 'SH01 上海陆家嘴营业部', 'SZ01 深圳福田营业部']);
    await branch.selectOption('SZ01');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('共显示 1 个会话').waitFor();
    await he.waitFor();
    expect(await zhou.count()).toBe(0);
    await branch.selectOption('');

    // Flag 严重: only 周建国's chat; sorted by score, lowest first.
    await page.getByLabel('质检标记').selectOption('critical');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('共显示 1 个会话').waitFor();
    await zhou.waitFor();
    await page.getByLabel('质检标记').selectOption('');
    await page.getByLabel('排序').selectOption('score_asc');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('共显示 2 个会话').waitFor();
    expect(await list.getByRole('listitem').first().textContent()).toContain('周建国');
    await page.getByLabel('排序').selectOption('score_desc');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('共显示 2 个会话').waitFor();
    await list.getByRole('listitem').first().filter({ hasText: '何伟' }).waitFor();

    // Open 周建国's chat: each item, its evidence highlighted in the transcript.
    await zhou.getByRole('button').first().click();
    const items = page.getByRole('list', { name: '质检项' });
    const advice = items.getByRole('listitem').filter({ hasText: '无荐股、承诺收益或预测价格' });
    await advice.waitFor();
    expect(await advice.textContent()).toContain('未通过');
    expect(await advice.textContent()).toContain('严重');
    const messages = page.getByRole('list', { name: '聊天记录' });
    const tip = messages.getByRole('listitem').filter({ hasText: '另外建议您买入这只股票，稳赚不赔。' });
    expect(await tip.getAttribute('class')).toContain('qa-evidence-failed');
    expect(await tip.textContent()).toContain('质检证据：无荐股、承诺收益或预测价格');
    // The console's compliance warning the advisor sent it over is on record too.
    expect(await tip.textContent()).toContain('合规警告后仍发送（个股推荐、承诺收益）');
    await advice.getByRole('button', { name: '“另外建议您买入这只股票，稳赚不赔。”' }).click();
    await page.locator('.review-msg.qa-focus', { hasText: '稳赚不赔' }).waitFor();
    const empathy = items.getByRole('listitem').filter({ hasText: '先安抚情绪再办理' });
    expect(await empathy.textContent()).toContain('未通过');
    expect(await items.getByRole('listitem').filter({ hasText: '客户满意度' }).textContent()).toContain('2 分');
    // Wrap-up and satisfaction are shown.
    await page.getByText('服务小结：业务办理 · 已指导').waitFor();
    await page.getByText('客户满意度：2 分').waitFor();
    // The client's markup is text, never HTML.
    await messages.getByText(XSS).waitFor();
    expect(await messages.locator('img').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
    await shot(page, 'quality-review-open');

    // Confirm one flagged item, override another with a note.
    await advice.getByRole('button', { name: '确认' }).click();
    await page.getByText('已确认该项结果').waitFor();
    await advice.getByText('已确认 · 赵磊').waitFor();
    await empathy.getByLabel('先安抚情绪再办理 的说明').fill('客户已被其他顾问安抚过');
    await empathy.getByRole('button', { name: '推翻' }).click();
    await empathy.getByText('已推翻 · 赵磊 · 客户已被其他顾问安抚过').waitFor();
    expect(await confirmationCounts(db)).toEqual([
      { itemId: 'empathy', confirmed: 0, overridden: 1 },
      { itemId: 'no_advice', confirmed: 1, overridden: 0 },
    ]);
    await shot(page, 'quality-review-confirmed');
    expect(pageErrors.splice(0)).toEqual([]);
  }, 90_000);
});
