import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
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
 * 会话记录 in the console, in real headless Chromium against the real system: a supervisor
 * finds an escalated chat, reads it with the bot's insight and the state log, and reviews it.
 */
describe('browser: supervisors review past conversations', () => {
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

  async function loginConsole(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    await signInToConsole(page, sys.url, username);
    return page;
  }

  /** A chat escalated by the bot, served by 王芳 and closed; and one the bot answered alone. */
  async function pastChats(): Promise<void> {
    const advisor = await connect(sys.url, '/advisor', { token: (await loginAdvisor(sys.url, 'wang.fang')).token });
    const vip = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1003', 'SH01') });
    const faq = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1001', 'SH01') });
    sockets.push(advisor, vip, faq);
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(vip, 'message', { clientMessageId: 'v1', text: '我的账户被冻结了，急死了！！！' });
    const { chat } = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    await emitAck(advisor, 'chat:send', {
      conversationId: chat.conversationId,
      clientMessageId: 'r1',
      text: '您好，我来帮您查看冻结原因。',
    });
    await emitAck(advisor, 'chat:close', { conversationId: chat.conversationId, wrapUp: { category: '业务办理' } });
    const answered = nextEvent(faq, 'message', (m: { from: string }) => m.from === 'bot');
    await emitAck(faq, 'message', { clientMessageId: 'f1', text: '交易时间是几点？' });
    await answered;
  }

  it('finds the escalated chat, shows what the bot made of it, and records a review', async () => {
    await pastChats();
    const advisorPage = await loginConsole('wang.fang');
    // Advisors have no 会话记录.
    expect(await advisorPage.getByRole('button', { name: '会话记录' }).isVisible()).toBe(false);

    const page = await loginConsole('zhao.lei');
    await page.getByRole('button', { name: '会话记录' }).click();
    const list = page.getByRole('list', { name: '会话列表' });
    await list.getByRole('listitem').filter({ hasText: '刘洋' }).waitFor();
    await list.getByRole('listitem').filter({ hasText: '周建国' }).waitFor();

    await page.getByLabel('仅转人工').check();
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('共显示 1 个会话').waitFor();
    const item = list.getByRole('listitem').filter({ hasText: '周建国' });
    const itemText = await item.textContent();
    expect(itemText).toContain('高风险业务（账户冻结）');
    expect(itemText).toContain('王芳');
    expect(itemText).toContain('最强情绪 焦虑');
    expect(itemText).toContain('未评审');
    expect(await list.getByRole('listitem').filter({ hasText: '刘洋' }).count()).toBe(0);

    await item.getByRole('button').click();
    const messages = page.getByRole('list', { name: '聊天记录' });
    const clientMessage = messages.getByRole('listitem').filter({ hasText: '我的账户被冻结了，急死了！！！' });
    await clientMessage.waitFor();
    expect(await clientMessage.locator('.tinsight').textContent()).toMatch(/^焦虑 [\d.]+ · .+ · 已转人工$/);
    await messages.getByText('您好，我来帮您查看冻结原因。').waitFor();
    const log = await page.getByRole('list', { name: '状态记录' }).textContent();
    expect(log).toMatch(/转人工（.*高风险业务（账户冻结）.*）[\s\S]*顾问接入（王芳）[\s\S]*顾问结束人工服务（王芳）/);
    await page.getByText('暂无评审').waitFor();
    await shot(page, 'transcript-review-open');

    await page.getByRole('radio', { name: '有问题' }).check();
    await page.getByLabel('备注', { exact: true }).fill('首次回复前等待较久');
    await page.getByRole('button', { name: '提交评审' }).click();
    await page.getByText('评审已保存').waitFor();
    const existing = page.getByRole('list', { name: '已有评审' });
    await existing.getByText('有问题 · 赵磊').waitFor();
    await existing.getByText('首次回复前等待较久').waitFor();
    await item.getByText('有问题 · 赵磊').waitFor();

    // A fresh search from the server shows it too; 仅未评审 hides it.
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('共显示 1 个会话').waitFor();
    await item.getByText('有问题 · 赵磊').waitFor();
    await page.getByLabel('仅未评审').check();
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('没有符合条件的会话').waitFor();
    await shot(page, 'transcript-review-reviewed');

    await page.getByRole('button', { name: '返回工作台' }).click();
    await page.getByRole('heading', { name: '等待队列' }).waitFor();
    expect(pageErrors.splice(0)).toEqual([]);
  }, 60_000);
});
