import { chromium, type Browser } from 'playwright-core';
import {
  connect,
  emitAck,
  loginAdvisor,
  nextEvent,
  cleanUp,
  startTestSystem,
  testEnv,
  type TestSystem,
} from '../support/test-system';
import { waitFor } from './wecom-harness';

/**
 * Demo mode without Tencent credentials (what `npm start` does): both simulators run on loopback
 * with generated credentials, the channels are configured against them, and /sim/ lets a
 * newcomer chat as a WeCom or mini-program client while the console picks the chat up.
 */
describe('demo: WeCom and mini-program simulators behind /sim/', () => {
  let sys: TestSystem;
  let browser: Browser;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    [sys, browser] = await Promise.all([
      startTestSystem(testEnv({ CHANNEL_SIMULATORS: '1' })),
      chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
  });

  it('configures both channels against the simulators, as an operator would against Tencent', async () => {
    const sims = sys.channels.simulators!;
    expect(sims).not.toBeNull();
    // The simulators call our callback URLs, and URL verification passes with the generated credentials.
    expect((await sims.kf.verifyCallbackUrl()).ok).toBe(true);
    expect((await sims.miniprogram.verifyPushUrl()).ok).toBe(true);
    expect(sys.channels.wecom?.settings.apiBase).toBe(sys.channels.simulators!.kf.url);
    expect(sys.channels.miniprogram?.settings.aesKey).toEqual(expect.any(String));
    const home = await (await fetch(`${sys.url}/`)).text();
    expect(home).toContain('/sim/');
  });

  it('lets a newcomer chat as a WeCom client and as a mini-program client in the browser', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${sys.url}/sim/`);
    await page.getByRole('combobox', { name: '演示客户' }).selectOption('C1001');

    // WeCom 微信客服: type as the client, see what the kf account sent back.
    await page.getByRole('tab', { name: '企业微信客服' }).click();
    await page.getByRole('textbox', { name: '消息' }).fill('交易时间是几点？');
    await page.getByRole('button', { name: '发送', exact: true }).click();
    await page.locator('.from-service .bubble', { hasText: '9:30' }).first().waitFor({ timeout: 20_000 });

    // Mini-program: entering the chat brings the welcome.
    await page.getByRole('tab', { name: '小程序' }).click();
    await page.getByRole('button', { name: /进入会话/ }).click();
    await page.locator('.from-service .bubble', { hasText: '欢迎' }).first().waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: '发图片' }).click();
    await page.locator('.from-service .bubble', { hasText: '只能阅读文字' }).first().waitFor({ timeout: 20_000 });
    if (process.env.BROWSER_SCREENSHOTS)
      await page.screenshot({ path: `${process.env.BROWSER_SCREENSHOTS}/sim-page.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('hands a simulated WeCom client to the advisor console, whose reply the client sees', async () => {
    const { token } = await loginAdvisor(sys.url, 'zhang.min');
    const advisor = await connect(sys.url, '/advisor', { token });
    try {
      const offer = nextEvent<{ handoffId: string; customer: { id: string } }>(advisor, 'offer', () => true, 20_000);
      const post = await fetch(`${sys.url}/api/sim/wecom/message`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: 'C2002', text: '我要转人工' }),
      });
      expect(post.status).toBe(200);
      const offered = await offer;
      expect(offered.customer.id).toBe('C2002');
      const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string } }>(advisor, 'chat:accept', {
        handoffId: offered.handoffId,
      });
      await emitAck(advisor, 'chat:send', {
        conversationId: accepted.chat.conversationId,
        clientMessageId: 'demo1',
        text: '您好，我是张敏',
      });
      const transcript = await waitFor(async () => {
        const t = (await (await fetch(`${sys.url}/api/sim/wecom/transcript?customerId=C2002`)).json()) as {
          lines: { from: string; text: string }[];
        };
        return t.lines.some((l) => l.from === 'service' && l.text === '您好，我是张敏') ? t : null;
      }, 'the advisor reply in the simulator');
      expect(transcript.lines[0]).toMatchObject({ from: 'client', text: '我要转人工' });
    } finally {
      advisor.disconnect();
    }
  });
});
