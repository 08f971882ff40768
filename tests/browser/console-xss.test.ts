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
 * Markup typed by anyone shows as the characters typed, everywhere the console shows text: a
 * client named `<img src=x onerror=…>`, who writes it, rates a chat with it; an advisor who puts
 * it in a wrap-up note, an internal note and a transfer note; a supervisor who saves it in a
 * canned reply and whispers it. Checked in real headless Chromium in the chat, the chat list, the
 * waiting card, toasts and desktop notifications, the client panel and the review page: the text
 * is there, no <img> element is, and no handler ran.
 */
const TEST_TIMEOUT_MS = 150_000;
const MARK = '<img src=x onerror="window.__xss=(window.__xss||0)+1">';
const NAME = `${MARK}钱`;

/** Records the desktop notifications shown. */
const RECORD_NOTIFICATIONS = `
  window.__notifications = [];
  const RealNotification = window.Notification;
  if (RealNotification) {
    const Recording = function (title, options) {
      window.__notifications.push({ title, body: (options && options.body) || '' });
      return new RealNotification(title, options);
    };
    Object.defineProperty(Recording, 'permission', { get: () => RealNotification.permission });
    Recording.requestPermission = (...args) => RealNotification.requestPermission(...args);
    window.Notification = Recording;
  }
`;

