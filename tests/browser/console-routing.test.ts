import type { Socket } from 'socket.io-client';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { collectPageErrors, launchChromium, shot, signInToConsole } from '../support/browser';
import { cleanUp, clientToken, connect, emitAck, nextEvent, startTestSystem, type TestSystem } from '../support/test-system';

/**
 * Three consoles in real headless Chromium against the real system: an advisor transfers a chat
 * to a skill group with a note, a colleague takes it with the whole transcript, a supervisor
 * watching it whispers to that colleague (the client never sees it) and then takes it over.
 */
const TEST_TIMEOUT_MS = 120_000;

describe('browser: transfer, whisper and take-over in the console', () => {
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

  afterEach(() => {
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

  function openPane(page: Page): Locator {
    return page.locator('.chat-pane:not([hidden])');
  }

  function fromClient(pane: Locator, text: string): Locator {
    return pane.locator('li.tmsg[data-from="client"]').filter({ hasText: text });
  }

  it(
    'transfers a chat with a note, whispers to its new advisor, and lets the supervisor take it over',
    async () => {
      // The client writes, asks for a person; 王芳 (alone online) takes the chat.
      const wangPage = await loginConsole('wang.fang');
      const client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1001', 'SH01') });
      sockets.push(client);
      const received: { from: string; text: string }[] = [];
      client.on('message', (m: { from: string; text: string }) => received.push(m));
      const write = (text: string) => emitAck(client, 'message', { clientMessageId: `r${n++}`, text });
      // The bot answers the complaint (and the request for a person) before anyone takes the chat.
      const told = nextEvent<{ from: string }>(client, 'message', (m) => m.from === 'bot', 20_000);
      await write('转账三天了还没到账，我要投诉');
      await write('转人工');
      await told;
      await wangPage.locator('#queue-list .queue-item').filter({ hasText: '刘洋' }).getByRole('button', { name: '接入' }).click();
      const wangPane = openPane(wangPage);
      await fromClient(wangPane, '我要投诉').waitFor();

      // 李强 comes online; 王芳 transfers the chat to 投诉处理 (李强's skill) with a note.
      const liPage = await loginConsole('li.qiang');
      await wangPane.getByRole('button', { name: '转接' }).click();
      const dialog = wangPage.getByRole('dialog').filter({ hasText: '转接会话' });
      await dialog.getByRole('button', { name: '确认转接' }).click();
      await dialog.getByRole('alert').filter({ hasText: '请填写转接说明' }).waitFor();
      await dialog.getByLabel('选择技能组').selectOption('投诉处理');
      expect(await dialog.getByRole('radio', { name: '技能组' }).isChecked()).toBe(true);
      await dialog.getByLabel('转接说明（必填，接收方可见）').fill('客户投诉转账延迟三天，请跟进到账情况');
      await shot(wangPage, 'routing-transfer-dialog');
      await dialog.getByRole('button', { name: '确认转接' }).click();
      await wangPane.getByText('会话已转接给其他顾问').waitFor();
      expect(await wangPane.getByLabel('回复客户').count()).toBe(0);

      // 李强 is offered it with the note, and takes it with the whole transcript.
      const offered = liPage.locator('#queue-list .queue-item.offered').filter({ hasText: '刘洋' });
      await offered.filter({ hasText: '转接自 王芳：客户投诉转账延迟三天，请跟进到账情况' }).waitFor();
      await offered.getByRole('button', { name: '接入' }).click();
      const liPane = openPane(liPage);
      await fromClient(liPane, '转账三天了还没到账，我要投诉').waitFor();
      await liPane.locator('.handoff-card').filter({ hasText: '转接自 王芳' }).waitFor();

      // The supervisor listens in and whispers to 李强; the client never receives it.
      const zhaoPage = await loginConsole('zhao.lei');
      // 顾问状态: every advisor with status and chats served, live.
      const board = zhaoPage.getByRole('list', { name: '顾问状态' });
      const li = board.getByRole('listitem').filter({ hasText: '李强' });
      await li
        .filter({ hasText: '在线' })
        .filter({ hasText: /\b1\/\d+$/ })
        .waitFor();
      await board
        .getByRole('listitem')
        .filter({ hasText: '王芳' })
        .filter({ hasText: /\b0\/\d+$/ })
        .waitFor();
      await zhaoPage
        .locator('#active-list .active-item')
        .filter({ hasText: '刘洋' })
        .filter({ hasText: '李强' })
        .getByRole('button', { name: '静默监听' })
        .click();
      const zhaoPane = openPane(zhaoPage);
      await fromClient(zhaoPane, '我要投诉').waitFor();
      await zhaoPane.getByLabel('悄悄话').fill('先安抚情绪，再查转账流水');
      await zhaoPane.getByLabel('悄悄话').press('Enter');
      await liPane
        .locator('li.taside.whisper')
        .filter({ hasText: '督导悄悄话' })
        .filter({ hasText: '先安抚情绪，再查转账流水' })
        .waitFor();
      await zhaoPane.locator('li.taside.whisper').filter({ hasText: '先安抚情绪，再查转账流水' }).waitFor();
      await shot(liPage, 'routing-whisper');

      // The supervisor takes the chat over: 李强's console drops it, the supervisor answers.
      await zhaoPane.getByRole('button', { name: '接管会话' }).click();
      await zhaoPage.getByRole('dialog').getByRole('button', { name: '确认接管' }).click();
      await liPane.getByText('督导已接管该会话').waitFor();
      await li.filter({ hasText: /\b0\/\d+$/ }).waitFor();
      expect(await liPane.getByLabel('回复客户').count()).toBe(0);
      const reply = openPane(zhaoPage).getByLabel('回复客户');
      await reply.fill('您好，我是督导赵磊，您的转账我来跟进');
      const answered = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.text.includes('我是督导赵磊'));
      await reply.press('Enter');
      await answered;
      await shot(zhaoPage, 'routing-takeover');

      expect(received.some((m) => m.text.includes('先安抚情绪'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});
