import type { Socket } from 'socket.io-client';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
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
 * The advisor console for someone serving several chats at once, in real headless Chromium
 * against the real system: the chat list (unread counts, last message, waiting time, emotion,
 * drafts), the alerts for what happens in other chats, a layout where every button is on
 * screen and uncovered at the common laptop sizes, one summary above the transcript, and client
 * text shown as text. Clients write over the client protocol (no phone page needed).
 */
const TEST_TIMEOUT_MS = 90_000;
const SIZES = [
  { width: 1366, height: 768 },
  { width: 1440, height: 900 },
] as const;

/** Records, in the page, the sounds played and the desktop notifications shown. */
const RECORD_ALERTS = `
  window.__alerts = { sounds: 0, notifications: [] };
  const RealNotification = window.Notification;
  if (RealNotification) {
    const Recording = function (title, options) {
      window.__alerts.notifications.push({ title, body: (options && options.body) || '' });
      return new RealNotification(title, options);
    };
    Object.defineProperty(Recording, 'permission', { get: () => RealNotification.permission });
    Recording.requestPermission = (...args) => RealNotification.requestPermission(...args);
    window.Notification = Recording;
  }
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__alerts.sounds += 1;
    return start.apply(this, args);
  };
`;

interface Alerts {
  sounds: number;
  notifications: { title: string; body: string }[];
}

