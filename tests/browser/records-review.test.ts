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
 * Records in 会话记录, in real headless Chromium: a supervisor places a legal hold, exports the
 * transcript to a printable page (client markup stays text), and reads the 审计记录.
 */
describe('browser: export, legal hold and audit log in 会话记录', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];
  const MARKUP = '<img src=x onerror="window.__pwned=1">请看截图';

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

  it('holds, exports and lists who did what', async () => {
    const advisor = await connect(sys.url, '/advisor', { token: (await loginAdvisor(sys.url, 'wang.fang')).token });
    const vip = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1003', 'SH01') });
    sockets.push(advisor, vip);
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await emitAck(vip, 'message', { clientMessageId: 'v1', text: '我的账户被冻结了，急死了！！！' });
    const { chat } = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
      handoffId: (await offer).handoffId,
    });
    await emitAck(vip, 'message', { clientMessageId: 'v2', text: MARKUP });
    await emitAck(advisor, 'chat:send', { conversationId: chat.conversationId, clientMessageId: 'r1', text: '收到，我来看看。' });
    await emitAck(advisor, 'chat:close', { conversationId: chat.conversationId, wrapUp: { category: '业务办理' } });

    const page = await loginConsole('zhao.lei');
    await page.getByRole('button', { name: '会话记录' }).click();
    const item = page.getByRole('list', { name: '会话列表' }).getByRole('listitem').filter({ hasText: '周建国' });
    await item.getByRole('button').click();
    const auditList = page.getByRole('list', { name: '审计记录' });
    await auditList.getByText(/赵磊 · 查看记录/).waitFor();

    // Legal hold: a reason is required, then the status and the log show it.
    await page.getByRole('button', { name: '法律保全' }).click();
    await page.getByText('请填写保全或解除的原因', { exact: false }).waitFor();
    await page.getByLabel('保全的原因').fill('监管问询');
    await page.getByRole('button', { name: '法律保全' }).click();
    await page.getByText('法律保全中：监管问询（赵磊）').waitFor();
    await auditList.getByText(/赵磊 · 法律保全：监管问询/).waitFor();

    // Export: a new window with the printable page; the client's markup is text there too.
    const popupOpened = page.waitForEvent('popup');
    await page.getByRole('button', { name: '导出 / 打印' }).click();
    const popup = await popupOpened;
    await popup.getByRole('heading', { name: '客户服务会话记录' }).waitFor();
    const body = (await popup.locator('body').textContent()) ?? '';
    expect(body).toContain(MARKUP);
    expect(body).toContain('周建国（客户号 C1003）');
    expect(body).toContain('保全中');
    expect(await popup.locator('img, script').count()).toBe(0);
    // The handler would have set window.__pwned (evaluated as a string: the tests are compiled without DOM types).
    expect(await popup.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    await auditList.getByText(/赵磊 · 导出/).waitFor();
    await shot(page, 'records-review');

    // Lifting the hold.
    await page.getByLabel('解除保全的原因').fill('问询结束');
    await page.getByRole('button', { name: '解除保全' }).click();
    await page.getByText('未保全', { exact: true }).waitFor();
    await auditList.getByText(/赵磊 · 解除保全：问询结束/).waitFor();
    expect(pageErrors.splice(0)).toEqual([]);
  }, 60_000);
});
