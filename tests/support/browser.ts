import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Set BROWSER_SCREENSHOTS=/some/dir to keep the browser tests' screenshots. */
const SHOTS = process.env.BROWSER_SCREENSHOTS;

/**
 * Debian's Chromium, headless. No background networking: this machine's closed network refuses
 * Chromium's own connections, many at a time.
 */
export function launchChromium(): Promise<Browser> {
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A screenshot named `name`, when BROWSER_SCREENSHOTS asks for them. */
export async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/**
 * Waits until an input's value is `expected` (the page may set it a task after a click, e.g. when
 * a dialog's close event fires) and fails with the last value seen.
 * @example await waitForValue(pane.getByLabel('回复客户'), '已恢复的草稿');
 */
export async function waitForValue(input: Locator, expected: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let value = await input.inputValue();
  while (value !== expected && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await input.inputValue();
  }
  if (value !== expected) throw new Error(`input value ${JSON.stringify(value)}, expected ${JSON.stringify(expected)}`);
}

/** Collects the page's uncaught script errors into `errors` (each test expects none). */
export function collectPageErrors(page: Page, errors: string[]): Page {
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  return page;
}

/**
 * Signs in to the advisor console on `page` with the demo password and waits until its socket is
 * connected (#conn-status 已连接).
 * @example await signInToConsole(page, sys.url, 'wang.fang');
 */
export async function signInToConsole(page: Page, baseUrl: string, username: string, password = 'demo1234'): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
}