describe('browser: an advisor with many chats', () => {
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
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
  });

  afterEach(async () => {
    // The next test starts with every chat handed back to the bot and both advisors available.
    for (const username of ['wang.fang', 'li.qiang']) {
      const s = await connect(sys.url, '/advisor', { token: (await loginAdvisor(sys.url, username)).token });
      sockets.push(s);
      const { chats } = await emitAck<{ chats: { conversationId: string }[] }>(s, 'chat:list');
      for (const c of chats) {
        const closed = { conversationId: c.conversationId, wrapUp: { category: '其他' }, confirm: true };
        await expect(emitAck(s, 'chat:close', closed)).resolves.toMatchObject({ ok: true });
      }
      await emitAck(s, 'advisor:status', { status: 'online' });
    }
    sockets.splice(0).forEach((s) => s.disconnect());
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });

  async function loginConsole(username: string, size: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport: size, locale: 'zh-CN' });
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: sys.url });
    await context.addInitScript(RECORD_ALERTS);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    await signInToConsole(page, sys.url, username);
    return page;
  }

  /** A client of SH01 on the app's protocol. */
  async function client(customerId: string): Promise<Socket> {
    const s = await connect(sys.url, '/client', { token: clientToken(sys.config, customerId, 'SH01') });
    sockets.push(s);
    return s;
  }

  /** The client writes; resolves once the server stored it. */
  async function write(s: Socket, text: string): Promise<void> {
    const res = await emitAck<{ ok: boolean }>(s, 'message', { clientMessageId: `m${n++}`, text });
    expect(res.ok).toBe(true);
  }

  /** The client asks for a person and is told they are being transferred. */
  async function escalate(s: Socket): Promise<void> {
    const told = nextEvent<{ from: string; text: string }>(s, 'message', (m) => m.from === 'bot' && /转接/.test(m.text));
    await write(s, '转人工');
    await told;
  }

  function queueItem(page: Page, name: string): Locator {
    return page.locator('#queue-list .queue-item').filter({ hasText: name });
  }

  function chatItem(page: Page, name: string): Locator {
    return page.getByRole('tab', { name: new RegExp(name) });
  }

  function openPane(page: Page): Locator {
    return page.locator('.chat-pane:not([hidden])');
  }

  async function accept(page: Page, name: string): Promise<Locator> {
    await queueItem(page, name).getByRole('button', { name: '接入' }).click();
    const pane = openPane(page);
    await pane.locator('.chat-customer-name').filter({ hasText: name }).waitFor();
    return pane;
  }

  function alerts(page: Page): Promise<Alerts> {
    return page.evaluate('window.__alerts') as Promise<Alerts>;
  }

  /**
   * Scrolls the element into view and checks that a person can press it: inside the window and
   * not covered by anything (the element at its centre is it, or inside it).
   */
  async function expectReachable(page: Page, target: Locator, what: string): Promise<void> {
    // The lists re-render (waiting times tick): an element found a moment ago may be replaced.
    for (let attempt = 1; ; attempt++) {
      try {
        return await checkReachable(page, target, what);
      } catch (err) {
        if (attempt >= 3 || !/not attached to the DOM|detached/i.test(String(err))) throw err;
      }
    }
  }

  async function checkReachable(page: Page, target: Locator, what: string): Promise<void> {
    await target.scrollIntoViewIfNeeded();
    const box = await target.boundingBox();
    const viewport = page.viewportSize();
    if (!box || !viewport) throw new Error(`${what}: not rendered`);
    expect({
      what,
      inside: box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height && box.x + box.width <= viewport.width,
    }).toEqual({
      what,
      inside: true,
    });
    // The element at the target's centre is the target or inside it (node: the page's element).
    const uncovered = await target.evaluate((node: any) => {
      const r = node.getBoundingClientRect();
      const hit = node.ownerDocument.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return !!hit && (hit === node || node.contains(hit));
    });
    expect({ what, uncovered }).toEqual({ what, uncovered: true });
  }

  it(
    'keeps several chats apart: unread counts, last message, waiting time, emotion and drafts; alerts for the others',
    async () => {
      const page = await loginConsole('wang.fang', SIZES[0]);
      const liu = await client('C1001');
      const wu = await client('C1004');
      const zheng = await client('C1005');
      for (const s of [liu, wu, zheng]) await escalate(s);

      // A new offer plays a sound and shows a desktop notification.
      await queueItem(page, '刘洋').waitFor();
      await page.waitForFunction(`window.__alerts.notifications.some((x) => x.title === '新会话待接入')`);
      expect((await alerts(page)).sounds).toBeGreaterThan(0);

      await accept(page, '刘洋');
      await accept(page, '吴婷');
      const zhengPane = await accept(page, '郑浩');
      await expect(page.locator('#chat-list-count').textContent()).resolves.toBe('3');

      // Each chat keeps its own unsent reply while the advisor switches between them.
      await zhengPane.getByLabel('回复客户').fill('郑先生您好，我先查一下');
      await chatItem(page, '刘洋').click();
      const liuPane = openPane(page);
      await liuPane.locator('.chat-customer-name').filter({ hasText: '刘洋' }).waitFor();
      await expect(liuPane.getByLabel('回复客户').inputValue()).resolves.toBe('');
      await liuPane.getByLabel('回复客户').fill('刘先生，稍等');
      await chatItem(page, '郑浩').filter({ hasText: '[草稿] 郑先生您好，我先查一下' }).waitFor();
      await chatItem(page, '郑浩').click();
      await expect(openPane(page).getByLabel('回复客户').inputValue()).resolves.toBe('郑先生您好，我先查一下');
      await chatItem(page, '刘洋').filter({ hasText: '[草稿] 刘先生，稍等' }).waitFor();

      // The client of another chat writes (one message with markup in it): counted as unread,
      // previewed as text, timed, with the emotion the bot read; sound, title and notification.
      const before = await alerts(page);
      const markup = '<img src=x onerror="window.__xss=1">截图发不出来';
      await write(wu, '我的账户被冻结了，急死了');
      await write(wu, markup);
      const wuItem = chatItem(page, '吴婷');
      await wuItem.locator('.unread').filter({ hasText: /^2$/ }).waitFor();
      await wuItem
        .locator('.ci-preview')
        .filter({ hasText: `客户：${markup}` })
        .waitFor();
      await wuItem.getByText(/客户已等待 \d+ 秒/).waitFor();
      await wuItem
        .locator('.ci-emotion')
        .filter({ hasText: /^(平静|焦虑|愤怒|低落|积极)$/ })
        .waitFor();
      await page.waitForFunction(`document.title.includes('【客户新消息】')`);
      await page.waitForFunction(`window.__alerts.notifications.length > ${before.notifications.length}`);
      const after = await alerts(page);
      expect(after.sounds).toBeGreaterThan(before.sounds);
      expect(after.notifications.at(-1)).toEqual({ title: '客户新消息', body: `吴婷：${markup}` });
      expect(await chatItem(page, '郑浩').locator('.unread').count()).toBe(0);
      await shot(page, 'many-chats-list');

      // Opening it clears the count; the markup is text in the transcript, never an element.
      await wuItem.click();
      const wuPane = openPane(page);
      const shown = wuPane.locator('li.tmsg[data-from="client"]').filter({ hasText: markup });
      await shown.waitFor();
      expect(await shown.locator('img').count()).toBe(0);
      expect(await wuItem.locator('.unread').count()).toBe(0);
      expect(await page.evaluate('typeof window.__xss')).toBe('undefined');

      // Answered: the waiting time gives way to the time of the last message.
      await wuPane.getByLabel('回复客户').fill('吴女士，我来帮您查冻结原因');
      await wuPane.getByLabel('回复客户').press('Enter');
      await wuItem.locator('.ci-preview').filter({ hasText: '我：吴女士，我来帮您查冻结原因' }).waitFor();
      expect(await wuItem.getByText(/客户已等待/).count()).toBe(0);

      // A reload keeps the drafts.
      await page.reload();
      await page.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
      await chatItem(page, '郑浩').filter({ hasText: '[草稿] 郑先生您好，我先查一下' }).waitFor();
      await chatItem(page, '郑浩').click();
      await expect(openPane(page).getByLabel('回复客户').inputValue()).resolves.toBe('郑先生您好，我先查一下');
    },
    TEST_TIMEOUT_MS,
  );

  for (const size of SIZES) {
    it(
      `keeps every card, button and the transcript on screen at ${size.width}×${size.height}`,
      async () => {
        // Chats in progress (another advisor's, who then goes busy) and appointments fill the left column.
        const peer = await connect(sys.url, '/advisor', { token: (await loginAdvisor(sys.url, 'li.qiang')).token });
        sockets.push(peer);
        const peerClients = ['C1002', 'C1003', 'C1006'];
        for (const id of peerClients) await escalate(await client(id));
        const waiting = await emitAck<{ items: { handoffId: string; customer: { id: string } | null }[] }>(peer, 'queue:list');
        const theirs = waiting.items.filter((i) => peerClients.includes(i.customer?.id ?? ''));
        expect(theirs).toHaveLength(3);
        for (const item of theirs) {
          await expect(emitAck(peer, 'chat:accept', { handoffId: item.handoffId })).resolves.toMatchObject({ ok: true });
        }
        await expect(emitAck(peer, 'advisor:status', { status: 'busy' })).resolves.toMatchObject({ ok: true });
        for (const [customerId, topic] of [
          ['C1004', '两融开通'],
          ['C1005', '开户咨询'],
        ]) {
          await sys.services.db.Appointment.create({
            conversationId: `layout-${size.width}-${customerId}`,
            customerId,
            branchId: 'SH01',
            topic,
            preferredTime: '周三下午',
          });
        }
        const page = await loginConsole('wang.fang', size);
        await page.locator('#active-list .active-item').nth(2).waitFor();
        await page.locator('.appointment-item').nth(1).waitFor();

        // Several clients wait, offered to this advisor.
        const waitingNames: string[] = [];
        for (let i = 1; i <= 3; i++) {
          const id = `W${size.width}${i}`;
          waitingNames.push(`候补客户${size.width}-${i}`);
          await sys.services.db.Customer.create({
            _id: id,
            name: waitingNames.at(-1),
            tier: 'standard',
            branchId: 'SH01',
            phone: null,
          });
          await escalate(await client(id));
        }
        const liu = await client('C1001');
        await escalate(liu);
        const offered = page.locator('#queue-list .queue-item.offered');
        await offered.filter({ hasText: '刘洋' }).waitFor();
        // A notice is showing (the latest offer's, shown 4 s) while the appointments' buttons are pressed.
        await page.locator('.toast').first().waitFor();
        const appointments = page.locator('.appointment-item');
        for (let i = 0; i < (await appointments.count()); i++) {
          await expectReachable(page, appointments.nth(i).getByRole('button', { name: '确认' }), `appointment ${i + 1} 确认`);
          await expectReachable(page, appointments.nth(i).getByRole('button', { name: '取消' }), `appointment ${i + 1} 取消`);
        }
        for (const name of waitingNames) await queueItem(page, name).waitFor();
        expect(await offered.count()).toBeGreaterThanOrEqual(2);

        for (const name of [...waitingNames, '刘洋']) {
          await expectReachable(page, queueItem(page, name).getByRole('button', { name: '接入' }), `${name}’s 接入`);
        }
        const active = page.locator('#active-list .active-item');
        // 静默监听 is a supervisor's right (SH01 does not grant it to advisors): no button, a note instead.
        expect(await active.getByRole('button', { name: '静默监听' }).count()).toBe(0);
        for (let i = 0; i < (await active.count()); i++) {
          await expectReachable(page, active.nth(i).getByText('仅督导可监听'), `active card ${i + 1}`);
        }
        await shot(page, `layout-${size.width}-left`);

        // The chat: one summary (the written 交接摘要 takes the 转人工摘要's place), suggestions,
        // and the transcript keeps most of the pane.
        const pane = await accept(page, '刘洋');
        for (let i = 0; i < 6; i++) await write(liu, `第 ${i + 1} 个问题（${size.width}）：转账什么时候到账？`);
        await pane
          .locator('li.tmsg[data-from="client"]')
          .filter({ hasText: `第 6 个问题（${size.width}）` })
          .waitFor();
        await pane.locator('.handoff-card').filter({ hasText: '转人工摘要' }).waitFor();
        const assist = pane.getByRole('region', { name: '智能辅助' });
        await expectReachable(page, assist.getByRole('button', { name: '交接摘要', exact: true }), '交接摘要');
        await assist.getByRole('button', { name: '交接摘要', exact: true }).click();
        await pane.locator('.handoff-card').filter({ hasText: '交接摘要' }).filter({ hasText: '规则生成' }).waitFor();
        await assist.getByRole('button', { name: '建议回复', exact: true }).click();
        await assist.locator('.reply-chips').getByRole('button').first().waitFor();
        expect(await pane.getByText('转人工摘要').count()).toBe(0);
        expect(await pane.locator('.handoff-summary:visible').count()).toBe(1);
        const paneBox = await pane.boundingBox();
        const transcriptBox = await pane.getByRole('log', { name: '聊天记录' }).boundingBox();
        expect(transcriptBox!.height).toBeGreaterThanOrEqual(paneBox!.height * 0.35);
        await expectReachable(page, pane.getByRole('button', { name: '结束会话' }), '结束会话');
        await expectReachable(page, pane.getByLabel('回复客户'), 'the reply box');
        await expectReachable(page, pane.getByRole('button', { name: '发送' }), '发送');
        await expectReachable(page, assist.locator('.reply-chips').getByRole('button').first(), 'a suggested reply');
        await shot(page, `layout-${size.width}-chat`);

        // Putting the summary away brings the handoff's back.
        await pane.locator('.handoff-card').getByRole('button', { name: '收起交接摘要' }).click();
        await pane.locator('.handoff-card').filter({ hasText: '转人工摘要' }).waitFor();
      },
      TEST_TIMEOUT_MS,
    );
  }
});
