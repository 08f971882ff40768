import type { Socket } from 'socket.io-client';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { collectPageErrors, launchChromium, shot, signInToConsole } from '../support/browser';
import {
  cleanUp,
  clientToken,
  connect,
  emitAck,
  nextEvent,
  startTestSystem,
  testEnv,
  type TestSystem,
} from '../support/test-system';

/**
 * 智能陪练 in the console, in real headless Chromium against the real system: an advisor practises
 * with the simulated client of agent-console/data/practice/scenarios/margin-call-anxious.json in
 * a chat marked 陪练, apart from her real chats; handled well (empathy, then concrete steps) the
 * client calms down and the scorecard scores high; a procedure read out and a price prediction
 * make the client escalate, with a lower score and the failed item's evidence. A supervisor
 * assigns the scenario, sees the results per advisor, and turns a real conversation into a
 * scenario from 会话记录.
 */
const TEST_TIMEOUT_MS = 120_000;
const MARGIN_TITLE = '焦虑的两融客户：担保比例跌破130%';
const VIP_TITLE = 'VIP 客户询问产品风险';
/** The scenario's rules: an acknowledgement (理解, 别着急) with next steps (我马上帮您查, 追加担保品), then steps (登录App, 担保品划转). */
const GOOD = [
  '刘先生，非常理解您现在的担心，别着急。担保比例低于130%有被平仓的风险，我马上帮您查一下需要追加多少担保品。',
  '您可以登录App，在两融页面点击“担保品划转”转入资金，或者卖出部分持仓直接还款，完成后担保比例会实时更新。',
];
/** A procedure read out to an anxious client (no acknowledgement), then a price prediction (the guardrails' 预测价格). */
const BAD = ['根据规定，维持担保比例低于130%需要在T+2日前追加担保品或还款。', '这只股票明天肯定会涨，您可以加仓摊低成本。'];

