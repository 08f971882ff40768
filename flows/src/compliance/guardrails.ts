import { maskPII } from '@brokerbot/shared';

/**
 * Compliance guardrails on everything the bot says (rules, templates and LLM output alike):
 * the bot never recommends individual securities, predicts prices or promises returns, and
 * never repeats personal data. Checked on the way out, so no source of text can bypass it.
 */
export const RISK_DISCLAIMER = '以上内容仅供参考，不构成投资建议。投资有风险，入市需谨慎。';

export const ADVICE_REFUSAL =
  '抱歉，按照监管要求，智能助手不能推荐具体股票、预测价格走势或承诺收益。' +
  '如需投资建议，可由持牌投资顾问结合您的风险承受能力为您服务，回复“转人工”即可预约。' +
  RISK_DISCLAIMER;

/** Phrases that make a reply individual investment advice, a price prediction or a promise of returns. */
const FORBIDDEN: { pattern: RegExp; rule: string }[] = [
  { pattern: /(推荐|建议)(您|你)?(买入|卖出|加仓|减仓|抄底|清仓|持有|满仓)/, rule: 'advice:trade' },
  { pattern: /(可以|应该|赶紧|马上)(买入|卖出|加仓|抄底|清仓|割肉)/, rule: 'advice:trade' },
  { pattern: /(稳赚|稳赢|保本|保收益|保证收益|零风险|无风险收益|包赚|只赚不赔)/, rule: 'promise:returns' },
  { pattern: /(年化|收益率?)[^。，,]{0,8}(保证|承诺|确保)/, rule: 'promise:returns' },
  { pattern: /(必涨|必跌|一定会涨|一定会跌|肯定(会)?涨|肯定(会)?跌|涨停板?预定|翻倍股)/, rule: 'prediction:price' },
  { pattern: /目标价\s*[\d.]+/, rule: 'prediction:price' },
  { pattern: /(明天|下周|近期|后市)[^。，,]{0,6}(会|将)(大)?(涨|跌)/, rule: 'prediction:price' },
];

export interface GuardrailResult {
  text: string;
  /** Rules that fired; empty when the reply was compliant as written. */
  violations: string[];
}

/** Returns a compliant version of a reply: refused when it advises or promises, PII masked always. */
export function enforceReplyPolicy(reply: string): GuardrailResult {
  const violations = [...new Set(FORBIDDEN.filter((f) => f.pattern.test(reply)).map((f) => f.rule))];
  if (violations.length > 0) return { text: ADVICE_REFUSAL, violations };
  return { text: maskPII(reply), violations };
}
