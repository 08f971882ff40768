import type { Socket } from 'socket.io-client';
import { OpenAiSimulator, type ChatRequest } from '../support/openai-simulator';
import { clientToken, connect, emitAck, nextEvent, testEnv, useTestSystem } from '../support/test-system';

type Draft = { conversationId: string; id: string; text: string; cancelled?: boolean };
type Wire = { id: string; from: string; text: string };

/** The first passage id the bot gave the model (what a grounded answer must cite). */
const firstSource = (req: ChatRequest) => /\[([\w-]+)\] 问：/.exec(req.messages[0]!.content)![1]!;

describe('streamed LLM answers in the trading app', () => {
  const llm = new OpenAiSimulator();
  beforeAll(() => llm.start(), 10_000);
  afterAll(() => llm.stop());
  const ctx = useTestSystem(() =>
    testEnv({ OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: llm.apiKey, OPENAI_MODEL: 'qwen-sim', LLM_TIMEOUT_MS: '3000' }),
  );
  let n = 0;

  async function ask(customerId: string, text: string): Promise<{ drafts: Draft[]; reply: Wire }> {
    const client: Socket = ctx.track(
      await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, 'SH01') }),
    );
    const drafts: Draft[] = [];
    client.on('draft', (d: Draft) => drafts.push(d));
    const reply = nextEvent<Wire>(client, 'message', (m) => m.from === 'bot', 15_000);
    expect(await emitAck(client, 'message', { clientMessageId: `dr${n++}`, text })).toMatchObject({ ok: true });
    return { drafts, reply: await reply };
  }

  it('shows the answer sentence by sentence in one draft, then replaces it with the stored answer', async () => {
    llm.reply = (req) =>
      req.stream
        ? `可以在手机App上自助开户。需要准备本人身份证和银行卡。全程约需15分钟。【来源:${firstSource(req)}】`
        : '无法回答';
    const { drafts, reply } = await ask('C1001', '开户');
    expect(drafts.length).toBeGreaterThanOrEqual(2);
    // One growing draft: every update extends the previous one and carries the final message's id.
    expect(new Set(drafts.map((d) => d.id))).toEqual(new Set([reply.id]));
    drafts.slice(1).forEach((d, i) => expect(d.text.startsWith(drafts[i]!.text)).toBe(true));
    expect(drafts[0]!.text).toBe('可以在手机App上自助开户。');
    expect(drafts.some((d) => d.text.includes('【'))).toBe(false);
    expect(drafts.some((d) => d.cancelled)).toBe(false);
    expect(reply.text).toMatch(/^可以在手机App上自助开户。需要准备本人身份证和银行卡。全程约需15分钟。\n（参考：/);
  });

  it('withdraws a draft the moment it breaks a guardrail, and never sends that text', async () => {
    llm.reply = (req) => `开户可以在App办理。顺便说一句，这只股票明天一定会涨。【来源:${firstSource(req)}】`;
    const { drafts, reply } = await ask('C1002', '开户');
    expect(drafts[0]).toMatchObject({ text: '开户可以在App办理。' });
    expect(drafts[drafts.length - 1]).toMatchObject({ id: drafts[0]!.id, cancelled: true });
    expect(drafts.some((d) => d.text.includes('一定会涨'))).toBe(false);
    expect(reply.text).not.toContain('一定会涨');
    const stored = await ctx.sys.services.db.Message.find({ text: /一定会涨/ }).lean();
    expect(stored).toEqual([]);
  });
});
