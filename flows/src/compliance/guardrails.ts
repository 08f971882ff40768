import { maskPII } from '@brokerbot/shared';

/**
 * Compliance guardrails on everything the bot says (rules, templates and LLM output alike):
 * the bot never recommends individual securities, predicts prices or promises returns, and
 * never repeats personal data. Checked on the way out, so no source of text can bypass it.
 */
export const RISK_DISCLAIMER = '以上内容仅供参考，不构成投资建议。投资有风险，入市需谨慎。';

export const ADVICE_REFUSAL =
  '抱歉，按照监管要求，智能助手不能推荐具体股票、预测价格走势或承诺收益。' +
  '如需投资建议，可由持牌投资顾问结合您的风险承受能力为您服务，回复“转人工”即为您转接顾问。' +
  RISK_DISCLAIMER;

/** The rules, with the Chinese label an advisor or reviewer sees. */
export const COMPLIANCE_RULES = {
  'advice:trade': '个股推荐',
  'promise:returns': '承诺收益',
  'prediction:price': '价格预测',
  'language:abusive': '不当用语',
} as const;

export type ComplianceRuleId = keyof typeof COMPLIANCE_RULES;

/**
 * Phrases that make a text individual investment advice, a price prediction, a promise of
 * returns, or language no one serving a client may use. Rule explanations (融资买入需要先开通两融账户,
 * 卖出后资金 T+1 可取) must stay clear of them.
 */
const FORBIDDEN: { pattern: RegExp; rule: ComplianceRuleId }[] = [
  { pattern: /(推荐|建议)(您|你)?(买入|卖出|加仓|减仓|抄底|清仓|持有|满仓)/, rule: 'advice:trade' },
  { pattern: /(可以|应该|赶紧|马上)(买入|卖出|加仓|抄底|清仓|割肉)/, rule: 'advice:trade' },
  {
    pattern: /(推荐|建议|重点关注|可以关注|值得关注)(您|你)?[^。，,！!？?]{0,6}(\d{6}|这只|该股|几只|一只|个股|牛股|龙头股?)/,
    rule: 'advice:trade',
  },
  {
    pattern: /(这只|该|这个)(股票?|票|基金)[^。，,！!？?]{0,6}(可以买|值得买|能买|可以入手|值得入手|可以上车|闭眼买)/,
    rule: 'advice:trade',
  },
  { pattern: /(稳赚|稳赢|保本|保收益|保证收益|零风险|无风险收益|包赚|只赚不赔)/, rule: 'promise:returns' },
  { pattern: /(年化|收益率?)[^。，,]{0,8}(保证|承诺|确保)/, rule: 'promise:returns' },
  { pattern: /(保证|承诺|确保)[^。，,]{0,6}(赚钱|盈利|回本|收益|不亏)/, rule: 'promise:returns' },
  { pattern: /(必涨|必跌|一定会涨|一定会跌|肯定(会)?涨|肯定(会)?跌|涨停板?预定|翻倍股)/, rule: 'prediction:price' },
  { pattern: /目标价\s*[\d.]+/, rule: 'prediction:price' },
  { pattern: /(明天|下周|近期|后市)[^。，,]{0,6}(会|将)(大)?(涨|跌)/, rule: 'prediction:price' },
  {
    pattern:
      /(傻[逼bB屄]|煞笔|脑残|白痴|弱智|蠢货|蠢猪|滚蛋|滚开|给我滚|你滚|去死|神经病|有病吧|废物|他妈的?|妈的|tmd|尼玛|你懂个屁|关我屁事|爱买不买|爱咋咋地|闭嘴|烦不烦|活该)/i,
    rule: 'language:abusive',
  },
];

/**
 * A negation states the rule instead of breaking it: just before the phrase (不承诺收益, 不推荐任何一只
 * 股票), over a list the phrase is part of (不会拉您进群荐股、承诺收益), or inside it (收益随市场浮动、并不保证).
 * Only within the phrase's clause; an imperative (别犹豫，赶紧抄底) is no negation.
 */
const NEGATOR = '(?:不|没|无|非|禁止|严禁|不会|不能|不得|不可|并非)';
const NEGATED_BEFORE = new RegExp(`${NEGATOR}[^、]{0,2}$`);
const NEGATED_LIST = new RegExp(`${NEGATOR}[^，,。]*[、或和及与]$`);
const NEGATED_INSIDE = /(不|无法|并不|不能)(保证|承诺|确保)/;

function breaks(text: string, f: (typeof FORBIDDEN)[number]): boolean {
  const global = new RegExp(f.pattern.source, f.pattern.flags.includes('g') ? f.pattern.flags : `${f.pattern.flags}g`);
  for (const m of text.matchAll(global)) {
    if (f.rule === 'language:abusive') return true;
    const clause =
      text
        .slice(0, m.index)
        .split(/[。，,；;！!？?\n]/)
        .pop() ?? '';
    if (NEGATED_BEFORE.test(clause) || NEGATED_LIST.test(clause) || NEGATED_INSIDE.test(m[0])) continue;
    return true;
  }
  return false;
}

export interface ComplianceRuleHit {
  id: ComplianceRuleId;
  /** Chinese, for the advisor. */
  label: string;
}

/**
 * The compliance rules a text breaks (个股推荐, 承诺收益, 价格预测, 不当用语), each once, in rule
 * order; `rules` is empty for a compliant text. Pure: for bot replies, LLM output, and what an
 * advisor is about to send.
 * @example checkText('这只股票明天一定会涨').rules // [{ id: 'prediction:price', label: '价格预测' }]
 */
export function checkText(text: string): { rules: ComplianceRuleHit[] } {
  const ids = [...new Set(FORBIDDEN.filter((f) => breaks(text, f)).map((f) => f.rule))];
  return { rules: ids.map((id) => ({ id, label: COMPLIANCE_RULES[id] })) };
}

export interface GuardrailResult {
  text: string;
  /** Rules that fired; empty when the reply was compliant as written. */
  violations: string[];
}

/** Returns a compliant version of a reply: refused when it advises or promises, PII masked always. */
export function enforceReplyPolicy(reply: string): GuardrailResult {
  const violations: string[] = checkText(reply).rules.map((r) => r.id);
  if (violations.length > 0) return { text: ADVICE_REFUSAL, violations };
  return { text: maskPII(reply), violations };
}
