import type { Socket } from 'socket.io-client';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { collectPageErrors, launchChromium, shot, signInToConsole } from '../support/browser';
import { cleanUp, clientToken, connect, emitAck, startTestSystem, testEnv, type TestSystem } from '../support/test-system';

/**
 * Satisfaction (满意度) as the people involved see it, in real headless Chromium against the real
 * system with the demo's WeCom simulator: an advisor closes a chat in the console with a wrap-up;
 * the client rates it on the trading app's card, or taps the survey menu in the WeCom simulator
 * page; each answer is stored once and the supervisor reads it in 会话记录.
 */
const TEST_TIMEOUT_MS = 120_000;

describe('browser: satisfaction answered in the app and in WeCom', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [sys, browser] = await Promise.all([startTestSystem(testEnv({ CHANNEL_SIMULATORS: '1' })), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
  });

  afterEach(async () => {
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });

  async function newPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    collectPageErrors(page, pageErrors);
    return page;
  }

  async function loginConsole(username: string): Promise<Page> {
    const page = await newPage({ width: 1366, height: 768 });
    await signInToConsole(page, sys.url, username);
    return page;
  }

  /** The advisor takes the waiting chat, answers, and closes it with a wrap-up. */
  async function serveAndClose(page: Page, name: string, answer: string): Promise<void> {
    await page.locator('#queue-list .queue-item').filter({ hasText: name }).getByRole('button', { name: '接入' }).click();
    const pane = page.locator('.chat-pane:not([hidden])');
    await pane.locator('.chat-customer-name').filter({ hasText: name }).waitFor();
    const reply = pane.getByLabel('回复客户');
    await reply.fill(answer);
    await reply.press('Enter');
    await pane.locator('li.tmsg[data-from="advisor"]').filter({ hasText: answer }).waitFor();
    await pane.locator('li.tmsg.is-pending').waitFor({ state: 'detached' });
    await pane.getByRole('button', { name: '结束会话' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: '会话小结分类' });
    await dialog.getByRole('radio', { name: '咨询解答' }).check();
    await dialog.getByRole('button', { name: '确认结束' }).click();
    await pane.getByText('会话已结束').waitFor();
  }

  /** The conversation of the customer's latest chat with an advisor. */
  async function conversationOf(customerId: string): Promise<string> {
    const h = await sys.services.db.Handoff.findOne({ customerId }).sort({ createdAt: -1 }).lean();
    if (!h) throw new Error(`no handoff for ${customerId}`);
    return h.conversationId;
  }

  /** 会话记录: the supervisor opens the client's conversation and reads its rating. */
  async function reviewShows(name: string, rating: string): Promise<void> {
    const page = await loginConsole('zhao.lei');
    await page.getByRole('button', { name: '会话记录' }).click();
    await page
      .getByRole('list', { name: '会话列表' })
      .getByRole('listitem')
      .filter({ hasText: name })
      .getByRole('button')
      .click();
    await page.locator('.review-satisfaction').filter({ hasText: rating }).waitFor();
    await page.getByText('咨询解答').first().waitFor();
  }

  it(
    'asks the app client with buttons once the chat closed, stores one answer, and shows it in review',
    async () => {
      const consolePage = await loginConsole('wang.fang');
      const app = await newPage({ width: 390, height: 760 });
      await app.goto(`${sys.url}/app/`);
      await app.getByRole('button', { name: /刘洋/ }).click();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      const input = app.getByLabel('输入消息');
      await input.fill('转人工');
      await input.press('Enter');

      await serveAndClose(consolePage, '刘洋', '刘先生，转账已到账，请查收。');
      const conversationId = await conversationOf('C1001');

      // The card: the question, five scores, an optional comment; 提交评价 once a score is picked.
      const card = app.getByRole('region', { name: '满意度评价' });
      await card.getByText('请您为顾问的服务打分').waitFor();
      const scores = card.getByRole('group', { name: '评分' }).getByRole('button');
      expect(await scores.allTextContents()).toEqual(['5 非常满意', '4 满意', '3 一般', '2 不满意', '1 非常不满意']);
      expect(await card.getByRole('button', { name: '提交评价' }).isDisabled()).toBe(true);
      await scores.filter({ hasText: '4 满意' }).click();
      await card.getByLabel('补充意见（选填）').fill('回复很及时');
      await shot(app, 'satisfaction-app-card');
      await card.getByRole('button', { name: '提交评价' }).click();
      await card.getByText('感谢您的评价！').waitFor();

      const answers = await sys.services.db.SurveyAnswer.find({ conversationId }).lean();
      expect(answers).toEqual([expect.objectContaining({ score: 4, comment: '回复很及时' })]);

      // Answered: a reconnecting screen is not asked again, and a second answer is refused.
      await app.reload();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      await app.locator('li.msg[data-from="advisor"]').filter({ hasText: '转账已到账' }).waitFor();
      expect(await app.getByRole('region', { name: '满意度评价' }).count()).toBe(0);
      const survey = await sys.services.db.Survey.findOne({ conversationId }).lean();
      const again = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1001', 'SH01') });
      sockets.push(again);
      await expect(emitAck(again, 'survey:answer', { surveyId: String(survey!._id), score: 1 })).resolves.toMatchObject({
        ok: false,
        error: 'already_answered',
      });
      expect(await sys.services.db.SurveyAnswer.countDocuments({ conversationId })).toBe(1);

      await reviewShows('刘洋', '客户满意度：4 分 · 回复很及时');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows the WeCom client the survey as a menu in the simulator, takes the tap as the one answer, and shows it in review',
    async () => {
      const consolePage = await loginConsole('wang.fang');
      const sim = await newPage({ width: 900, height: 900 });
      await sim.goto(`${sys.url}/sim/`);
      await sim.getByRole('combobox', { name: '演示客户' }).selectOption('C1005');
      await sim.getByRole('tab', { name: '企业微信客服' }).click();
      await sim.getByRole('textbox', { name: '消息' }).fill('我要转人工');
      await sim.getByRole('button', { name: '发送', exact: true }).click();

      await serveAndClose(consolePage, '郑浩', '郑先生，您的问题已经处理好了。');
      const conversationId = await conversationOf('C1005');

      const survey = sim.locator('li.line').filter({ hasText: '请您为顾问的服务打分' });
      await survey.getByRole('button', { name: '5 非常满意' }).waitFor();
      expect(await survey.locator('.menu button').allTextContents()).toEqual([
        '5 非常满意',
        '4 满意',
        '3 一般',
        '2 不满意',
        '1 非常不满意',
      ]);
      await survey.getByRole('button', { name: '5 非常满意' }).click();
      await sim.locator('.from-service .bubble').filter({ hasText: '感谢您的评价' }).waitFor();
      await shot(sim, 'satisfaction-wecom-sim');
      expect(await sys.services.db.SurveyAnswer.find({ conversationId }).lean()).toEqual([expect.objectContaining({ score: 5 })]);

      // A second tap is an ordinary message now: still one answer.
      const thanks = sim.locator('.from-service .bubble').filter({ hasText: '感谢您的评价' });
      await survey.getByRole('button', { name: '1 非常不满意' }).click();
      await sim.locator('li.line.from-client').filter({ hasText: '1 非常不满意' }).waitFor();
      await sim.waitForTimeout(2_000);
      expect(await thanks.count()).toBe(1);
      expect(await sys.services.db.SurveyAnswer.countDocuments({ conversationId })).toBe(1);

      await reviewShows('郑浩', '客户满意度：5 分');
    },
    TEST_TIMEOUT_MS,
  );
});
