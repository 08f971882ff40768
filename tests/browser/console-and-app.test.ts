import { type Browser, type BrowserContext, type Locator, type Page, type WebSocketRoute } from 'playwright-core';
import { collectPageErrors, launchChromium, shot, signInToConsole } from '../support/browser';
import { cleanUp, clientToken, startTestSystem, type TestSystem } from '../support/test-system';

/**
 * The two browser UIs in real headless Chromium against the real system (Redis, FerretDB):
 * the trading app's chat (/app/) and the advisor console (/console/). Everything is asserted
 * as text a person would see, through Playwright's auto-waiting locators.
 */
/** Each test takes 5–15 s alone; the margin is for a busy 2-core machine. */
const TEST_TIMEOUT_MS = 45_000;
/**
 * Bot answers are matched on what any wording of the knowledge base keeps: the trading hours,
 * the App menu for fees, and that the chat is being handed to a person.
 */
const TRADING_HOURS = /9:30\s*[-–~至]\s*11:30/;
const COMMISSION = '费率查询';
const HANDOFF_NOTICE = /转接/;

describe('browser: trading app chat and advisor console', () => {
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

  afterEach(async () => {
    // Each test starts with nobody online: the pages of the last one are closed (and their
    // advisors go offline), which also spares the machine.
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    // No script errors on either page (reported once, for the test that caused them).
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /** A new browser (context) of the given kind, or with `tabOf` another tab of that page's browser. */
  async function newPage(kind: 'mobile' | 'desktop', tabOf?: Page): Promise<Page> {
    let context = tabOf?.context();
    if (!context) {
      context = await browser.newContext(
        kind === 'mobile'
          ? { viewport: { width: 390, height: 760 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' }
          : { viewport: { width: 1280, height: 800 }, locale: 'zh-CN' },
      );
      contexts.push(context);
    }
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    collectPageErrors(page, pageErrors);
    if (process.env.DEBUG_BROWSER) page.on('console', (m) => process.stderr.write(`[${kind}] ${m.type()} ${m.text()}\n`));
    return page;
  }

  interface OpenOptions {
    /** Runs before the page loads (e.g. to watch its WebSocket). */
    beforeLoad?: (page: Page) => Promise<void> | void;
    /** Opens the page as another tab of this page's browser. */
    tabOf?: Page;
  }

  /** Opens the trading app and enters as a demo client picked from the list. */
  async function openApp(customerName: string, options: OpenOptions = {}): Promise<Page> {
    const app = await newPage('mobile', options.tabOf);
    if (options.beforeLoad) await options.beforeLoad(app);
    await app.goto(`${sys.url}/app/`);
    await app.getByRole('heading', { name: '选择演示客户' }).waitFor();
    await app.getByRole('button', { name: /冯雪/ }).waitFor();
    await shot(app, '00-app-picker');
    await app.getByRole('button', { name: new RegExp(customerName) }).click();
    await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
    return app;
  }

  async function say(app: Page, text: string): Promise<void> {
    const input = app.getByLabel('输入消息');
    await input.fill(text);
    await input.press('Enter');
    // The bubble is there at once, and stops being "pending" once the server acknowledged it.
    const bubble = app.locator('li.msg[data-from="client"]').filter({ hasText: text });
    await bubble.waitFor();
    await app.locator('li.msg.is-pending').waitFor({ state: 'detached' });
  }

  function appMessage(app: Page, from: 'bot' | 'advisor' | 'system', text: string | RegExp): Locator {
    return app.locator(`li.msg[data-from="${from}"]`).filter({ hasText: text });
  }

  async function loginConsole(username: string, options: OpenOptions = {}): Promise<Page> {
    const page = await newPage('desktop', options.tabOf);
    if (options.beforeLoad) await options.beforeLoad(page);
    await signInToConsole(page, sys.url, username);
    return page;
  }

  function queueItem(page: Page, customerName: string): Locator {
    return page.locator('#queue-list .queue-item').filter({ hasText: customerName });
  }

  function openPane(page: Page): Locator {
    return page.locator('.chat-pane:not([hidden])');
  }

  function transcriptMessage(pane: Locator, from: 'client' | 'bot' | 'advisor' | 'system', text: string | RegExp): Locator {
    return pane.locator(`li.tmsg[data-from="${from}"]`).filter({ hasText: text });
  }

  /** Waits until the app's service strip says exactly this. */
  async function serviceIs(app: Page, text: string): Promise<void> {
    await app
      .locator('#service-text')
      .filter({ hasText: new RegExp(`^${escapeRegExp(text)}$`) })
      .waitFor();
  }

  function activeItem(page: Page, customerName: string): Locator {
    return page.locator('#active-list .active-item').filter({ hasText: customerName });
  }

  async function clientBubbles(app: Page): Promise<string[]> {
    return app.locator('li.msg[data-from="client"] .bubble').allTextContents();
  }

  /**
   * 结束会话 with a wrap-up category; `unanswered` is the client's last message when the advisor
   * has not answered it (the console warns, and the advisor ends it anyway).
   */
  async function endChat(page: Page, pane: Locator, category: string, unanswered: string | null): Promise<void> {
    await pane.getByRole('button', { name: '结束会话' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: '会话小结分类' });
    await dialog.getByRole('radio', { name: category }).check();
    await dialog.getByRole('button', { name: '确认结束' }).click();
    if (unanswered !== null) {
      const warning = page.getByRole('dialog').filter({ hasText: '还没有回复' }).filter({ hasText: unanswered });
      await warning.getByRole('button', { name: '仍然结束' }).click();
    }
  }

  async function acceptFromQueue(consolePage: Page, customerName: string): Promise<Locator> {
    await queueItem(consolePage, customerName).getByRole('button', { name: '接入' }).click();
    const pane = openPane(consolePage);
    await pane.locator('.chat-customer-name').filter({ hasText: customerName }).waitFor();
    return pane;
  }

  it(
    'carries a chat from the bot to an advisor and back, as both people see it',
    async () => {
      // The advisor logs in through the form; a wrong password is refused with a clear message.
      const consolePage = await newPage('desktop');
      await consolePage.goto(`${sys.url}/console/`);
      await consolePage.getByLabel('用户名').fill('wang.fang');
      await consolePage.getByLabel('密码').fill('wrong-password');
      await consolePage.getByRole('button', { name: '登录' }).click();
      await consolePage.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
      await shot(consolePage, '01-console-login-error');
      await consolePage.getByLabel('密码').fill('demo1234');
      await consolePage.getByRole('button', { name: '登录' }).click();
      await consolePage.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
      await consolePage.locator('.topbar').filter({ hasText: '王芳' }).filter({ hasText: '营业部 SH01' }).waitFor();
      await consolePage.getByText('暂无等待中的客户').waitFor();
      await consolePage.getByRole('button', { name: '退出登录' }).waitFor();

      // The client asks an FAQ question and gets the bot's answer, labelled as the assistant.
      const app = await openApp('刘洋');
      await say(app, '交易时间是几点');
      const faqAnswer = appMessage(app, 'bot', TRADING_HOURS);
      await faqAnswer.waitFor();
      expect(await faqAnswer.locator('.msg-author').textContent()).toBe('智能助手');

      // 转人工: the client is told they are being transferred.
      await say(app, '转人工');
      await appMessage(app, 'bot', HANDOFF_NOTICE).waitFor();
      await shot(app, '02-app-handoff-notice');

      // The advisor sees the chat on the waiting list, offered to them.
      const item = queueItem(consolePage, '刘洋');
      await item.waitFor();
      await item.filter({ hasText: '新会话待接入' }).waitFor();
      const itemText = await item.textContent();
      expect(itemText).toContain('138****1001');
      expect(itemText).toContain('客户要求人工');
      expect(itemText).toContain('优先级：普通');
      expect(itemText).toContain('已等待');
      await shot(consolePage, '03-console-offer');

      // Accepting opens the chat with the whole transcript, bot answers visibly labelled.
      await item.getByRole('button', { name: '接入' }).click();
      const pane = openPane(consolePage);
      await pane.waitFor();
      await pane
        .locator('.handoff-card')
        .filter({ hasText: /客户诉求：.*转人工/ })
        .waitFor();
      // Under each client message, what the bot made of it (the client never sees this).
      await transcriptMessage(pane, 'client', '交易时间是几点')
        .locator('.tinsight')
        .filter({ hasText: /平静.*已自动答复/ })
        .waitFor();
      await transcriptMessage(pane, 'client', '转人工').locator('.tinsight').filter({ hasText: '已转人工' }).waitFor();
      const botInTranscript = transcriptMessage(pane, 'bot', TRADING_HOURS);
      await botInTranscript.waitFor();
      expect(await botInTranscript.locator('.tmsg-author').textContent()).toContain('智能助手');
      await transcriptMessage(pane, 'bot', HANDOFF_NOTICE).waitFor();
      await queueItem(consolePage, '刘洋').waitFor({ state: 'detached' });
      await consolePage.getByRole('tab', { name: /刘洋/ }).waitFor();

      // The client is told an advisor joined.
      const joined = appMessage(app, 'system', '我是顾问王芳');
      await joined.waitFor();
      expect(await joined.locator('.msg-author').textContent()).toBe('系统');

      // The advisor's reply reaches the client, labelled with the advisor's name.
      const reply = pane.getByLabel('回复客户');
      await reply.fill('您好，我是王芳，请问转账遇到了什么问题？');
      await reply.press('Enter');
      await transcriptMessage(pane, 'advisor', '请问转账遇到了什么问题').waitFor();
      await pane.locator('li.tmsg.is-pending').waitFor({ state: 'detached' });
      const advisorReply = appMessage(app, 'advisor', '请问转账遇到了什么问题');
      await advisorReply.waitFor();
      expect(await advisorReply.locator('.msg-author').textContent()).toBe('顾问 王芳');

      // The client's answer reaches the advisor (and the bot stays silent).
      await say(app, '昨天转出的钱还没到账');
      // Read while the advisor serves the client too: the line arrives once the bot has read it.
      await transcriptMessage(pane, 'client', '昨天转出的钱还没到账')
        .locator('.tinsight')
        .filter({ hasText: '转给顾问' })
        .waitFor();
      expect(await app.locator('.tinsight').count()).toBe(0);
      await shot(app, '04-app-with-advisor');
      await shot(consolePage, '05-console-chat');

      // A reload keeps the session and restores the open chat from the server.
      await consolePage.reload();
      await consolePage.locator('#conn-status').filter({ hasText: '已连接' }).waitFor();
      await consolePage.getByRole('tab', { name: /刘洋/ }).waitFor();
      await transcriptMessage(openPane(consolePage), 'client', '昨天转出的钱还没到账').waitFor();
      await transcriptMessage(openPane(consolePage), 'bot', TRADING_HOURS).waitFor();

      // Closing asks for confirmation and a wrap-up category (required); the client's question
      // still open is pointed out before it closes; the client is told the human service ended.
      await openPane(consolePage).getByRole('button', { name: '结束会话' }).click();
      const dialog = consolePage.getByRole('dialog').filter({ hasText: '确定结束与 刘洋 的人工服务吗' });
      await dialog.getByRole('button', { name: '确认结束' }).click();
      await dialog.getByRole('alert').filter({ hasText: '请选择会话小结分类' }).waitFor();
      expect(
        await dialog
          .locator('label')
          .filter({ has: consolePage.getByRole('radio') })
          .allTextContents(),
      ).toEqual(['咨询解答', '业务办理', '投诉处理', '风险提示', '其他']);
      await dialog.getByRole('radio', { name: '业务办理' }).check();
      await dialog.getByLabel('小结备注（选填）').fill('转账未到账，已告知查询路径');
      await shot(consolePage, '06-console-confirm-close');
      await dialog.getByRole('button', { name: '确认结束' }).click();
      const warning = consolePage.getByRole('dialog').filter({ hasText: '客户的最后一条消息还没有回复' });
      await warning.filter({ hasText: '昨天转出的钱还没到账' }).waitFor();
      expect(await openPane(consolePage).getByText('会话已结束').count()).toBe(0);
      await warning.getByRole('button', { name: '仍然结束' }).click();
      await openPane(consolePage).getByText('会话已结束').waitFor();
      const closedHandoff = await sys.services.db.Handoff.findOne({ status: 'closed' }).sort({ closedAt: -1 }).lean();
      expect(closedHandoff?.wrapUp).toMatchObject({
        category: '业务办理',
        note: '转账未到账，已告知查询路径',
        clientUnanswered: true,
      });
      expect(await openPane(consolePage).getByLabel('回复客户').count()).toBe(0);
      await appMessage(app, 'system', '人工服务已结束').waitFor();
      await shot(app, '07-app-closed');

      // Every message shows once on the client's screen, in order.
      const texts = await app.locator('li.msg .bubble').allTextContents();
      expect(texts.map((t) => t.slice(0, 5))).toEqual([
        '交易时间是',
        'A股交易日',
        '转人工',
        '好的，正在',
        '您好，我是',
        '您好，我是',
        '昨天转出的',
        '本次人工服',
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lets a supervisor see another branch’s waiting chat and watch it read-only',
    async () => {
      // A client of SZ01 asks for a person while no SZ01 advisor is online: the chat waits.
      const app = await openApp('何伟');
      await say(app, '我要投诉，转人工');
      await appMessage(app, 'bot', HANDOFF_NOTICE).waitFor();

      const supervisor = await loginConsole('zhao.lei');
      await supervisor
        .locator('.topbar')
        .filter({ hasText: '赵磊' })
        .filter({ hasText: '督导' })
        .filter({ hasText: '全部营业部' })
        .waitFor();
      const item = queueItem(supervisor, '何伟');
      await item.waitFor();
      expect(await item.textContent()).toContain('营业部 SZ01');
      expect(await item.getByRole('button', { name: '接入' }).count()).toBe(0);

      await item.getByRole('button', { name: '静默监听' }).click();
      const pane = openPane(supervisor);
      await pane.getByText('静默监听 · 只读').waitFor();
      await transcriptMessage(pane, 'client', '我要投诉，转人工').waitFor();
      await transcriptMessage(pane, 'bot', HANDOFF_NOTICE).waitFor();
      // Waiting, nobody serves it: nothing to write, not even to an advisor.
      expect(await pane.locator('textarea').count()).toBe(0);
      expect(await pane.getByRole('button', { name: '结束会话' }).count()).toBe(0);

      // What the client writes next shows up live for the supervisor.
      await say(app, '请尽快处理');
      await transcriptMessage(pane, 'client', '请尽快处理').waitFor();
      await shot(supervisor, '08-supervisor-watch');

      // A reload keeps watching.
      await supervisor.reload();
      await supervisor.getByRole('tab', { name: /何伟/ }).filter({ hasText: '监听' }).waitFor();
      await transcriptMessage(openPane(supervisor), 'client', '请尽快处理').waitFor();
      expect(await openPane(supervisor).locator('textarea').count()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps a client message through a lost acknowledgement and a failed one, stored once',
    async () => {
      // A man in the middle on the app's WebSocket: it sees the Socket.IO frames, can drop what
      // the page sends ("42/client,<id>[event, payload]"), rewrite the server's acks
      // ("43/client,<id>[reply]") and cut the connection.
      const link: { pageSide: WebSocketRoute | null } = { pageSide: null };
      let upgraded = signal();
      let dropOutgoing: ((frame: string) => boolean) | null = null;
      let dropIncoming: ((frame: string) => boolean) | null = null;
      let onAck: ((frame: string) => string | null) | null = null;
      const app = await newPage('mobile');
      await app.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer();
        link.pageSide = ws;
        ws.onMessage((frame) => {
          const drop = dropOutgoing;
          if (typeof frame === 'string' && drop && drop(frame)) return;
          server.send(frame);
          // engine.io's "upgrade" packet: from now on this WebSocket carries the traffic.
          if (frame === '5') upgraded.resolve();
        });
        server.onMessage((frame) => {
          const drop = dropIncoming;
          if (typeof frame === 'string' && drop && drop(frame)) return;
          const rewrite = onAck;
          if (typeof frame === 'string' && frame.startsWith('43/client,') && rewrite) {
            const replaced = rewrite(frame);
            if (replaced !== null) ws.send(replaced);
            return;
          }
          ws.send(frame);
        });
      });
      // The real app's way in: a signed session token in the URL fragment (no picker).
      await app.goto(`${sys.url}/app/#token=${encodeURIComponent(clientToken(sys.config, 'C1004', 'SH01'))}`);
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      await app.getByText('客户号 C1004').waitFor();
      expect(app.url()).not.toContain('token=');
      expect(await app.getByRole('button', { name: '切换客户' }).isVisible()).toBe(false);
      await within(upgraded.promise, 'the app to use its WebSocket');

      // 1. The message is lost on the way: it stays pending; after the connection drops and comes
      //    back, the app sends it again with the same clientMessageId.
      const lost = signal();
      let lostClientMessageId = '';
      dropOutgoing = (frame) => {
        if (!frame.startsWith('42/client,') || !frame.includes('佣金是多少')) return false;
        const [, payload] = JSON.parse(frame.slice(frame.indexOf('['))) as [string, { clientMessageId: string }];
        lostClientMessageId = payload.clientMessageId;
        dropOutgoing = null;
        lost.resolve();
        return true;
      };
      const input = app.getByLabel('输入消息');
      await input.fill('佣金是多少');
      await input.press('Enter');
      await within(lost.promise, 'the app to send the message');
      await app.locator('li.msg.is-pending').filter({ hasText: '佣金是多少' }).filter({ hasText: '发送中' }).waitFor();
      await shot(app, '09-app-pending');
      upgraded = signal();
      await link.pageSide?.close();
      await app.locator('li.msg.is-pending').waitFor({ state: 'detached' });
      await appMessage(app, 'bot', COMMISSION).waitFor();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      const stored = await sys.services.db.Message.findOne({ text: '佣金是多少' }).lean();
      expect(stored?.channelMessageId).toBe(`C1004.${lostClientMessageId}`);

      // 2. The server stored the message but its ack says it failed: the app shows why and offers
      //    a retry, which re-sends the same clientMessageId and is acknowledged as a duplicate.
      //    (The server also echoes a stored message to the client's sockets, which would prove it
      //    arrived; that echo is lost here too.)
      await within(upgraded.promise, 'the app to use its WebSocket again');
      dropIncoming = (frame) =>
        frame.startsWith('42/client,["message"') && frame.includes('"from":"client"') && frame.includes('新股怎么申购');
      onAck = (frame) => {
        onAck = null;
        const id = /^43\/client,(\d+)/.exec(frame)?.[1];
        return `43/client,${id}${JSON.stringify([{ ok: false, error: 'unavailable', message: '消息暂未送达，请稍后重试' }])}`;
      };
      await input.fill('新股怎么申购');
      await input.press('Enter');
      const failed = app.locator('li.msg.is-failed').filter({ hasText: '新股怎么申购' });
      await failed.filter({ hasText: '发送失败：消息暂未送达，请稍后重试' }).waitFor();
      await shot(app, '10-app-failed');
      dropIncoming = null;
      await failed.getByRole('button', { name: '重试' }).click();
      await app.locator('li.msg.is-failed').waitFor({ state: 'detached' });
      // (Which IPO entry the bot answers with is the knowledge base's business, not this test's.)
      await appMessage(app, 'bot', /新股/).waitFor();

      // Each message is on the screen once, and stored once.
      const bubbles = await app.locator('li.msg[data-from="client"] .bubble').allTextContents();
      expect(bubbles).toEqual(['佣金是多少', '新股怎么申购']);
      const db = sys.services.db;
      expect(await db.Message.countDocuments({ text: '佣金是多少' })).toBe(1);
      expect(await db.Message.countDocuments({ text: '新股怎么申购' })).toBe(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'tells the client who is serving them: the assistant, the queue, then the advisor by name',
    async () => {
      const consolePage = await loginConsole('wang.fang');
      const app = await openApp('郑浩');
      await serviceIs(app, '智能助手为您服务');
      expect(await app.locator('#service').getAttribute('data-state')).toBe('bot');

      await say(app, '转人工');
      await appMessage(app, 'bot', HANDOFF_NOTICE).waitFor();
      await serviceIs(app, '正在为您转接人工，请稍候（排队中）');
      await shot(app, '11-app-status-queued');

      const pane = await acceptFromQueue(consolePage, '郑浩');
      await serviceIs(app, '顾问 王芳 为您服务');
      await appMessage(app, 'system', '我是顾问王芳').waitFor();
      await shot(app, '12-app-status-advisor');

      // A fresh screen knows it too: `history` carries the state, the name comes from the transcript.
      await app.reload();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      await appMessage(app, 'system', '我是顾问王芳').waitFor();
      await serviceIs(app, '顾问 王芳 为您服务');

      // The advisor ends the service: the assistant is back.
      await endChat(consolePage, pane, '咨询解答', '转人工');
      await serviceIs(app, '智能助手为您服务');
      await appMessage(app, 'system', '人工服务已结束').waitFor();
      await shot(app, '13-app-status-bot-again');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows what a client writes in one tab once in each of their tabs',
    async () => {
      let frames!: FrameLog;
      const first = await openApp('冯雪', { beforeLoad: (page) => void (frames = recordFrames(page)) });
      await within(frames.upgraded, 'the first tab to use its WebSocket');
      const second = await openApp('冯雪', { tabOf: first });
      await serviceIs(second, '智能助手为您服务');

      // Written in the first tab: the second shows it (and the answer) as it happens.
      await say(first, '交易时间是几点');
      await second.locator('li.msg[data-from="client"]').filter({ hasText: '交易时间是几点' }).waitFor();
      await appMessage(second, 'bot', TRADING_HOURS).waitFor();
      await appMessage(first, 'bot', TRADING_HOURS).waitFor();
      // The first tab got the broadcast of its own message too, and still shows it once.
      await frames.seen(
        (f) => f.startsWith('42/client,["message"') && f.includes('"from":"client"') && f.includes('交易时间是几点'),
        'the echo of the first tab’s message',
      );

      // And the other way round.
      await say(second, '佣金是多少');
      await first.locator('li.msg[data-from="client"]').filter({ hasText: '佣金是多少' }).waitFor();
      await appMessage(first, 'bot', COMMISSION).waitFor();
      await appMessage(second, 'bot', COMMISSION).waitFor();

      expect(await clientBubbles(first)).toEqual(['交易时间是几点', '佣金是多少']);
      expect(await clientBubbles(second)).toEqual(['交易时间是几点', '佣金是多少']);
      expect(await first.locator('li.msg.is-pending, li.msg.is-failed').count()).toBe(0);
      await shot(second, '14-app-second-tab');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'opens a chat in every console tab of the advisor who accepted it',
    async () => {
      const tab1 = await loginConsole('li.qiang');
      const tab2 = await loginConsole('li.qiang', { tabOf: tab1 });
      const app = await openApp('孙丽');
      await say(app, '转人工');
      await queueItem(tab2, '孙丽').waitFor();

      const pane1 = await acceptFromQueue(tab1, '孙丽');
      // The other tab opens the chat by itself, with the transcript, and drops it from its queue.
      await tab2.getByRole('tab', { name: /孙丽/ }).waitFor();
      const pane2 = openPane(tab2);
      await transcriptMessage(pane2, 'client', '转人工').waitFor();
      await transcriptMessage(pane2, 'system', '我是顾问李强').waitFor();
      await queueItem(tab2, '孙丽').waitFor({ state: 'detached' });
      await activeItem(tab2, '孙丽').filter({ hasText: '我的会话' }).waitFor();

      // Both tabs follow the chat live, and either can answer.
      await say(app, '我的委托一直没成交');
      await transcriptMessage(pane1, 'client', '我的委托一直没成交').waitFor();
      await transcriptMessage(pane2, 'client', '我的委托一直没成交').waitFor();
      const reply = pane2.getByLabel('回复客户');
      await reply.fill('我帮您查一下委托状态');
      await reply.press('Enter');
      await appMessage(app, 'advisor', '我帮您查一下委托状态').waitFor();
      await transcriptMessage(pane1, 'advisor', '我帮您查一下委托状态').waitFor();
      await shot(tab2, '15-console-second-tab');

      // One tab per chat in each.
      expect(await tab1.getByRole('tab', { name: /孙丽/ }).count()).toBe(1);
      expect(await tab2.getByRole('tab', { name: /孙丽/ }).count()).toBe(1);
      expect(await pane2.locator('li.tmsg[data-from="client"]').filter({ hasText: '我的委托一直没成交' }).count()).toBe(1);

      // Ended in one tab, the other shows it ended.
      await endChat(tab1, pane1, '咨询解答', null);
      await pane2.getByText('会话已结束').waitFor();
      expect(await pane2.getByLabel('回复客户').count()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'lets a supervisor find a chat in progress, listen silently, and stop listening',
    async () => {
      let frames!: FrameLog;
      const supervisor = await loginConsole('zhao.lei', { beforeLoad: (page) => void (frames = recordFrames(page)) });
      await within(frames.upgraded, 'the console to use its WebSocket');
      await supervisor.getByRole('heading', { name: '进行中的会话' }).waitFor();
      const advisor = await loginConsole('wang.fang');
      const app = await openApp('周建国');
      await say(app, '转人工');
      await queueItem(supervisor, '周建国').waitFor();

      // Accepted: it leaves the waiting list and shows up as in progress, with who serves it.
      const advisorPane = await acceptFromQueue(advisor, '周建国');
      const item = activeItem(supervisor, '周建国');
      await item.filter({ hasText: '王芳' }).waitFor();
      await queueItem(supervisor, '周建国').waitFor({ state: 'detached' });
      expect(await item.textContent()).toContain('营业部 SH01');

      await item.getByRole('button', { name: '静默监听' }).click();
      const pane = openPane(supervisor);
      await pane.getByText('静默监听 · 只读').waitFor();
      await pane.locator('.chat-customer-meta').filter({ hasText: '顾问 王芳 服务中' }).waitFor();
      await transcriptMessage(pane, 'client', '转人工').waitFor();
      await transcriptMessage(pane, 'system', '我是顾问王芳').waitFor();
      // No reply box: only a whisper to the advisor serving the chat.
      expect(await pane.getByLabel('回复客户').count()).toBe(0);
      await pane.getByLabel('悄悄话').waitFor();
      await item.filter({ hasText: '监听中' }).waitFor();

      await say(app, '账户显示异常');
      await transcriptMessage(pane, 'client', '账户显示异常').waitFor();
      const reply = advisorPane.getByLabel('回复客户');
      await reply.fill('您好，请问是哪一项显示异常？');
      await reply.press('Enter');
      await transcriptMessage(pane, 'advisor', '请问是哪一项显示异常').waitFor();
      await shot(supervisor, '16-supervisor-active-watch');

      // Closing the tab stops the chat's live messages on this console (chat:unwatch answered).
      const unwatched = frames.ackOf('chat:unwatch');
      await pane.getByRole('button', { name: '关闭' }).click();
      await supervisor.getByRole('tab', { name: /周建国/ }).waitFor({ state: 'detached' });
      await within(unwatched, 'chat:unwatch to be answered');
      await item.filter({ hasText: '静默监听' }).waitFor();

      await say(app, '还有一个问题');
      await transcriptMessage(advisorPane, 'client', '还有一个问题').waitFor();
      expect(frames.received().filter((f) => f.includes('还有一个问题'))).toEqual([]);
      expect(await supervisor.getByText('还有一个问题').count()).toBe(0);
      await supervisor.getByText('暂无打开的会话').waitFor();
      await shot(supervisor, '17-supervisor-after-close');
    },
    TEST_TIMEOUT_MS,
  );
});

interface Signal {
  promise: Promise<void>;
  resolve(): void;
}

function signal(): Signal {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Socket.IO frames of a page's WebSockets, as text. */
interface FrameLog {
  /** Resolves once engine.io moved to the WebSocket ("5", upgrade): frames seen here are all of them. */
  upgraded: Promise<void>;
  received(): string[];
  /** Resolves when a frame (sent or received) matches; at once if one already did. */
  seen(match: (frame: string) => boolean, what: string): Promise<void>;
  /** Resolves when the server acknowledges the page's next request of this event. */
  ackOf(event: string): Promise<void>;
}

function recordFrames(page: Page): FrameLog {
  const log: { sent: boolean; frame: string }[] = [];
  const waiters: { match: (frame: string, sent: boolean) => boolean; done: () => void }[] = [];
  const upgraded = signal();
  page.on('websocket', (ws) => {
    const onFrame = (sent: boolean) => (data: { payload: string | Buffer }) => {
      if (typeof data.payload !== 'string') return;
      const frame = data.payload;
      if (sent && frame === '5') upgraded.resolve();
      log.push({ sent, frame });
      for (const w of [...waiters]) {
        if (w.match(frame, sent)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done();
        }
      }
    };
    ws.on('framesent', onFrame(true));
    ws.on('framereceived', onFrame(false));
  });
  const waitFor = (match: (frame: string, sent: boolean) => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (log.some((r) => match(r.frame, r.sent))) resolve();
      else waiters.push({ match, done: resolve });
    });
  return {
    upgraded: upgraded.promise,
    received: () => log.filter((r) => !r.sent).map((r) => r.frame),
    seen: (match, what) =>
      within(
        waitFor((frame) => match(frame)),
        what,
      ),
    ackOf(event) {
      // "42/advisor,<id>[event, …]" out, then "43/advisor,<id>[reply]" back.
      let id: string | null = null;
      return new Promise((resolve) => {
        const match = (frame: string, sent: boolean): boolean => {
          if (sent && id === null) {
            const m = /^42\/[a-z]+,(\d+)\["([^"]+)"/.exec(frame);
            if (m && m[2] === event) id = m[1]!;
            return false;
          }
          return !sent && id !== null && new RegExp(`^43/[a-z]+,${id}\\[`).test(frame);
        };
        waiters.push({ match, done: resolve });
      });
    },
  };
}

/** Waits for a signal from the page's traffic, failing with a clear message instead of the test timeout. */
async function within(promise: Promise<void>, what: string, ms = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
