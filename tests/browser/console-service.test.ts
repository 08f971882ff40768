import type { Socket } from 'socket.io-client';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { collectPageErrors, launchChromium, shot, signInToConsole, waitForValue } from '../support/browser';
import { cleanUp, clientToken, connect, emitAck, nextEvent, startTestSystem, type TestSystem } from '../support/test-system';

/**
 * The console's side of the service features, in real headless Chromium against the real
 * system: canned replies typed with `/` (variables filled), internal notes the client never
 * receives, the compliance warning with 仍然发送, and the status selector (忙碌: no new offers).
 * The client writes over the client protocol and every message it receives is kept.
 */
const TEST_TIMEOUT_MS = 90_000;

describe('browser: the console’s service tools', () => {
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
    sockets.splice(0).forEach((s) => s.disconnect());
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });

  async function loginConsole(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    await signInToConsole(page, sys.url, username);
    return page;
  }

  /** A client of SH01 on the app's protocol; `received` collects every message sent to it. */
  async function client(customerId: string): Promise<{ socket: Socket; received: { from: string; text: string }[] }> {
    const socket = await connect(sys.url, '/client', { token: clientToken(sys.config, customerId, 'SH01') });
    sockets.push(socket);
    const received: { from: string; text: string }[] = [];
    socket.on('message', (m: { from: string; text: string }) => received.push(m));
    return { socket, received };
  }

  async function escalate(s: Socket): Promise<void> {
    const told = nextEvent<{ from: string; text: string }>(s, 'message', (m) => m.from === 'bot' && /转接/.test(m.text));
    await expect(emitAck(s, 'message', { clientMessageId: `s${n++}`, text: '转人工' })).resolves.toMatchObject({ ok: true });
    await told;
  }

  function openPane(page: Page): Locator {
    return page.locator('.chat-pane:not([hidden])');
  }

  async function accept(page: Page, name: string): Promise<Locator> {
    await page.locator('#queue-list .queue-item').filter({ hasText: name }).getByRole('button', { name: '接入' }).click();
    const pane = openPane(page);
    await pane.locator('.chat-customer-name').filter({ hasText: name }).waitFor();
    return pane;
  }

  it(
    'fills a canned reply typed with /, keeps notes from the client, and sends a flagged text only when confirmed',
    async () => {
      const page = await loginConsole('wang.fang');
      const liu = await client('C1001');
      await escalate(liu.socket);
      const pane = await accept(page, '刘洋');
      const box = pane.getByLabel('回复客户');

      // `/` + keyword lists the canned replies with their variables filled; Enter takes one.
      await box.fill('/稍');
      const menu = pane.getByRole('listbox', { name: '快捷回复' });
      const option = menu.getByRole('option').filter({ hasText: '/稍等' });
      await option.filter({ hasText: '刘洋，我正在为您核实' }).waitFor();
      await shot(page, 'service-canned-menu');
      await box.press('Enter');
      await expect(box.inputValue()).resolves.toBe('刘洋，我正在为您核实，请稍等一两分钟，马上回复您。');
      expect(await menu.isVisible()).toBe(false);
      const sent = nextEvent<{ from: string; text: string }>(liu.socket, 'message', (m) => m.from === 'advisor');
      await box.press('Enter');
      await expect(sent).resolves.toMatchObject({ text: '刘洋，我正在为您核实，请稍等一两分钟，马上回复您。' });
      // A click works too, and a variable for the advisor's name is filled with theirs.
      await box.fill('/问候');
      await menu.getByRole('option').filter({ hasText: '/问候' }).click();
      await expect(box.inputValue()).resolves.toBe('刘洋您好，我是顾问王芳，很高兴为您服务。请问有什么可以帮您？');
      await box.fill('');

      // 内部备注: shown to the advisor as a note, kept after a reload, never sent to the client.
      await pane.getByRole('button', { name: '内部备注' }).click();
      const noteBox = pane.getByLabel('内部备注');
      await noteBox.fill('客户<b>情绪</b>激动，先安抚再查转账');
      await noteBox.press('Enter');
      const note = pane.locator('li.taside.note').filter({ hasText: '客户<b>情绪</b>激动，先安抚再查转账' });
      await note.filter({ hasText: '内部备注' }).filter({ hasText: '客户不可见' }).waitFor();
      expect(await note.locator('b').count()).toBe(0);
      await expect(noteBox.inputValue()).resolves.toBe('');
      await shot(page, 'service-note');
      await page.reload();
      await page.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
      await openPane(page).locator('li.taside.note').filter({ hasText: '先安抚再查转账' }).waitFor();

      // A text breaking a compliance rule is held: the advisor sees why and edits it…
      const reply = openPane(page).getByLabel('回复客户');
      await reply.fill('这只股票明天一定会涨，可以买入');
      await reply.press('Enter');
      const warning = page.getByRole('dialog').filter({ hasText: '消息可能不合规' });
      await warning.getByRole('listitem').first().waitFor();
      expect(await warning.getByRole('listitem').allTextContents()).toEqual(['个股推荐', '价格预测']);
      await shot(page, 'service-compliance');
      await warning.getByRole('button', { name: '返回修改' }).click();
      await waitForValue(reply, '这只股票明天一定会涨，可以买入');
      expect(await openPane(page).locator('li.tmsg[data-from="advisor"]').filter({ hasText: '一定会涨' }).count()).toBe(0);
      // …or sends it anyway, which the server records.
      await reply.press('Enter');
      await warning.getByRole('button', { name: '仍然发送' }).click();
      await openPane(page).locator('li.tmsg[data-from="advisor"]').filter({ hasText: '这只股票明天一定会涨' }).waitFor();
      await openPane(page).locator('li.tmsg.is-pending').waitFor({ state: 'detached' });

      // What the client received: the canned reply and the confirmed text, never the note.
      const texts = liu.received.filter((m) => m.from === 'advisor').map((m) => m.text);
      expect(texts).toEqual(['刘洋，我正在为您核实，请稍等一两分钟，马上回复您。', '这只股票明天一定会涨，可以买入']);
      expect(liu.received.some((m) => m.text.includes('先安抚再查转账'))).toBe(false);
      expect(await sys.services.db.Message.countDocuments({ text: /先安抚再查转账/ })).toBe(0);

      // Done: closed with a wrap-up (the client's last message was answered: no warning).
      const survey = nextEvent<{ surveyId: string }>(liu.socket, 'survey');
      await openPane(page).getByRole('button', { name: '结束会话' }).click();
      const dialog = page.getByRole('dialog').filter({ hasText: '会话小结分类' });
      await dialog.getByRole('radio', { name: '咨询解答' }).check();
      await dialog.getByLabel('小结备注（选填）').fill('已告知到账时间');
      await dialog.getByRole('button', { name: '确认结束' }).click();
      await openPane(page).getByText('会话已结束').waitFor();
      const { surveyId } = await survey;
      await expect(emitAck(liu.socket, 'survey:answer', { surveyId, score: 5, comment: '很耐心' })).resolves.toMatchObject({
        ok: true,
      });

      // The client comes back: 客户信息 shows who they are and the last chat, its wrap-up and rating.
      await escalate(liu.socket);
      const again = await accept(page, '刘洋');
      await again.getByRole('button', { name: '客户信息' }).click();
      const panel = again.getByRole('region', { name: '客户信息' });
      await panel.filter({ hasText: '138****1001' }).filter({ hasText: '无专属客户经理' }).waitFor();
      await panel
        .getByRole('list', { name: '历史会话' })
        .getByRole('listitem')
        .filter({ hasText: '顾问 王芳' })
        .filter({ hasText: '咨询解答：已告知到账时间' })
        .filter({ hasText: '满意度 5/5（很耐心）' })
        .waitFor();
      await shot(page, 'service-client-panel');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'offers no new chat while the advisor is 忙碌, and offers it again once 在线',
    async () => {
      const page = await loginConsole('li.qiang');
      const status = page.getByLabel('我的状态');
      await expect(status.inputValue()).resolves.toBe('online');
      await status.selectOption('busy');
      await page.getByText('已设为忙碌，暂不接收新会话').waitFor();

      // The client waits on the list, not offered to this advisor (nobody else is online).
      const wu = await client('C1004');
      await escalate(wu.socket);
      const item = page.locator('#queue-list .queue-item').filter({ hasText: '吴婷' });
      await item.waitFor();
      await page.waitForTimeout(3_000);
      expect(await item.getAttribute('class')).not.toContain('offered');

      await status.selectOption('online');
      await page.getByText('已设为在线，将接收新会话').waitFor();
      await page.locator('#queue-list .queue-item.offered').filter({ hasText: '吴婷' }).waitFor({ timeout: 30_000 });
    },
    TEST_TIMEOUT_MS,
  );
});
