import { randomBytes } from 'node:crypto';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { collectPageErrors, launchChromium, shot, signInToConsole } from '../support/browser';
import { io, type Socket } from 'socket.io-client';
import { newEncodingAESKey } from '@brokerbot/channels/src/simulators/demo';
import { HOUR, MiniProgramSimulator, type WecomKfSimulator } from '@brokerbot/channels/src/simulators';
import { OpenAiSimulator } from '../support/openai-simulator';
import { cleanUp, clientToken, startTestSystem, testEnv, type TestSystem } from '../support/test-system';
import { KF, settled, startWecomSim, waitFor, wecomCredentials, wecomEnv } from '../e2e/wecom-harness';

/**
 * What the WeCom 微信客服 and mini-program channels report, as an advisor sees it in the console
 * (real headless Chromium): the channel and its send budget in the chat header, the reply box
 * locked while nothing may be sent, failed deliveries, recalls, WeCom session moves, clarifying
 * menus and files; plus the writing help (hand-over summary, suggested replies) and the typing
 * indicator the client sees. One real system (Redis, FerretDB) with both channels pointed at
 * their loopback simulators, and an OpenAI-compatible loopback simulator for the LLM.
 */
const TEST_TIMEOUT_MS = 90_000;
const ZONE = 'Asia/Shanghai';

const LLM_SUMMARY = '1. 客户诉求：咨询转账到账时间\n2. 智能助手已答复：转人工提示\n3. 客户情绪：平静';
const LLM_REPLIES = [
  '您好，我是您的专属顾问，请问有什么可以帮您？',
  '请您稍等，我马上为您核实。',
  '如还有其他问题，欢迎随时联系我。',
];

