import { Nlu } from '@brokerbot/flows';
import type { MessageDoc } from '@brokerbot/shared';
import { handoffSummary } from '../src/handoff-summary';

const nlu = Nlu.load();
let seq = 0;
function msg(kind: 'client' | 'bot' | 'system', text: string): MessageDoc {
  seq += 1;
  return {
    _id: `0000000000000000000000${String(seq).padStart(2, '0')}`,
    conversationId: 'c1',
    seq,
    channel: 'app',
    channelMessageId: `m${seq}`,
    author: { kind, name: kind === 'bot' ? '智能助手' : null },
    text,
    status: 'handled',
    createdAt: new Date(),
  } as unknown as MessageDoc;
}
const line = (summary: string, label: string) => summary.split('\n').find((l) => l.startsWith(label)) ?? '';

describe('the advisor’s hand-over note', () => {
  it('an escalating question is on the card, and the bot’s answer quoted is the one to it, not an older message', () => {
    const older = msg('client', '交易时间是几点？');
    const olderAnswer = msg('bot', 'A股交易时间为交易日9:30-11:30、13:00-15:00。');
    const question = msg('client', '额度怎么突然降了？你们有没有人管？');
    const reply = '您好，已为您转接顾问，请稍候。';
    const summary = handoffSummary({
      nlu: nlu.analyze(question.text),
      text: question.text,
      messageId: String(question._id),
      trendLevel: 0.4,
      recent: [older, olderAnswer, question],
      reply,
    });
    expect(line(summary, '客户诉求')).toContain('额度怎么突然降了？你们有没有人管？');
    expect(line(summary, '客户最近说')).toContain('额度怎么突然降了？你们有没有人管？');
    const answered = line(summary, '智能助手已答复');
    expect(answered).toContain(`本条答复“${reply}”`);
    // The older answer is quoted only as the answer to the older question, never as the answer to this one.
    expect(answered).toContain('此前对“交易时间是几点？”答复');
    expect(answered.indexOf('本条答复')).toBeLessThan(answered.indexOf('此前'));
    // The current message is quoted once.
    expect(summary.split('额度怎么突然降了').length - 1).toBe(2);
  });

  it('a bare 转人工 after a question keeps the client’s question and the bot’s answer to it on the card', () => {
    const question = msg('client', '额度怎么突然降了？');
    const flowAnswer = msg('bot', '我来帮您初步判断融资融券开通条件。最近 20 个交易日……');
    const request = msg('client', '转人工');
    const summary = handoffSummary({
      nlu: nlu.analyze(request.text),
      text: request.text,
      messageId: String(request._id),
      trendLevel: 0,
      recent: [question, flowAnswer, request],
      reply: '正在为您转接顾问',
    });
    expect(line(summary, '客户最近说')).toBe('客户最近说：“额度怎么突然降了？”｜“转人工”');
    expect(line(summary, '智能助手已答复')).toContain('此前对“额度怎么突然降了？”答复“我来帮您初步判断融资融券开通条件');
  });

  it('masks personal data in what it quotes', () => {
    const text = '我手机13812345678收不到验证码，转人工';
    const summary = handoffSummary({ nlu: nlu.analyze(text), text, trendLevel: 0, recent: [] });
    expect(summary).not.toContain('13812345678');
    expect(line(summary, '智能助手已答复')).toBe('智能助手已答复：（尚未答复）');
  });
});
