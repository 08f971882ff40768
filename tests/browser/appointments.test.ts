import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { collectPageErrors, launchChromium, shot, signInToConsole } from '../support/browser';
import type { Socket } from 'socket.io-client';
import type { AppointmentView } from '@brokerbot/shared';
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
 * The 客户预约 panel of the advisor console in real headless Chromium against the real system:
 * a client's request (made through the bot) appears live, is confirmed with a click, and the
 * client reads the confirmation in the trading app. Asserted as text a person would see.
 */
const TEST_TIMEOUT_MS = 45_000;

describe('browser: appointment requests in the advisor console', () => {
  let sys: TestSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];
  let n = 0;

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

  afterEach(async () => {
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });

  async function newPage(kind: 'mobile' | 'desktop'): Promise<Page> {
    const context = await browser.newContext(
      kind === 'mobile'
        ? { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true, locale: 'zh-CN' }
        : { viewport: { width: 1280, height: 900 }, locale: 'zh-CN' },
    );
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    return page;
  }

  async function loginConsole(page: Page, username: string): Promise<void> {
    await signInToConsole(page, sys.url, username);
  }

  function panel(page: Page): Locator {
    return page.locator('.appointments-section');
  }

  function appointmentItem(page: Page, customerName: string): Locator {
    return panel(page).locator('.appointment-item').filter({ hasText: customerName });
  }

  /** The app's chat: sends a message and waits for the bot's answer containing `expected`. */
  async function say(app: Page, text: string, expected: string): Promise<void> {
    const input = app.getByLabel('输入消息');
    await input.fill(text);
    await input.press('Enter');
    await app.locator('li.msg[data-from="bot"]').filter({ hasText: expected }).waitFor();
  }

  /** A client's request through the bot over the client protocol (for tests about the console). */
  async function requestOverSocket(customerId: string, topic: string, time: string): Promise<void> {
    const s = await connect(sys.url, '/client', { token: clientToken(sys.config, customerId, 'SH01') });
    sockets.push(s);
    for (const text of ['我想预约客户经理见面', topic, time]) {
      const reply = nextEvent<{ from: string }>(s, 'message', (m) => m.from === 'bot');
      await emitAck(s, 'message', { clientMessageId: `b${n++}`, text });
      await reply;
    }
  }

  it(
    'shows a client’s request live; the advisor confirms it and the client reads the confirmation',
    async () => {
      const consolePage = await newPage('desktop');
      await loginConsole(consolePage, 'wang.fang');
      await panel(consolePage).getByRole('heading', { name: '客户预约' }).waitFor();
      await panel(consolePage).getByText('暂无客户预约').waitFor();
      await panel(consolePage).getByText('营业部 SH01 的客户预约').waitFor();

      // The client asks the bot for an appointment in the trading app.
      const app = await newPage('mobile');
      await app.goto(`${sys.url}/app/`);
      await app.getByRole('button', { name: /周建国/ }).click();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      await say(app, '我想预约客户经理见面', '请简单说明想咨询的事项');
      await say(app, '两融开通', '您方便的时间');
      await say(app, '周三下午', '已为您登记预约');

      // It appears in the console at once, waiting for confirmation.
      const item = appointmentItem(consolePage, '周建国');
      await item.filter({ hasText: '待确认' }).waitFor();
      const text = await item.textContent();
      expect(text).toContain('VIP');
      expect(text).toContain('两融开通');
      expect(text).toContain('周三下午');
      expect(text).toMatch(/申请于 今天 \d\d:\d\d/);
      expect(text).not.toContain('13800001003');
      await expect(panel(consolePage).locator('#appointments-count').textContent()).resolves.toBe('1');
      await consolePage.getByText('新预约：周建国 · 两融开通').waitFor();
      await shot(consolePage, 'appointment-requested');

      await item.getByRole('button', { name: '确认' }).click();
      await item.filter({ hasText: '已确认' }).filter({ hasText: '我 负责' }).waitFor();
      await consolePage.getByText('已确认 周建国 的预约，已通知客户').waitFor();
      expect(await item.getByRole('button', { name: '确认' }).count()).toBe(0);
      await item.getByRole('button', { name: '完成' }).waitFor();
      await expect(panel(consolePage).locator('#appointments-count').textContent()).resolves.toBe('0');
      await shot(consolePage, 'appointment-confirmed');

      // The client reads it in their chat.
      await app
        .locator('li.msg[data-from="system"]')
        .filter({ hasText: '您预约的「两融开通」已由客户经理 王芳 确认，时间：周三下午。' })
        .waitFor();

      // After the meeting: 完成. It moves under the week's closed appointments, without buttons.
      await item.getByRole('button', { name: '完成' }).click();
      await item.filter({ hasText: '已完成' }).waitFor();
      await panel(consolePage).getByText('近 7 天已处理').waitFor();
      expect(await item.getByRole('button').count()).toBe(0);

      // A reload shows the same.
      await consolePage.reload();
      await appointmentItem(consolePage, '周建国').filter({ hasText: '已完成' }).waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'tells an advisor whose screen missed the news who confirmed first, and catches up on reconnect',
    async () => {
      // A man in the middle on li.qiang's console WebSocket drops appointment:updated events,
      // as if they were lost, and can cut the connection.
      const consolePage = await newPage('desktop');
      const link = { cut: null as (() => Promise<void>) | null, upgraded: signal() };
      await consolePage.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer();
        link.cut = () => ws.close();
        ws.onMessage((frame) => {
          server.send(frame);
          // engine.io's "upgrade" packet: from now on this WebSocket carries the traffic.
          if (frame === '5') link.upgraded.resolve();
        });
        server.onMessage((frame) => {
          if (typeof frame === 'string' && frame.startsWith('42/advisor,["appointment:updated"')) return;
          ws.send(frame);
        });
      });
      await loginConsole(consolePage, 'li.qiang');
      await link.upgraded.promise;
      const { token } = await loginAdvisor(sys.url, 'wang.fang');
      const wang = await connect(sys.url, '/advisor', { token });
      sockets.push(wang);

      const added = nextEvent<AppointmentView>(wang, 'appointment:added', (a) => a.customer?.id === 'C1006');
      await requestOverSocket('C1006', '港股通开通', '周五上午');
      const { appointmentId } = await added;
      const item = appointmentItem(consolePage, '冯雪');
      await item.filter({ hasText: '待确认' }).waitFor();

      // 王芳 confirms first; this console does not hear of it and still offers 确认.
      expect(await emitAck(wang, 'appointments:update', { appointmentId, status: 'confirmed' })).toMatchObject({ ok: true });
      await item.getByRole('button', { name: '确认' }).click();
      await consolePage.getByRole('alert').filter({ hasText: '已被其他顾问确认（王芳）' }).waitFor();
      // The panel reloads: confirmed by 王芳, and nothing left for 李强 to do with it.
      await item.filter({ hasText: '已确认' }).filter({ hasText: '王芳 负责' }).waitFor();
      expect(await item.getByRole('button').count()).toBe(0);

      // Completed while this console misses the event: a reconnect brings the list up to date.
      expect(await emitAck(wang, 'appointments:update', { appointmentId, status: 'done' })).toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 300));
      await item.filter({ hasText: '已确认' }).waitFor();
      await link.cut!();
      await item.filter({ hasText: '已完成' }).waitFor();
    },
    TEST_TIMEOUT_MS,
  );
});

function signal(): { promise: Promise<void>; resolve(): void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