describe('browser: channel facts, delivery, recalls and writing help in the advisor console', () => {
  let sys: TestSystem;
  let wecom: WecomKfSimulator;
  let mp: MiniProgramSimulator;
  let llm: OpenAiSimulator;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const creds = wecomCredentials();
    const mpCreds = { appId: `wx${randomBytes(8).toString('hex')}`, secret: randomBytes(16).toString('hex') };
    const mpToken = randomBytes(8).toString('hex');
    const mpAesKey = newEncodingAESKey();
    [wecom, mp, llm, browser] = await Promise.all([
      startWecomSim(creds),
      MiniProgramSimulator.start({
        appId: mpCreds.appId,
        appSecret: mpCreds.secret,
        push: { token: mpToken, encodingAESKey: mpAesKey, mode: 'safe', format: 'json' },
      }),
      new OpenAiSimulator().start(),
      launchChromium(),
    ]);
    llm.reply = llmReply;
    sys = await startTestSystem(
      testEnv({
        ...wecomEnv(creds, wecom.url),
        MINIPROGRAM_APPID: mpCreds.appId,
        MINIPROGRAM_SECRET: mpCreds.secret,
        MINIPROGRAM_TOKEN: mpToken,
        MINIPROGRAM_AES_KEY: mpAesKey,
        MINIPROGRAM_API_BASE: mp.url,
        OPENAI_BASE_URL: llm.baseURL,
        OPENAI_API_KEY: llm.apiKey,
        OPENAI_MODEL: 'sim-model',
      }),
    );
    wecom.setCallbackUrl(`${sys.url}/channels/wecom/callback`);
    mp.setPushUrl(`${sys.url}/channels/miniprogram/callback`);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()));
    sockets.forEach((s) => s.disconnect());
    await browser?.close();
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
    await Promise.allSettled([wecom?.stop(), mp?.stop(), llm?.stop()]);
  });

  afterEach(async () => {
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    llm.mode = 'ok';
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /** The LLM simulator answers the assist prompts; anything else (grounded FAQ answers) falls back to the rules. */
  function llmReply(req: { messages: { role: string; content: string }[] }): string {
    const system = req.messages[0]?.content ?? '';
    if (system.includes('交接摘要')) return LLM_SUMMARY;
    if (system.includes('回复建议')) return LLM_REPLIES.map((r) => `- ${r}`).join('\n');
    return '无法回答';
  }

  /** `beforeLoad` runs before the page loads (e.g. to watch its WebSocket). */
  async function loginConsole(username: string, beforeLoad?: (page: Page) => void): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: ZONE });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    collectPageErrors(page, pageErrors);
    if (process.env.DEBUG_BROWSER) page.on('console', (m) => process.stderr.write(`[console] ${m.type()} ${m.text()}\n`));
    beforeLoad?.(page);
    await signInToConsole(page, sys.url, username);
    return page;
  }

  function openPane(page: Page): Locator {
    return page.locator('.chat-pane:not([hidden])');
  }

  function transcriptMessage(pane: Locator, from: 'client' | 'bot' | 'advisor' | 'system', text: string | RegExp): Locator {
    return pane.locator(`li.tmsg[data-from="${from}"]`).filter({ hasText: text });
  }

  async function acceptFromQueue(page: Page, customerName: string): Promise<Locator> {
    await page.locator('#queue-list .queue-item').filter({ hasText: customerName }).getByRole('button', { name: '接入' }).click();
    const pane = openPane(page);
    await pane.locator('.chat-customer-name').filter({ hasText: customerName }).waitFor();
    return pane;
  }

  /** A WeCom client known as one of the demo customers (so the chat reaches that branch's advisors). */
  async function wecomClient(customerId: string): Promise<string> {
    const user = `wm${randomBytes(15).toString('hex')}`;
    await sys.services.db.Customer.updateOne(
      { _id: customerId },
      { $push: { identities: { channel: 'wecom', externalId: user } } },
    );
    return user;
  }

  /** The WeCom client asks for a person; the advisor takes the chat once the bot's notice went out. */
  async function escalatedWecomChat(
    page: Page,
    customerId: string,
    customerName: string,
  ): Promise<{ user: string; pane: Locator; sentAt: number }> {
    const user = await wecomClient(customerId);
    const said = await wecom.simulateClientMessage({ externalUserId: user, text: '我要转人工' });
    await waitFor(() => wecom.sent.some((s) => s.touser === user), 'the bot’s hand-over notice');
    const pane = await acceptFromQueue(page, customerName);
    await transcriptMessage(pane, 'client', '我要转人工').waitFor();
    await settled(sys);
    return { user, pane, sentAt: said.message.send_time };
  }

  /** The header's "剩余可发 N/L 条", read as numbers. */
  async function budgetOf(pane: Locator): Promise<{ remaining: number; limit: number }> {
    const text = await pane
      .locator('.chat-head')
      .getByText(/剩余可发 \d+\/\d+ 条/)
      .textContent();
    const [, remaining, limit] = /剩余可发 (\d+)\/(\d+) 条/.exec(text ?? '')!;
    return { remaining: Number(remaining), limit: Number(limit) };
  }

  async function budgetShows(pane: Locator, remaining: number, limit: number): Promise<void> {
    await pane.locator('.chat-head').getByText(`剩余可发 ${remaining}/${limit} 条`, { exact: true }).waitFor();
  }

  async function reply(pane: Locator, text: string): Promise<void> {
    const input = pane.getByLabel('回复客户');
    await input.fill(text);
    await input.press('Enter');
    await transcriptMessage(pane, 'advisor', text).waitFor();
    await pane.locator('li.tmsg.is-pending').waitFor({ state: 'detached' });
  }

  it(
    'shows a WeCom chat’s send budget counting down, locks the reply box at 0 and opens it when the client writes again',
    async () => {
      const page = await loginConsole('wang.fang');
      const { user, pane, sentAt } = await escalatedWecomChat(page, 'C1003', '周建国');

      // The header names the channel, what may still be sent and until when (48 h after the client's message).
      const head = pane.locator('.chat-head');
      await head.getByText('企业微信客服', { exact: true }).waitFor();
      await head.getByText(`可发送至 ${minuteIn(ZONE, sentAt * 1000 + 48 * HOUR)}`, { exact: true }).waitFor();
      // What went out so far (the bot's hand-over notice, the advisor's greeting) has been counted.
      const sentBefore = wecom.sent.filter((s) => s.touser === user).length;
      expect(sentBefore).toBeGreaterThanOrEqual(1);
      let remaining = 5 - sentBefore;
      expect(remaining).toBeGreaterThanOrEqual(1);
      await budgetShows(pane, remaining, 5);
      await shot(page, 'channels-01-wecom-budget');

      // Each reply the advisor sends counts, down to 0.
      while (remaining > 0) {
        await reply(pane, `第 ${remaining} 条回复`);
        remaining -= 1;
        await budgetShows(pane, remaining, 5);
      }
      expect(wecom.sent.filter((s) => s.touser === user).length).toBe(5);

      // At 0 the reply box is locked, and the advisor is told why and what to wait for.
      const input = pane.getByLabel('回复客户');
      expect(await input.isDisabled()).toBe(true);
      expect(await pane.getByRole('button', { name: '发送' }).isDisabled()).toBe(true);
      const warning = pane.getByRole('alert').filter({ hasText: '暂不能发送' });
      await warning.filter({ hasText: '已发满 5 条' }).filter({ hasText: '请等待客户再次发消息' }).waitFor();
      await shot(page, 'channels-02-wecom-budget-used-up');

      // The client writes again: five more, the box opens, the window runs 48 h from this message.
      const again = await wecom.simulateClientMessage({ externalUserId: user, text: '好的，我再补充一下' });
      await transcriptMessage(pane, 'client', '好的，我再补充一下').waitFor();
      await budgetShows(pane, 5, 5);
      await head.getByText(`可发送至 ${minuteIn(ZONE, again.message.send_time * 1000 + 48 * HOUR)}`, { exact: true }).waitFor();
      await warning.waitFor({ state: 'hidden' });
      expect(await input.isDisabled()).toBe(false);
      await reply(pane, '收到，请讲');
      await budgetShows(pane, 4, 5);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'marks a WeCom session move, a message WeCom refused (toast and bubble), and a recalled message — also after a reload',
    async () => {
      const page = await loginConsole('wang.fang');
      const { user, pane } = await escalatedWecomChat(page, 'C1005', '郑浩');

      // A servicer takes the session in the WeCom app: the chat says so.
      wecom.setSession(KF, user, 3, 'zhangsan');
      await wecom.simulateEvent(KF, {
        event_type: 'session_status_change',
        open_kfid: KF,
        external_userid: user,
        change_type: 1,
        new_servicer_userid: 'zhangsan',
      });
      const notice = pane.locator('li.tnotice').filter({ hasText: '企业微信：接待人员 zhangsan 已从接待池接入该会话' });
      await notice.waitFor();

      // WeCom now refuses what the advisor sends through the API (95018): a toast, and the bubble says why.
      const input = pane.getByLabel('回复客户');
      await input.fill('请问还需要什么帮助？');
      await input.press('Enter');
      await page
        .getByRole('alert')
        .filter({ hasText: '发给 郑浩 的消息未送达' })
        .filter({ hasText: '不在可由接口发送的状态' })
        .waitFor();
      const failed = pane.locator('li.tmsg.is-failed').filter({ hasText: '请问还需要什么帮助？' });
      await failed.filter({ hasText: /发送失败：该会话当前不在可由接口发送的状态/ }).waitFor();
      await shot(page, 'channels-03-session-notice-and-failure');

      // The client recalls a message: it stays readable, marked.
      const said = await wecom.simulateClientMessage({ externalUserId: user, text: '我的身份证号是 310101199001011234' });
      const recalledBubble = transcriptMessage(pane, 'client', '我的身份证号是');
      await recalledBubble.waitFor();
      await settled(sys);
      expect(await recalledBubble.getByText('客户已撤回').count()).toBe(0);
      await wecom.simulateEvent(KF, {
        event_type: 'user_recall_msg',
        open_kfid: KF,
        external_userid: user,
        recall_msgid: said.message.msgid,
      });
      await recalledBubble.getByText('客户已撤回').waitFor();
      expect(await recalledBubble.locator('.tbubble').textContent()).toBe('我的身份证号是 310101199001011234');
      await shot(page, 'channels-04-recalled');

      // Loaded from history, the failure and the recall show the same way.
      await settled(sys);
      await page.reload();
      await page.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
      const reloaded = openPane(page);
      await reloaded
        .locator('li.tmsg.is-failed')
        .filter({ hasText: '请问还需要什么帮助？' })
        .filter({ hasText: /发送失败：该会话当前不在可由接口发送的状态/ })
        .waitFor();
      await transcriptMessage(reloaded, 'client', '我的身份证号是').getByText('客户已撤回').waitFor();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a client’s picture as a thumbnail that opens full size, a file as a download, and says when a file cannot be fetched',
    async () => {
      const page = await loginConsole('wang.fang');
      const { user, pane } = await escalatedWecomChat(page, 'C1004', '吴婷');

      // A picture (a real PNG) arrives live: fetched with the advisor's token, shown as a thumbnail.
      await wecom.simulateClientMedia({ externalUserId: user, kind: 'image' });
      const picture = transcriptMessage(pane, 'client', '[图片]');
      const thumb = picture.getByRole('button', { name: '查看原图' });
      await thumb.waitFor();
      await waitFor(
        () => thumb.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
        'the thumbnail to load',
      );
      await thumb.click();
      const viewer = page.getByRole('dialog', { name: '查看图片' });
      await viewer.waitFor();
      expect(
        await viewer.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await shot(page, 'channels-05-media-viewer');
      await viewer.getByRole('button', { name: '关闭' }).click();
      await viewer.waitFor({ state: 'hidden' });

      // A document: a download link.
      await wecom.simulateClientMedia({ externalUserId: user, kind: 'file' });
      const download = transcriptMessage(pane, 'client', '[文件]').getByRole('link', { name: /^下载文件：/ });
      await download.waitFor();
      expect(await download.getAttribute('href')).toMatch(/^blob:/);
      // WeCom's message carries no file name: the console takes it from the download's Content-Disposition.
      await waitFor(async () => (await download.getAttribute('download')) === '开户资料清单.txt', 'the file name');

      // A file the server cannot provide (here: a message whose file was never kept, as after
      // Tencent's 3 days): the advisor is told, after a reload too, instead of a broken picture.
      const said = await wecom.simulateClientMessage({ externalUserId: user, text: '图片发不过去' });
      await transcriptMessage(pane, 'client', '图片发不过去').waitFor();
      await settled(sys);
      await sys.services.db.Message.updateOne(
        { channel: 'wecom', channelMessageId: said.message.msgid },
        { $set: { 'meta.media': { kind: 'image', name: null } } },
      );
      await page.reload();
      await page.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
      const gone = transcriptMessage(openPane(page), 'client', '图片发不过去');
      await gone.getByText('文件已过期或无法获取').waitFor();
      expect(await gone.getByRole('img').count()).toBe(0);
      await transcriptMessage(openPane(page), 'client', '[图片]').getByRole('button', { name: '查看原图' }).waitFor();
      await shot(page, 'channels-05-media');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'writes a hand-over summary and suggested replies on request; a chip goes into the reply box, never to the client',
    async () => {
      const page = await loginConsole('li.qiang');
      const { user, pane } = await escalatedWecomChat(page, 'C1002', '孙丽');
      // The summary the handoff carried stays where it was.
      await pane.locator('.handoff-card').filter({ hasText: '转人工摘要' }).waitFor();

      // Summary by the LLM (slow enough to see that it is being written).
      llm.mode = 'slow';
      llm.slowMs = 1_500;
      const assist = pane.getByRole('region', { name: '智能辅助' });
      await assist.getByRole('button', { name: '交接摘要', exact: true }).click();
      await assist.getByRole('status').filter({ hasText: '正在生成交接摘要…' }).waitFor();
      // The written summary takes the handoff card's place: one summary on screen.
      const summary = pane.locator('.handoff-card').filter({ hasText: '客户诉求：咨询转账到账时间' });
      await summary.filter({ hasText: '交接摘要' }).waitFor();
      await summary.getByText('AI 生成', { exact: true }).waitFor();
      expect(await pane.getByText('转人工摘要').count()).toBe(0);
      expect(await assist.getByRole('status').count()).toBe(0);

      // Three suggestions by the LLM; clicking one puts it in the reply box for editing.
      llm.mode = 'ok';
      await assist.getByRole('button', { name: '建议回复', exact: true }).click();
      const chips = assist.locator('.reply-chips').getByRole('button');
      await chips.first().waitFor();
      expect(await chips.allTextContents()).toEqual(LLM_REPLIES);
      await assist.locator('.assist-block').filter({ hasText: '建议回复' }).getByText('AI 生成', { exact: true }).waitFor();
      await chips.nth(1).click();
      await expect(pane.getByLabel('回复客户').inputValue()).resolves.toBe(LLM_REPLIES[1]);
      await shot(page, 'channels-06-assist');

      // The LLM fails: the rules answer, labelled so.
      llm.mode = 'http500';
      await assist.getByRole('button', { name: '建议回复', exact: true }).click();
      await assist.locator('.assist-block').filter({ hasText: '建议回复' }).getByText('规则生成', { exact: true }).waitFor();
      const ruleChips = await chips.allTextContents();
      expect(ruleChips.length).toBeGreaterThan(0);
      expect(ruleChips.length).toBeLessThanOrEqual(3);
      expect(ruleChips).not.toEqual(LLM_REPLIES);

      // Nothing was sent: the suggestion waits in the reply box.
      await settled(sys);
      expect(await pane.locator('li.tmsg[data-from="advisor"]').count()).toBe(0);
      expect(await sys.services.db.Message.countDocuments({ 'author.kind': 'advisor', text: LLM_REPLIES[1] })).toBe(0);
      expect(wecom.sent.filter((s) => s.touser === user).some((s) => JSON.stringify(s.body).includes(LLM_REPLIES[1]!))).toBe(
        false,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows a mini-program chat’s larger budget after the client entered, and the client sees the advisor typing',
    async () => {
      const openId = `o${randomBytes(14).toString('hex')}`;
      await sys.services.db.Customer.updateOne(
        { _id: 'C2001' },
        { $push: { identities: { channel: 'miniprogram', externalId: openId } } },
      );
      let typingFrames: { typing: boolean }[] = [];
      const page = await loginConsole('zhang.min', (p) => (typingFrames = recordTypingFrames(p)));
      await mp.simulateEnterSession({ openId });
      await waitFor(() => mp.sent.some((s) => s.touser === openId), 'the welcome');
      await mp.simulateClientMessage({ openId, text: '转人工' });
      await waitFor(() => mp.sent.filter((s) => s.touser === openId).length >= 2, 'the bot’s hand-over notice');
      const pane = await acceptFromQueue(page, '何伟');
      await settled(sys);

      // Within a minute of entering, the client may receive 2 more than the usual 5.
      await pane.locator('.chat-head').getByText('小程序', { exact: true }).waitFor();
      const { limit } = await budgetOf(pane);
      expect(limit).toBe(7);

      // Typing shows "对方正在输入" to the client once, however many keys are pressed within 5 s …
      const since = Date.now();
      const input = pane.getByLabel('回复客户');
      await input.click();
      await input.pressSequentially('您好，我是', { delay: 30 });
      await waitFor(() => mp.typing.some((c) => c.touser === openId && c.at >= since && c.command === 'Typing'), 'Typing');
      expect(typingFrames.filter((f) => f.typing)).toHaveLength(1);
      // … and stops when the box loses the focus.
      await pane.locator('.transcript').click();
      await waitFor(
        () => mp.typing.some((c) => c.touser === openId && c.at >= since && c.command === 'CancelTyping'),
        'CancelTyping',
      );
      expect(typingFrames.map((f) => f.typing)).toEqual([true, false]);

      // Typing again and sending: stopped with the send.
      await input.pressSequentially('张敏', { delay: 30 });
      await input.press('Enter');
      await transcriptMessage(pane, 'advisor', '您好，我是张敏').waitFor();
      await waitFor(() => typingFrames.length === 4, 'typing true then false around the send');
      expect(typingFrames.map((f) => f.typing)).toEqual([true, false, true, false]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows the trading app as the channel, with no send limit, and a bot’s clarifying menu under its message',
    async () => {
      const page = await loginConsole('wang.fang');
      const client = io(`${sys.url}/client`, {
        auth: { token: clientToken(sys.config, 'C1001', 'SH01') },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.push(client);
      await new Promise<void>((resolve) => client.once('history', () => resolve()));
      // An ambiguous question: the bot offers a menu of the questions it could mean.
      await client.timeout(10_000).emitWithAck('message', { clientMessageId: 'menu1', text: '开户' });
      const conversation = await waitFor(
        () => sys.services.db.Conversation.findOne({ channel: 'app', externalUserId: 'C1001' }).lean(),
        'the conversation',
      );
      const withMenu = await waitFor(
        () =>
          sys.services.db.Message.findOne({
            conversationId: conversation._id.toString(),
            'author.kind': 'bot',
            'meta.menu.0': { $exists: true },
          }).lean(),
        'the bot’s menu',
      );
      await client.timeout(10_000).emitWithAck('message', { clientMessageId: 'menu2', text: '转人工' });
      const pane = await acceptFromQueue(page, '刘洋');

      await pane.locator('.chat-head').getByText('App', { exact: true }).waitFor();
      expect(
        await pane
          .locator('.chat-head')
          .getByText(/剩余可发/)
          .count(),
      ).toBe(0);
      expect(await pane.getByLabel('回复客户').isDisabled()).toBe(false);

      // The client was offered choices: the advisor sees them under the bot's message.
      const labels = (withMenu.meta as { menu: { label: string }[] }).menu.map((c) => c.label);
      expect(labels.length).toBeGreaterThan(1);
      const menu = transcriptMessage(pane, 'bot', '您想问的是以下哪个问题').locator('.tmenu');
      await menu.getByText('客户可点选：').waitFor();
      expect(await menu.locator('li').allTextContents()).toEqual(labels);
      await shot(page, 'channels-07-app-menu');
    },
    TEST_TIMEOUT_MS,
  );
});

/** "11-27 14:05" in a time zone, as the console shows a send window's end. */
function minuteIn(timeZone: string, ms: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The chat:typing requests a page sends, in order. */
function recordTypingFrames(page: Page): { typing: boolean }[] {
  const frames: { typing: boolean }[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      if (typeof payload !== 'string') return;
      const m = /^42\/advisor,\d*(\[.*)$/s.exec(payload);
      if (!m) return;
      const [event, body] = JSON.parse(m[1]!) as [string, { typing: boolean }];
      if (event === 'chat:typing') frames.push({ typing: body.typing });
    });
  });
  return frames;
}