describe('browser: markup shows as text everywhere in the console', () => {
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
    sockets.forEach((s) => s.disconnect());
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
  });

  async function loginConsole(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: sys.url });
    await context.addInitScript(RECORD_NOTIFICATIONS);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    collectPageErrors(page, pageErrors);
    await signInToConsole(page, sys.url, username);
    return page;
  }

  async function advisorSocket(username: string): Promise<Socket> {
    const s = await connect(sys.url, '/advisor', { token: (await loginAdvisor(sys.url, username)).token });
    sockets.push(s);
    return s;
  }

  async function write(s: Socket, text: string): Promise<void> {
    await expect(emitAck(s, 'message', { clientMessageId: `x${n++}`, text })).resolves.toMatchObject({ ok: true });
  }

  async function escalate(s: Socket): Promise<void> {
    const told = nextEvent<{ from: string; text: string }>(s, 'message', (m) => m.from === 'bot' && /转接/.test(m.text));
    await write(s, '转人工');
    await told;
  }

  /** The markup is shown as text inside `where`, and nowhere on the page became an element or ran. */
  async function showsAsText(page: Page, where: Locator, text: string): Promise<void> {
    await where.filter({ hasText: text }).first().waitFor();
    expect(await page.locator('img:not(#media-viewer-image)').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  }

  it(
    'in the chat, list, waiting card, toasts, notifications, notes, whispers, canned replies, transfer notes, client panel and review',
    async () => {
      const { db } = sys.services;
      await db.Customer.create({ _id: 'C9001', name: NAME, tier: 'standard', branchId: 'SH01', phone: '13800009001' });
      const client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C9001', 'SH01') });
      sockets.push(client);

      // An earlier chat, served and closed over the protocol, leaves a wrap-up note and a rating comment with markup.
      const wang = await advisorSocket('wang.fang');
      await escalate(client);
      const { items } = await emitAck<{ items: { handoffId: string; customer: { id: string } | null }[] }>(wang, 'queue:list');
      const first = items.find((i) => i.customer?.id === 'C9001')!;
      const { chat } = await emitAck<{ chat: { conversationId: string } }>(wang, 'chat:accept', { handoffId: first.handoffId });
      const conversationId = chat.conversationId;
      const survey = nextEvent<{ surveyId: string }>(client, 'survey');
      await expect(
        emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '其他', note: `小结${MARK}` }, confirm: true }),
      ).resolves.toMatchObject({ ok: true });
      await expect(
        emitAck(client, 'survey:answer', { surveyId: (await survey).surveyId, score: 3, comment: `评价${MARK}` }),
      ).resolves.toMatchObject({ ok: true });
      wang.disconnect();

      // A supervisor saves a canned reply with markup (it passes the compliance check: it is only text).
      const zhao = await advisorSocket('zhao.lei');
      await expect(
        emitAck(zhao, 'canned:save', { keyword: '标记', text: `{客户称呼}您好，${MARK}`, scope: 'global' }),
      ).resolves.toMatchObject({ ok: true });

      // The client asks again: the offer's toast, notification and waiting card.
      const page = await loginConsole('wang.fang');
      await write(client, `截图${MARK}发不出来`);
      await escalate(client);
      const card = page.locator('#queue-list .queue-item').filter({ hasText: NAME });
      await showsAsText(page, card, NAME);
      await showsAsText(page, page.locator('.toast'), `新会话待接入：${NAME}`);
      await page.waitForFunction(`window.__notifications.some((x) => x.body.includes('钱'))`);
      expect(JSON.stringify(await page.evaluate('window.__notifications'))).toContain(JSON.stringify(MARK).slice(1, -1));

      // Taken: the chat header, the transcript, the chat list and its preview.
      await card.getByRole('button', { name: '接入' }).click();
      const pane = page.locator('.chat-pane:not([hidden])');
      await showsAsText(page, pane.locator('.chat-customer-name'), NAME);
      await showsAsText(page, pane.locator('li.tmsg[data-from="client"]'), `截图${MARK}发不出来`);
      const listItem = page.getByRole('tab', { name: /钱/ });
      await showsAsText(page, listItem, NAME);
      await write(client, `又一条${MARK}`);
      await showsAsText(page, listItem.locator('.ci-preview'), `客户：又一条${MARK}`);

      // The canned reply, its variable filled with the markup name, shown in the menu and put in the box as text.
      const box = pane.getByLabel('回复客户');
      await box.fill('/标记');
      const option = pane.getByRole('listbox', { name: '快捷回复' }).getByRole('option').filter({ hasText: '/标记' });
      await showsAsText(page, option, `${NAME}您好，${MARK}`);
      await box.press('Enter');
      await expect(box.inputValue()).resolves.toBe(`${NAME}您好，${MARK}`);
      await box.press('Enter');
      await showsAsText(page, pane.locator('li.tmsg[data-from="advisor"]'), `${NAME}您好，${MARK}`);

      // An internal note and a supervisor's whisper.
      await pane.getByRole('button', { name: '内部备注' }).click();
      await pane.getByLabel('内部备注').fill(`备注${MARK}`);
      await pane.getByLabel('内部备注').press('Enter');
      await showsAsText(page, pane.locator('li.taside.note'), `备注${MARK}`);
      await expect(emitAck(zhao, 'chat:whisper', { conversationId, text: `悄悄话${MARK}` })).resolves.toMatchObject({
        ok: true,
      });
      await showsAsText(page, pane.locator('li.taside.whisper'), `悄悄话${MARK}`);

      // The client panel: name, the earlier chat's wrap-up note and rating comment.
      await pane.getByRole('button', { name: '客户信息' }).click();
      const panel = pane.getByRole('region', { name: '客户信息' });
      await showsAsText(page, panel, NAME);
      await showsAsText(page, panel.getByRole('listitem'), `其他：小结${MARK}`);
      await showsAsText(page, panel.getByRole('listitem'), `满意度 3/5（评价${MARK}）`);
      await shot(page, 'xss-console');

      // Transferred to 李强 with a note: his waiting card, toast and, once taken, the chat's card.
      const liPage = await loginConsole('li.qiang');
      const li = await loginAdvisor(sys.url, 'li.qiang');
      const wangAgain = await advisorSocket('wang.fang');
      await expect(
        emitAck(wangAgain, 'chat:transfer', { conversationId, to: { advisorId: li.advisor.id }, note: `转接说明${MARK}` }),
      ).resolves.toMatchObject({ ok: true });
      const offered = liPage.locator('#queue-list .queue-item').filter({ hasText: NAME });
      await showsAsText(liPage, offered.locator('.qi-transfer'), `转接自 王芳：转接说明${MARK}`);
      await showsAsText(liPage, liPage.locator('.toast'), NAME);
      await offered.getByRole('button', { name: '接入' }).click();
      const liPane = liPage.locator('.chat-pane:not([hidden])');
      await showsAsText(liPage, liPane.locator('.handoff-card'), `转接自 王芳：转接说明${MARK}`);
      await showsAsText(liPage, liPane.locator('li.tmsg[data-from="client"]'), `截图${MARK}发不出来`);
      await showsAsText(liPage, liPane.locator('li.taside.note'), `备注${MARK}`);

      // The review page: the list row, the messages, the notes, the wrap-up and the rating.
      const review = await loginConsole('zhao.lei');
      await review.getByRole('button', { name: '会话记录' }).click();
      const row = review.getByRole('list', { name: '会话列表' }).getByRole('listitem').filter({ hasText: NAME });
      await showsAsText(review, row, NAME);
      await row.getByRole('button').first().click();
      const messages = review.getByRole('list', { name: '聊天记录' });
      await showsAsText(review, messages.getByRole('listitem'), `截图${MARK}发不出来`);
      await showsAsText(review, messages.getByRole('listitem'), `${NAME}您好，${MARK}`);
      await showsAsText(review, messages.getByRole('listitem'), `备注${MARK}`);
      await showsAsText(review, review.locator('.review-satisfaction'), `评价${MARK}`);
      await showsAsText(review, review.getByText(`小结${MARK}`), `小结${MARK}`);
      await shot(review, 'xss-review');

      expect(pageErrors).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
