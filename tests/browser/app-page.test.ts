import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page, type WebSocketRoute } from 'playwright-core';
import { collectPageErrors, launchChromium, shot } from '../support/browser';
import type { Socket } from 'socket.io-client';
import { DEFAULT_KB_DIR } from '@brokerbot/flows';
import { OpenAiSimulator, type ChatRequest } from '../support/openai-simulator';
import {
  cleanUp,
  connect,
  emitAck,
  loginAdvisor,
  nextEvent,
  startTestSystem,
  testEnv,
  type TestSystem,
} from '../support/test-system';

/**
 * The trading app's chat page in real headless Chromium against the real system: tappable
 * clarifying menus, the advisor's typing indicator, and LLM answers that grow in one bubble.
 */
const TEST_TIMEOUT_MS = 45_000;
/** The LLM's streamed answer is passed on piece by piece this far apart, slow enough to watch it grow. */
const PIECE_GAP_MS = 250;

describe('browser: the trading app page', () => {
  let sys: TestSystem;
  let llmSys: TestSystem;
  const llm = new OpenAiSimulator();
  let paced: Server;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await llm.start();
    paced = await pacedProxy(new URL(llm.baseURL).origin, PIECE_GAP_MS);
    const llmEnv = testEnv({
      OPENAI_BASE_URL: `http://127.0.0.1:${(paced.address() as AddressInfo).port}/v1`,
      OPENAI_API_KEY: llm.apiKey,
      OPENAI_MODEL: 'qwen-sim',
      LLM_TIMEOUT_MS: '15000',
    });
    [sys, llmSys, browser] = await Promise.all([startTestSystem(), startTestSystem(llmEnv), launchChromium()]);
  }, 60_000);

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await Promise.allSettled(contexts.map((c) => c.close()));
    await browser?.close();
    for (const s of [sys, llmSys]) {
      if (!s) continue;
      await s.stop();
      await cleanUp(s.config);
    }
    paced?.closeAllConnections();
    await new Promise<void>((resolve) => (paced ? paced.close(() => resolve()) : resolve()));
    await llm.stop();
  });

  afterEach(async () => {
    await Promise.allSettled(contexts.splice(0).map((c) => c.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /** Opens the app on a phone-sized screen and enters as a demo client picked from the list. */
  async function openApp(system: TestSystem, customerName: string, beforeLoad?: (page: Page) => Promise<void>): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 390, height: 760 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
    });
    contexts.push(context);
    const app = await context.newPage();
    app.setDefaultTimeout(15_000);
    collectPageErrors(app, pageErrors);
    if (beforeLoad) await beforeLoad(app);
    await app.goto(`${system.url}/app/`);
    await app.getByRole('button', { name: new RegExp(customerName) }).click();
    await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
    return app;
  }

  async function say(app: Page, text: string): Promise<void> {
    const input = app.getByLabel('输入消息');
    await input.fill(text);
    await input.press('Enter');
    await app.locator('li.msg[data-from="client"]').filter({ hasText: text }).last().waitFor();
    await app.locator('li.msg.is-pending').waitFor({ state: 'detached' });
  }

  function appMessage(app: Page, from: 'client' | 'bot' | 'advisor' | 'system', text: string | RegExp): Locator {
    return app.locator(`li.msg[data-from="${from}"]`).filter({ hasText: text });
  }

  function menuOptions(message: Locator): Locator {
    return message.getByRole('group', { name: '可选问题' }).getByRole('button');
  }

  async function disabledStates(options: Locator): Promise<boolean[]> {
    return Promise.all((await options.all()).map((o) => o.isDisabled()));
  }

  it(
    'offers a clarifying menu as buttons; a tap sends the option and the bot answers it',
    async () => {
      const app = await openApp(sys, '吴婷');
      await say(app, '开户');
      const menu = appMessage(app, 'bot', '您想问的是以下哪个问题');
      const options = menuOptions(menu);
      await options.first().waitFor();
      const texts = await options.allTextContents();
      expect(texts.length).toBeGreaterThanOrEqual(2);
      // Numbered as the bot's hint says ("回复序号即可"), and each option is on the screen once.
      texts.forEach((t, i) => expect(t).toMatch(new RegExp(`^${i + 1}\\. \\S`)));
      const labels = texts.map((t) => t.replace(/^\d+\. /, ''));
      const bubble = (await menu.locator('.bubble').textContent()) ?? '';
      expect(bubble).toContain('您想问的是以下哪个问题？');
      expect(bubble).toContain('回复序号');
      for (const label of labels) expect(bubble).not.toContain(label);
      expect(await disabledStates(options)).toEqual(labels.map(() => false));
      await shot(app, 'app-menu');

      // Tapping the second option sends its label as the client's message and closes the menu.
      await options.nth(1).tap();
      await appMessage(app, 'client', labels[1]!).waitFor();
      expect(await disabledStates(options)).toEqual(labels.map(() => true));
      await menu.locator('.menu-option.is-picked').filter({ hasText: labels[1]! }).waitFor();
      // The bot answers exactly that entry of the knowledge base.
      const answer = kbAnswerOf(labels[1]!);
      await appMessage(app, 'bot', answer.slice(0, 24)).waitFor();
      await shot(app, 'app-menu-picked');

      // A second menu closes as soon as the client writes anything else.
      await say(app, '开户');
      const second = app
        .locator('li.msg[data-from="bot"]')
        .filter({ has: app.getByRole('group') })
        .nth(1);
      await menuOptions(second).first().waitFor();
      expect(await disabledStates(menuOptions(second))).not.toContain(true);
      await say(app, '谢谢');
      expect(await disabledStates(menuOptions(second))).not.toContain(false);

      // After a reload (history from the server) both menus stay closed, the pick still marked.
      await app.reload();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      await menu.locator('.menu-option.is-picked').filter({ hasText: labels[1]! }).waitFor();
      expect(await disabledStates(app.locator('.menu-option'))).not.toContain(false);
      expect(await app.locator('.menu-option').count()).toBe(labels.length * 2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'shows "顾问正在输入…" while the advisor types, and hides it when they stop, reply or go quiet',
    async () => {
      const { token } = await loginAdvisor(sys.url, 'li.qiang');
      const advisor = await connect(sys.url, '/advisor', { token });
      sockets.push(advisor);
      // The page's clock is ours, to skip the 15 s after which an unrefreshed indicator ends.
      const app = await openApp(sys, '孙丽', (page) => page.clock.install());
      const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
      await say(app, '转人工');
      const accepted = await emitAck<{ chat: { conversationId: string } }>(advisor, 'chat:accept', {
        handoffId: (await offer).handoffId,
      });
      const { conversationId } = accepted.chat;
      await app.locator('#service-text').filter({ hasText: '顾问 李强 为您服务' }).waitFor();

      const typing = app.getByRole('status').filter({ hasText: '顾问正在输入…' });
      const setTyping = (on: boolean) => emitAck(advisor, 'chat:typing', { conversationId, typing: on });
      expect(await typing.count()).toBe(0);

      await setTyping(true);
      await typing.waitFor();
      await shot(app, 'app-advisor-typing');
      await setTyping(false);
      await typing.waitFor({ state: 'detached' });

      // The advisor's message ends it.
      await setTyping(true);
      await typing.waitFor();
      await emitAck(advisor, 'chat:send', { conversationId, clientMessageId: 'b1', text: '您好，我来帮您看看' });
      await appMessage(app, 'advisor', '我来帮您看看').waitFor();
      await typing.waitFor({ state: 'detached' });

      // So do 15 s without a refresh (the console refreshes it while the advisor keeps typing).
      await setTyping(true);
      await typing.waitFor();
      await app.clock.fastForward(14_000);
      expect(await typing.isVisible()).toBe(true);
      await app.clock.fastForward(1_500);
      await typing.waitFor({ state: 'detached' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'grows a streamed LLM answer in one bubble with a cursor, which becomes the final message',
    async () => {
      const sentences = ['可以在手机App上自助开户。', '需要准备本人身份证和银行卡。', '全程约需15分钟。'];
      llm.reply = (req) => (req.stream ? `${sentences.join('')}【来源:${firstSource(req)}】` : '无法回答');
      const app = await openApp(llmSys, '刘洋');
      const seen = await watchBotBubbles(app);
      await say(app, '开户');

      // While the model writes: its first sentences in a bubble with a blinking cursor.
      const draft = app.locator('li.msg.is-draft[data-from="bot"]');
      await draft.filter({ hasText: sentences[0]! }).waitFor();
      const cursor = await app.evaluate(
        `getComputedStyle(document.querySelector('li.msg.is-draft .bubble'), '::after').animationName`,
      );
      expect(cursor).toBe('caret');
      await shot(app, 'app-draft');

      // Then the stored answer, with its sources, in the same place.
      const final = appMessage(app, 'bot', /（参考：/);
      await final.waitFor();
      await draft.waitFor({ state: 'detached' });
      expect(await final.locator('.bubble').textContent()).toMatch(new RegExp(`^${sentences.join('')}\\n（参考：`));
      expect(await app.locator('li.msg .bubble').allTextContents()).toEqual([
        '开户',
        expect.stringMatching(/^可以在手机App上自助开户。/),
      ]);
      const log = await seen();
      // It grew: at least two drafts, each extending the last, all in one bubble (one <li>), never two.
      expect(log.draftTexts.length).toBeGreaterThanOrEqual(2);
      log.draftTexts.slice(1).forEach((t, i) => expect(t.startsWith(log.draftTexts[i]!)).toBe(true));
      expect(log.draftTexts[0]).toBe(sentences[0]);
      expect(log.maxBotBubbles).toBe(1);
      expect(log.finalWasDraft).toBe(true);
      await shot(app, 'app-draft-final');

      // A reload shows the stored answer once, and no draft.
      await app.reload();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      await final.waitFor();
      expect(await app.locator('li.msg[data-from="bot"]').count()).toBe(1);
      expect(await app.locator('li.msg.is-draft').count()).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'after a dead link mid-answer, the reconnect shows the stored answer once and no draft',
    async () => {
      const sentences = ['可以在手机App上自助开户。', '需要准备本人身份证和银行卡。'];
      llm.reply = (req) => (req.stream ? `${sentences.join('')}【来源:${firstSource(req)}】` : '无法回答');
      // Between the page and the server: nothing the server sends on a dead link reaches the page.
      const link = { dead: new Set<WebSocketRoute>(), pageSide: null as WebSocketRoute | null, upgraded: signal() };
      const app = await openApp(llmSys, '周建国', (page) =>
        page.routeWebSocket(/\/socket\.io\//, (ws) => {
          const server = ws.connectToServer();
          link.pageSide = ws;
          ws.onMessage((frame) => {
            server.send(frame);
            if (frame === '5') link.upgraded.resolve(); // engine.io moved to this WebSocket
          });
          server.onMessage((frame) => {
            if (!link.dead.has(ws)) ws.send(frame);
          });
        }),
      );
      await link.upgraded.promise;
      const seen = await watchBotBubbles(app);
      await say(app, '开户');
      const draft = app.locator('li.msg.is-draft[data-from="bot"]');
      await draft.filter({ hasText: sentences[0]! }).waitFor();

      // The link goes dead: the rest of the stream and the final message (sent = emitted) are lost.
      link.dead.add(link.pageSide!);
      const { db } = llmSys.services;
      const conversation = await db.Conversation.findOne({ channel: 'app', externalUserId: 'C1003' }).lean();
      const conversationId = conversation!._id.toString();
      await until(() => db.Message.exists({ conversationId, 'author.kind': 'bot', status: 'sent' }));
      expect(await draft.count()).toBe(1);

      // The page notices the closed connection, reconnects and gets the final message only as history.
      await link.pageSide!.close();
      const final = appMessage(app, 'bot', /（参考：/);
      await final.waitFor();
      await app.getByRole('status').filter({ hasText: '已连接' }).waitFor();
      expect(await app.locator('li.msg.is-draft').count()).toBe(0);
      expect(await app.locator('li.msg[data-from="bot"]').count()).toBe(1);
      expect(await final.locator('.bubble').textContent()).toMatch(new RegExp(`^${sentences.join('')}\\n（参考：`));
      const log = await seen();
      expect(log.maxBotBubbles).toBe(1);
      expect(log.finalWasDraft).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'takes back a draft that breaks a guardrail; the answer that follows replaces it',
    async () => {
      llm.reply = (req) => `开户可以在App办理。顺便说一句，这只股票明天一定会涨。【来源:${firstSource(req)}】`;
      const app = await openApp(llmSys, '孙丽');
      const seen = await watchBotBubbles(app);
      await say(app, '开户');
      // The model's answer is not used: the bot asks which question was meant instead.
      const menu = appMessage(app, 'bot', '您想问的是以下哪个问题');
      await menuOptions(menu).first().waitFor();
      expect(await app.locator('li.msg.is-draft').count()).toBe(0);
      expect(await app.locator('li.msg[data-from="bot"]').count()).toBe(1);
      const log = await seen();
      expect(log.draftTexts).toContain('开户可以在App办理。');
      expect(log.allTexts.some((t) => t.includes('一定会涨'))).toBe(false);
      expect(log.maxBotBubbles).toBe(1);
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

/** Polls until `check` gives something truthy (at most 15 s). */
async function until(check: () => Promise<unknown>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The answer the knowledge base holds for a question (as the menu labels it). */
function kbAnswerOf(question: string): string {
  for (const file of readdirSync(DEFAULT_KB_DIR).filter((f) => f.endsWith('.json'))) {
    const kb = JSON.parse(readFileSync(path.join(DEFAULT_KB_DIR, file), 'utf8')) as {
      entries: { question: string; answer: string }[];
    };
    const entry = kb.entries.find((e) => e.question === question);
    if (entry) return entry.answer;
  }
  throw new Error(`no knowledge-base entry asks "${question}"`);
}

/** The first passage id the bot gave the model (what a grounded answer must cite). */
function firstSource(req: ChatRequest): string {
  return /\[([\w-]+)\] 问：/.exec(req.messages[0]!.content)![1]!;
}

interface BubbleLog {
  /** Every text a draft bubble showed, in order. */
  draftTexts: string[];
  /** Every text any bot bubble showed. */
  allTexts: string[];
  /** The most bot messages on the screen at once. */
  maxBotBubbles: number;
  /** The bot message on the screen now is the element that showed the draft. */
  finalWasDraft: boolean;
}

/**
 * Records, in the page, every bot bubble as it is drawn (each redraw adds a new bubble node).
 * Plain JavaScript source: the tests are type-checked without the DOM library.
 */
const BUBBLE_RECORDER = `(() => {
  const list = document.getElementById('message-list');
  const log = { draftTexts: [], allTexts: [], maxBotBubbles: 0, drafts: new Set() };
  window.bubbleLog = log;
  new MutationObserver((records) => {
    for (const r of records) {
      for (const node of r.addedNodes) {
        if (!(node instanceof HTMLElement)) continue;
        // A new message comes as its <li>; a redrawn one as its new children.
        const bubbles = node.classList.contains('bubble') ? [node] : [...node.querySelectorAll('.bubble')];
        for (const bubble of bubbles) {
          const li = bubble.closest('li.msg[data-from="bot"]');
          if (!li) continue;
          log.allTexts.push(bubble.textContent);
          if (li.classList.contains('is-draft')) {
            log.draftTexts.push(bubble.textContent);
            log.drafts.add(li);
          }
        }
      }
    }
    log.maxBotBubbles = Math.max(log.maxBotBubbles, list.querySelectorAll('li.msg[data-from="bot"]').length);
  }).observe(list, { childList: true, subtree: true });
})()`;

const BUBBLE_LOG = `(() => {
  const log = window.bubbleLog;
  const bots = [...document.querySelectorAll('li.msg[data-from="bot"]')];
  return {
    draftTexts: log.draftTexts,
    allTexts: log.allTexts,
    maxBotBubbles: log.maxBotBubbles,
    finalWasDraft: bots.length === 1 && log.drafts.size === 1 && log.drafts.has(bots[0]),
  };
})()`;

async function watchBotBubbles(app: Page): Promise<() => Promise<BubbleLog>> {
  await app.evaluate(BUBBLE_RECORDER);
  return () => app.evaluate<BubbleLog>(BUBBLE_LOG);
}

/**
 * Passes requests on to the OpenAI simulator, and its streamed (SSE) answers back one event
 * every `gapMs`: the simulator writes the whole stream at once, a model does not.
 */
async function pacedProxy(target: string, gapMs: number): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const upstream = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        const type = upstream.headers.get('content-type') ?? 'application/json';
        const body = await upstream.text();
        res.writeHead(upstream.status, { 'content-type': type });
        if (!type.startsWith('text/event-stream')) return res.end(body);
        for (const event of body.split('\n\n').filter(Boolean)) {
          res.write(`${event}\n\n`);
          await new Promise((r) => setTimeout(r, gapMs));
        }
        res.end();
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
