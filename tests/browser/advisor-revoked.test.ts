import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { disableAdvisor } from '@brokerbot/agent-console';
import { collectPageErrors, launchChromium, shot } from '../support/browser';
import { cleanUp, startTestSystem, type TestSystem } from '../support/test-system';

/**
 * An advisor whose account is disabled while the console is open is sent back to the login form
 * at once, told why, and cannot log in again — in real headless Chromium against the real system.
 */
describe('browser: a disabled advisor leaves the console at once', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [sys, browser] = await Promise.all([startTestSystem(), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
  });

  async function login(page: Page, username: string): Promise<void> {
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill('demo1234');
    await page.getByRole('button', { name: '登录' }).click();
  }

  it('shows the login form with the reason, and refuses the next login', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    contexts.push(context);
    const page = collectPageErrors(await context.newPage(), pageErrors);
    page.setDefaultTimeout(15_000);
    await page.goto(`${sys.url}/console/`);
    await login(page, 'li.qiang');
    await page.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();

    const account = (await sys.services.db.Advisor.findOne({ username: 'li.qiang' }).lean())!;
    expect(await disableAdvisor(sys.services, account._id.toString())).toBe(true);

    const error = page.locator('#login-error');
    await error.filter({ hasText: '账号已停用或登录已失效，请重新登录' }).waitFor();
    await expect(page.getByLabel('用户名').isVisible()).resolves.toBe(true);
    await shot(page, 'advisor-revoked');

    await login(page, 'li.qiang');
    await error.filter({ hasText: '账号已停用，请联系管理员' }).waitFor();
    // Still on the login form: the console did not open.
    expect(await page.getByLabel('用户名').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: '登录' }).isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
