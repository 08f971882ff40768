import type { MessageDoc } from '@brokerbot/shared';
import { checkAdvisorText, complianceOf, complianceOverridesOf } from '../src/advisor-compliance';
import { checkCannedText } from '../src/canned-replies';
import { clientStateOf, empatheticReplies, fitsState } from '../src/reply-tone';
import { checkWrapUp, unansweredClientMessage } from '../src/wrap-up';

let seq = 0;
function msg(kind: 'client' | 'advisor' | 'bot' | 'system', text: string, extra: Partial<MessageDoc> = {}): MessageDoc {
  seq += 1;
  return {
    conversationId: 'c1',
    seq,
    channel: 'app',
    channelMessageId: `m${seq}`,
    direction: kind === 'client' ? 'in' : 'out',
    author: { kind, id: null, name: null },
    text,
    status: kind === 'client' ? 'handled' : 'sent',
    meta: null,
    error: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...extra,
  } as MessageDoc;
}

const CATEGORIES = ['咨询解答', '业务办理', '投诉处理', '风险提示', '其他'];

describe('wrap-up when closing a chat', () => {
  it('requires a category from the configured list and keeps the trimmed note', () => {
    expect(checkWrapUp({ category: '业务办理', note: '  已协助重置密码 ' }, CATEGORIES)).toEqual({
      category: '业务办理',
      note: '已协助重置密码',
    });
    for (const bad of [undefined, {}, { category: '' }, { category: '闲聊' }]) {
      expect(() => checkWrapUp(bad, CATEGORIES)).toThrow(expect.objectContaining({ code: 'wrap_up_required' }));
    }
  });

  it("warns when the client's last message has no advisor reply after it", () => {
    const open = [
      msg('client', '转人工'),
      msg('system', '顾问王芳为您服务'),
      msg('advisor', '您好'),
      msg('client', '我的钱还能回来吗？'),
    ];
    expect(unansweredClientMessage(open)?.text).toBe('我的钱还能回来吗？');
    // A bot or system text is no answer; an advisor's reply is.
    expect(unansweredClientMessage([msg('client', '转人工'), msg('bot', '正在为您转接')])?.text).toBe('转人工');
    expect(unansweredClientMessage([...open, msg('advisor', '我马上帮您查')])).toBeNull();
    // An advisor message the platform did not deliver does not count; a recalled client message is not waiting.
    expect(unansweredClientMessage([...open, msg('advisor', '在查', { status: 'failed' })])?.text).toBe('我的钱还能回来吗？');
    expect(
      unansweredClientMessage([
        msg('client', '你好'),
        msg('advisor', '您好'),
        msg('client', '算了', { meta: { recalled: true } }),
      ]),
    ).toBeNull();
    expect(unansweredClientMessage([msg('system', '顾问接入')])).toBeNull();
  });
});

describe("compliance check on advisors' text", () => {
  it('names the rules a text breaks, with Chinese labels', () => {
    expect(checkAdvisorText('您好，我帮您查一下转账记录。')).toEqual([]);
    expect(
      checkAdvisorText('这只股票稳赚不赔，建议您买入')
        .map((r) => r.label)
        .sort(),
    ).toEqual(['个股推荐', '承诺收益'].sort());
    expect(checkAdvisorText('这票明天会涨，目标价 35')).toEqual([{ id: 'prediction:price', label: '价格预测' }]);
    expect(checkAdvisorText('你是不是白痴，自己看说明')).toEqual([{ id: 'language:abusive', label: '不当用语' }]);
    // Everyday words that only look alike are not improper language.
    expect(checkAdvisorText('请在页面上滚动到底部查看')).toEqual([]);
  });

  it('refuses without confirmation and returns the override to store with confirmation', () => {
    const advisor = { sub: 'a1', name: '王芳' };
    expect(complianceOf(advisor, '您好', false)).toBeNull();
    expect(() => complianceOf(advisor, '保证收益8%', false)).toThrow(
      expect.objectContaining({ code: 'compliance_warning', details: { rules: [{ id: 'promise:returns', label: '承诺收益' }] } }),
    );
    const override = complianceOf(advisor, '保证收益8%', true)!;
    expect(override).toMatchObject({ override: true, advisorId: 'a1', advisorName: '王芳', rules: [{ id: 'promise:returns' }] });
    const sent = msg('advisor', '保证收益8%', { meta: { compliance: override } });
    expect(complianceOverridesOf([msg('advisor', '您好'), sent])).toEqual([
      expect.objectContaining({ messageId: sent.channelMessageId, text: '保证收益8%', rules: override.rules }),
    ]);
  });

  it('checks canned replies: rules and unknown variables', () => {
    expect(() => checkCannedText('{客户称呼}您好，我是{顾问姓名}')).not.toThrow();
    expect(() => checkCannedText('本产品保本保收益')).toThrow(expect.objectContaining({ code: 'compliance_violation' }));
    expect(() => checkCannedText('{客户名字}您好')).toThrow(expect.objectContaining({ code: 'unknown_variable' }));
  });
});

describe("suggested replies fit the client's state", () => {
  const clause = '投资有风险，因市场波动造成的损失由投资者承担。';

  it('reads distress from the words and the bot insight', () => {
    expect(clientStateOf([msg('client', '两融要被强平了，血本无归')])).toMatchObject({ mood: 'distressed', topic: 'margin' });
    expect(
      clientStateOf([msg('client', '转账一直没到账', { meta: { understanding: { emotion: 'angry', intensity: 0.7 } } })]),
    ).toMatchObject({ mood: 'angry', topic: 'transfer' });
    expect(clientStateOf([msg('client', '交易时间是几点')])).toMatchObject({ mood: 'calm' });
    expect(clientStateOf([msg('client', '亏成这样我活不下去了')])).toMatchObject({ mood: 'distressed', crisis: true });
  });

  it('acknowledges first, then gives the next concrete step, and drops clauses that put the loss on the client', () => {
    const state = clientStateOf([msg('client', '两融要被强平了，血本无归')]);
    const replies = empatheticReplies(state);
    expect(replies.length).toBeGreaterThanOrEqual(2);
    for (const r of replies) {
      expect(r).toMatch(/^(非常理解|理解您)/);
      expect(checkAdvisorText(r)).toEqual([]);
    }
    expect(replies[0]).toMatch(/担保比例/);
    expect(fitsState(clause, state)).toBe(false);
    expect(fitsState(clause, clientStateOf([msg('client', '风险揭示书写了什么')]))).toBe(true);
    expect(empatheticReplies(clientStateOf([msg('client', '交易时间是几点')]))).toEqual([]);
    expect(empatheticReplies(clientStateOf([msg('client', '我活不下去了')]))[0]).toContain('12356');
  });
});