describe('browser: 智能陪练 in the console', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];
  let supervisor: Page;
  let goodScore = 0;
  /** What the real client received from people (never a practice message). */
  const realReceived: { from: string; text: string }[] = [];

  beforeAll(async () => {
    [sys, browser] = await Promise.all([
      startTestSystem(testEnv({ PRACTICE_REPLY_DELAY_MS: '200', PRACTICE_IDLE_S: '0' })),
      launchChromium(),
    ]);
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

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
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

  async function openPractice(page: Page): Promise<Locator> {
    await page.locator('#practice-toggle').click();
    const view = page.locator('#practice-view');
    await view.getByRole('list', { name: '练习场景' }).locator('li.practice-scenario').first().waitFor();
    return view;
  }

  /** Starts the margin-call scenario; resolves with the practice chat's pane once the opening message is shown. */
  async function startMargin(view: Locator): Promise<Locator> {
    await view.getByRole('button', { name: '开始陪练：' + MARGIN_TITLE }).click();
    const pane = view.locator('.practice-pane');
    await pane.locator('li.tmsg[data-from="client"]').first().waitFor();
    return pane;
  }

  /** Writes one advisor turn and waits for the simulated client's answer (its n-th message). */
  async function turn(pane: Locator, text: string, clientMessages: number, confirm = false): Promise<Locator> {
    const box = pane.getByLabel('回复模拟客户');
    await box.fill(text);
    await box.press('Enter');
    if (confirm) {
      const warning = pane.page().getByRole('dialog').filter({ hasText: '消息可能不合规' });
      await warning.getByRole('button', { name: '仍然发送' }).click();
    }
    await pane.locator('li.tmsg[data-from="advisor"]').filter({ hasText: text }).locator('time').waitFor();
    const answer = pane.locator('li.tmsg[data-from="client"]').nth(clientMessages - 1);
    await answer.waitFor();
    return answer;
  }

  /** The score shown in the result's head ("87 分"). */
  async function shownScore(result: Locator): Promise<number> {
    const text = await result.locator('.practice-result-head .qa-score').textContent();
    const m = /(\d+(?:\.\d+)?) 分/.exec(text ?? '');
    if (!m) throw new Error(`no score in "${text}"`);
    return Number(m[1]);
  }

  it(
    'calms the simulated client when the advisor acknowledges and gives steps, in a marked practice chat apart from real chats',
    async () => {
      const page = await loginConsole('wang.fang');
      // A real client being served, so that the real chat list has something to keep.
      const client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1001', 'SH01') });
      sockets.push(client);
      client.on('message', (m: { from: string; text: string }) => realReceived.push(m));
      const told = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.from === 'bot' && /转接/.test(m.text));
      await emitAck(client, 'message', { clientMessageId: 'r1', text: '我的担保比例跌到125%了，手机13800001001，转人工' });
      await told;
      await page.locator('#queue-list .queue-item').filter({ hasText: '刘洋' }).getByRole('button', { name: '接入' }).click();
      await page.locator('.chat-pane:not([hidden]) .chat-customer-name').filter({ hasText: '刘洋' }).waitFor();
      await expect(page.locator('#chat-list-count').textContent()).resolves.toBe('1');
      // Accepting the offered chat is looking at it: the title stops flashing at once.
      expect(await page.title()).not.toContain('【');

      const view = await openPractice(page);
      expect(await page.locator('.workspace').isHidden()).toBe(true);
      expect(await view.locator('li.practice-scenario .ps-title').allTextContents()).toHaveLength(4);
      const pane = await startMargin(view);
      // Visibly a practice: the badge, the title, the strip, the simulated client's mood under its message.
      await expect(pane.locator('.practice-badge').textContent()).resolves.toBe('陪练');
      await expect(pane.locator('.practice-chat-title').textContent()).resolves.toBe('陪练：' + MARGIN_TITLE);
      await pane.locator('.practice-strip').filter({ hasText: '不会发送给任何真实客户' }).waitFor();
      const opening = pane.locator('li.tmsg[data-from="client"]').first();
      await expect(opening.locator('.tbubble').textContent()).resolves.toContain('担保比例跌破130%');
      await expect(opening.locator('.practice-mood').textContent()).resolves.toContain('焦虑');
      await shot(page, 'practice-start');

      const calmer = await turn(pane, GOOD[0]!, 2);
      await expect(calmer.locator('.practice-mood').textContent()).resolves.toContain('平静');
      const last = await turn(pane, GOOD[1]!, 3);
      await expect(last.locator('.tbubble').textContent()).resolves.toContain('谢谢');

      // The end: no more reply box; the result with the outcome, the scorecard and per-turn feedback.
      const result = pane.getByRole('region', { name: '陪练结果' });
      await result.locator('.qa-item').first().waitFor();
      expect(await pane.getByLabel('回复模拟客户').count()).toBe(0);
      await expect(result.locator('.practice-result-head .practice-tag').textContent()).resolves.toBe('客户已平复');
      await expect(result.locator('.practice-outcome').textContent()).resolves.toContain('客户情绪平复');
      goodScore = await shownScore(result);
      await expect(result.locator('li.qa-item[data-item-id="empathy"] .qa-status').textContent()).resolves.toBe('通过');
      await expect(result.locator('li.qa-item[data-item-id="no_advice"] .qa-status').textContent()).resolves.toBe('通过');
      expect(await result.locator('li.qa-item[data-item-id="wrap_up"]').count()).toBe(0);
      const turns = result.getByRole('list', { name: '逐轮反馈' }).locator('li.practice-turn');
      expect(await turns.count()).toBe(2);
      await expect(turns.first().locator('.qa-quote').textContent()).resolves.toBe('“' + GOOD[0] + '”');
      await shot(page, 'practice-calmed');

      // 我的陪练记录 has it, with the outcome and the score.
      const mine = view.getByRole('list', { name: '我的陪练记录' }).locator('li.practice-history-item');
      await mine
        .filter({ hasText: '客户已平复' })
        .filter({ hasText: goodScore + ' 分' })
        .waitFor();

      // Never mixed with the real chats: one chat in 我的会话, no unread mark, no title flash; the
      // real client received nothing of the practice.
      await expect(page.locator('#chat-list-count').textContent()).resolves.toBe('1');
      expect(await page.locator('#tabs .chat-item').count()).toBe(1);
      expect(await page.locator('#tabs .unread').count()).toBe(0);
      expect(await page.title()).not.toContain('【');
      expect(realReceived.filter((m) => m.from === 'advisor')).toEqual([]);
      await view.getByRole('button', { name: '返回工作台' }).click();
      await page.locator('.chat-pane:not([hidden]) .chat-customer-name').filter({ hasText: '刘洋' }).waitFor();
      expect(await page.locator('#tabs').textContent()).not.toContain('陪练');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'escalates on a procedure and a price prediction, scores lower with the evidence; the supervisor assigned it and sees results per advisor',
    async () => {
      supervisor = await loginConsole('zhao.lei');
      const superView = await openPractice(supervisor);
      const manage = superView.getByRole('region', { name: '陪练管理' });
      await manage.getByLabel('顾问').locator('option').filter({ hasText: '李强' }).waitFor({ state: 'attached' });
      await manage.getByLabel('顾问').selectOption({ label: '李强（SH01）' });
      await manage.getByLabel('指派场景').selectOption({ label: MARGIN_TITLE });
      await manage.getByRole('button', { name: '指派' }).click();
      await supervisor
        .locator('#toasts')
        .filter({ hasText: '已指派给 李强：' + MARGIN_TITLE })
        .waitFor();
      await manage.getByLabel('指派场景').selectOption({ label: VIP_TITLE });
      await manage.getByRole('button', { name: '指派' }).click();
      await supervisor
        .locator('#toasts')
        .filter({ hasText: '已指派给 李强：' + VIP_TITLE })
        .waitFor();

      const page = await loginConsole('li.qiang');
      const view = await openPractice(page);
      // The assigned scenarios come first, marked 已指派; the others are not marked.
      const listed = view.locator('li.practice-scenario');
      expect((await listed.locator('.ps-title').allTextContents()).slice(0, 2).sort()).toEqual([MARGIN_TITLE, VIP_TITLE].sort());
      await expect(listed.nth(0).locator('.practice-tag.assigned').textContent()).resolves.toBe('已指派');
      await expect(listed.nth(1).locator('.practice-tag.assigned').textContent()).resolves.toBe('已指派');
      expect(await view.locator('li.practice-scenario .practice-tag.assigned').count()).toBe(2);
      await view.locator('.practice-assigned-note').filter({ hasText: '督导为您指派了 2 个待完成的练习' }).waitFor();

      const pane = await startMargin(view);
      const upset = await turn(pane, BAD[0]!, 2);
      await expect(upset.locator('.practice-mood').textContent()).resolves.toContain('客户情绪激动时未先安抚就直接讲流程');
      // The compliance warning of real replies applies; sent anyway, the client escalates.
      const gone = await turn(pane, BAD[1]!, 3, true);
      await expect(gone.locator('.tbubble').textContent()).resolves.toContain('投诉');

      const result = pane.getByRole('region', { name: '陪练结果' });
      await result.locator('.qa-item').first().waitFor();
      await expect(result.locator('.practice-result-head .practice-tag').textContent()).resolves.toBe('客户情绪升级');
      const badScore = await shownScore(result);
      expect(badScore).toBeLessThan(goodScore);
      const guardrail = result.locator('li.qa-item[data-item-id="no_advice"]');
      await expect(guardrail.locator('.qa-status').textContent()).resolves.toBe('未通过');
      await expect(guardrail.locator('.qa-quote').allTextContents()).resolves.toContain('“' + BAD[1] + '”');
      await expect(result.locator('li.qa-item[data-item-id="empathy"] .qa-status').textContent()).resolves.toBe('未通过');
      const turns = result.getByRole('list', { name: '逐轮反馈' }).locator('li.practice-turn');
      expect(await turns.count()).toBe(2);
      await expect(turns.nth(0).getAttribute('data-reaction')).resolves.toBe('procedureOnly');
      await expect(turns.nth(1).getAttribute('data-reaction')).resolves.toBe('forbidden');
      await expect(turns.nth(1).locator('.qa-quote').textContent()).resolves.toBe('“' + BAD[1] + '”');
      await shot(page, 'practice-escalated');

      // The supervisor: each advisor's results, the outcome and the score, and the result itself.
      await manage.getByLabel('顾问').selectOption({ label: '李强（SH01）' });
      const rows = manage.getByRole('list', { name: '陪练成绩' }).locator('li.practice-result-item');
      await rows
        .filter({ hasText: '客户情绪升级' })
        .filter({ hasText: badScore + ' 分' })
        .waitFor();
      expect(await rows.count()).toBe(1);
      await rows.first().getByRole('button').click();
      const shown = superView.getByRole('region', { name: '陪练结果' });
      await expect(shown.locator('li.qa-item[data-item-id="no_advice"] .qa-quote').allTextContents()).resolves.toContain(
        '“' + BAD[1] + '”',
      );
      await superView
        .locator('.practice-chat-title')
        .filter({ hasText: '李强 的陪练：' + MARGIN_TITLE })
        .waitFor();
      await manage.getByLabel('顾问').selectOption({ label: '王芳（SH01）' });
      await rows
        .filter({ hasText: '客户已平复' })
        .filter({ hasText: goodScore + ' 分' })
        .waitFor();
      expect(await rows.count()).toBe(1);
      await shot(supervisor, 'practice-results');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'turns a real conversation into a scenario from 会话记录 in one step (质培一体化)',
    async () => {
      await supervisor.locator('#review-toggle').click();
      const review = supervisor.locator('#review-view');
      expect(await supervisor.locator('#practice-view').isHidden()).toBe(true);
      await review.locator('.review-item').filter({ hasText: '刘洋' }).first().getByRole('button').click();
      const detail = review.locator('.review-detail');
      await detail.locator('h3').filter({ hasText: '刘洋' }).waitFor();
      await detail.getByRole('button', { name: '生成陪练场景' }).click();
      const made = detail.locator('.review-practice-made');
      await made.waitFor();
      const text = (await made.textContent()) ?? '';
      expect(text).toMatch(/^已生成陪练场景：真实会话改编：/);
      const title = text.replace('已生成陪练场景：', '');
      await shot(supervisor, 'practice-from-conversation');

      // Asked again: the same scenario, not a second one.
      await detail.getByRole('button', { name: '生成陪练场景' }).click();
      await detail
        .locator('.review-practice-made')
        .filter({ hasText: '已有陪练场景：' + title })
        .waitFor();

      // It is a scenario of the branch now, marked as made from a real chat.
      const view = await openPractice(supervisor);
      expect(await review.isHidden()).toBe(true);
      const item = view.locator('li.practice-scenario').filter({ hasText: title });
      await expect(item.locator('.practice-tag.from-chat').textContent()).resolves.toBe('来自真实会话');
      // The client's phone number is masked in what the practice opens with.
      await item.getByRole('button', { name: '开始陪练：' + title }).click();
      const opening = view.locator('.practice-pane li.tmsg[data-from="client"]').first();
      await expect(opening.locator('.tbubble').textContent()).resolves.toContain('138****1001');
      await expect(opening.locator('.tbubble').textContent()).resolves.not.toContain('13800001001');
      await view.getByRole('button', { name: '结束陪练' }).click();
      await supervisor.getByRole('dialog').filter({ hasText: '结束陪练' }).getByRole('button', { name: '结束陪练' }).click();
      await view.getByRole('region', { name: '陪练结果' }).locator('.practice-tag').filter({ hasText: '提前结束' }).waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});
