import { ADVICE_REFUSAL, COMPLIANCE_RULES, checkText, enforceReplyPolicy } from '../src/compliance';
import { KnowledgeBase } from '../src/kb';

describe('reply guardrails', () => {
  it.each([
    ['推荐您买入贵州茅台，长期看好', 'advice:trade'],
    ['这只票明天会涨，可以加仓', 'prediction:price'],
    ['本产品保本保收益，年化 8%', 'promise:returns'],
    ['目标价 45.6 元', 'prediction:price'],
    ['现在赶紧抄底', 'advice:trade'],
  ])('refuses %s', (reply, rule) => {
    const r = enforceReplyPolicy(reply);
    expect(r.violations).toContain(rule);
    expect(r.text).toBe(ADVICE_REFUSAL);
    expect(r.text).toContain('不构成投资建议');
  });

  it('lets procedural answers through and masks personal data in them', () => {
    const r = enforceReplyPolicy('已为尾号 13812345678 的手机发送验证码，交易时间为 9:30-11:30。');
    expect(r.violations).toEqual([]);
    expect(r.text).toBe('已为尾号 138****5678 的手机发送验证码，交易时间为 9:30-11:30。');
  });

  it('does not mistake rule explanations for advice', () => {
    for (const ok of ['融资买入需要先开通两融账户', '新股中签后请确保资金足额', '卖出后资金 T+0 可用、T+1 可取']) {
      expect(enforceReplyPolicy(ok).violations).toEqual([]);
    }
  });
});

describe('checkText: the rules a text breaks, for any writer', () => {
  it.each([
    ['推荐您关注 600519，可以逢低买入', ['advice:trade']],
    ['这只股票可以闭眼买', ['advice:trade']],
    ['跟着我操作保证您不亏，年化收益率保证 12%', ['promise:returns']],
    ['这票明天一定会涨', ['prediction:price']],
    ['你懂个屁，爱买不买', ['language:abusive']],
    ['目标价 45 元，稳赚', ['promise:returns', 'prediction:price']],
  ])('%s → %j', (text, ids) => {
    const { rules } = checkText(text);
    expect(rules.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const r of rules) expect(r.label).toBe(COMPLIANCE_RULES[r.id]);
  });

  it('labels each rule in Chinese', () => {
    expect(checkText('你懂个屁').rules).toEqual([{ id: 'language:abusive', label: '不当用语' }]);
    expect(Object.values(COMPLIANCE_RULES).sort()).toEqual(['不当用语', '个股推荐', '价格预测', '承诺收益'].sort());
  });

  it('stating the rule is not breaking it', () => {
    for (const ok of [
      '我们不推荐任何一只股票',
      '客户经理不会承诺收益',
      '我司工作人员不会拉您进群荐股、承诺收益',
      '收益随市场浮动、并不保证',
      ADVICE_REFUSAL,
      '滚动屏幕可以查看更多',
      '融资买入需要先开通两融账户',
    ]) {
      expect(checkText(ok).rules).toEqual([]);
    }
  });

  it('an imperative is no negation', () => {
    expect(checkText('别犹豫，赶紧抄底').rules.map((r) => r.id)).toEqual(['advice:trade']);
  });

  it('every knowledge-base answer passes', () => {
    for (const e of KnowledgeBase.load().entries) expect([e.id, checkText(e.answer).rules]).toEqual([e.id, []]);
  });
});

describe('the stock-advice refusal', () => {
  it('offers a transfer to an advisor, not an appointment', () => {
    expect(ADVICE_REFUSAL).toContain('回复“转人工”即为您转接');
    expect(ADVICE_REFUSAL).not.toContain('预约');
  });
});
