import { LlmClient } from '@brokerbot/flows';
import { createLogger } from '@brokerbot/shared';
import { DEFAULT_SCORECARD_PATH, readScorecard } from '@brokerbot/agent-console';
import { judgeWithLlm } from '../../agent-console/src/quality/llm-judge';
import { scoreChat } from '../../agent-console/src/quality/score';
import type { ScoringInput } from '../../agent-console/src/quality/scoring-input';
import { OpenAiSimulator } from '../support/openai-simulator';

/** The scorecard's LLM item against the loopback OpenAI-compatible simulator: grounded verdicts count, others do not. */
describe('智能质检 with an LLM', () => {
  const sim = new OpenAiSimulator();
  let llm: LlmClient;
  const card = readScorecard(DEFAULT_SCORECARD_PATH).scorecard;
  const llmItem = card.items.find((i) => i.kind === 'llm')!;
  const t = Date.parse('2026-12-04T10:00:00Z');
  const input: ScoringInput = {
    messages: [
      {
        id: 'c1',
        seq: 1,
        from: 'client',
        text: '我的手机号13800001003，转账失败了',
        at: t,
        insight: { emotion: 'calm', intensity: 0 },
      },
      { id: 'a1', seq: 2, from: 'advisor', text: '您好，请稍等，我帮您查询。', at: t + 5_000 },
      { id: 'a2', seq: 3, from: 'advisor', text: '已为您重新发起转账，预计10分钟到账。', at: t + 30_000 },
    ],
    acceptedAt: t + 1_000,
    closedAt: t + 40_000,
    wrapUp: { category: '业务办理' },
    satisfaction: null,
  };

  beforeAll(async () => {
    await sim.start();
    llm = new LlmClient(
      { baseURL: sim.baseURL, apiKey: sim.apiKey, model: 'qwen-sim', timeoutMs: 1_000 },
      createLogger('silent'),
    );
  });
  afterAll(() => sim.stop());

  it('counts a verdict that cites the transcript, with quotes from the stored messages, and masks personal data in the prompt', async () => {
    sim.reply = () => '{"passed": false, "messages": [3], "reason": "未确认客户是否收到款项"}';
    const judged = await judgeWithLlm(llm, card, input);
    const sheet = scoreChat(card, input, judged);
    const item = sheet.items.find((i) => i.id === llmItem.id)!;
    expect(item).toMatchObject({ passed: false, evidence: [{ messageId: 'a2', quote: '已为您重新发起转账，预计10分钟到账。' }] });
    expect(item.detail).toContain('未确认客户是否收到款项');
    expect(sheet.failedItemIds).toContain(llmItem.id);
    const prompt = sim.requests
      .at(-1)!
      .messages.map((m) => m.content)
      .join('\n');
    expect(prompt).not.toContain('13800001003');
    expect(prompt).toContain('<客户原文>');
  });

  it('leaves the item out when the model cites nothing, answers prose, or fails', async () => {
    for (const answer of ['{"passed": true, "messages": [], "reason": "好"}', '顾问表现很好。']) {
      sim.reply = () => answer;
      const sheet = scoreChat(card, input, await judgeWithLlm(llm, card, input));
      expect(sheet.items.find((i) => i.id === llmItem.id)!.passed).toBeNull();
    }
    sim.mode = 'http500';
    const sheet = scoreChat(card, input, await judgeWithLlm(llm, card, input));
    expect(sheet.items.find((i) => i.id === llmItem.id)!.passed).toBeNull();
    expect(sheet.total).toBe(100);
    sim.mode = 'ok';
  });
});
