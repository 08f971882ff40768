import { ADVICE_REFUSAL, enforceReplyPolicy } from '../src/compliance';

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
