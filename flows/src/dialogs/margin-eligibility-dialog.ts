import type { ChoiceOption } from './choice';
import type { FlowResult } from './flow-result';
import { SlotFlowDialog, choiceSlot, type Slot } from './slot-flow';

const YES_NO: ChoiceOption<'yes' | 'no'>[] = [
  { value: 'yes', label: '是', synonyms: ['满足', '有', '够', '是的', '对'] },
  { value: 'no', label: '否', synonyms: ['不满足', '没有', '不够', '不是', '不到'] },
];

const CN: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10, 半: 0.5 };
const amount = (s: string): number =>
  /^[\d.]+$/.test(s) ? Number(s) : [...s].reduce((n, c) => (c === '十' ? (n || 1) * 10 : n + (CN[c] ?? 0)), 0);

/** 资产 80 万 / 有100w资金 → yes or no against the 50 万 rule; null when no amount is said. */
export function assetsFromText(text: string): 'yes' | 'no' | null {
  const m =
    /(资产|资金|市值|本金|账户里|账户有|有)[^，。,；\d一二两三四五六七八九十]{0,6}([\d.]+|[一二两三四五六七八九十]{1,3})\s*(万|w)/i.exec(
      text,
    );
  if (!m) return null;
  return amount(m[2]!) >= 50 ? 'yes' : 'no';
}

/** 炒股两年 / 股龄3个月 / 交易半年 → yes or no against the 6-month rule; null when not said. */
export function experienceFromText(text: string): 'yes' | 'no' | null {
  const after =
    /(炒股|交易|股龄|入市|做股票|买股票|投资)[^，。,；\d一二两三四五六七八九十半]{0,4}([\d.]+|[一二两三四五六七八九十半]{1,3})\s*(年|个月|月)/.exec(
      text,
    );
  const before = /([\d.]+|[一二两三四五六七八九十半]{1,3})\s*(年|个月|月)的?(股龄|炒股|交易经验)/.exec(text);
  const [n, unit] = after ? [after[2]!, after[3]!] : before ? [before[1]!, before[2]!] : [null, null];
  if (n === null) return /刚开户|新手|刚入市|没炒过股/.test(text) ? 'no' : null;
  return amount(n) * (unit === '年' ? 12 : 1) >= 6 ? 'yes' : 'no';
}

function yesNoSlot(name: string, question: string, fromText: (t: string) => 'yes' | 'no' | null): Slot {
  const slot = choiceSlot(name, question, YES_NO);
  return {
    ...slot,
    fromText: (text) => {
      const said = fromText(text);
      return said ? { value: said } : null;
    },
  };
}

/**
 * 两融开通资格: the general suitability rules (assets: 20-day average ≥ 50 万; experience: ≥ 6
 * months of trading). Rules only, no judgement of whether margin suits the client: that is an
 * advisor's suitability assessment.
 */
export class MarginEligibilityDialog extends SlotFlowDialog {
  static readonly id = 'margin_account';

  constructor() {
    super({
      id: MarginEligibilityDialog.id,
      intro: () => '我来帮您初步判断融资融券开通条件。',
      slots: [
        yesNoSlot('assets', '最近 20 个交易日，您账户的日均证券类资产是否不低于 50 万元？', assetsFromText),
        yesNoSlot('experience', '您参与证券交易是否已满 6 个月？', experienceFromText),
      ],
      finish: async (context, v) => {
        const missing = [v.assets !== 'yes' && '资产（日均 50 万元）', v.experience !== 'yes' && '交易经验（满 6 个月）'].filter(
          Boolean,
        );
        const text =
          missing.length === 0
            ? '根据您的回答，您初步满足资产和交易经验要求。开通还需完成风险测评（稳健型及以上）、两融知识测试和征信查询，可在App“业务办理-融资融券”预约，或回复“预约”由客户经理联系您。融资融券风险较高，可能损失超过本金，请审慎评估。'
            : `根据您的回答，暂不满足${missing.join('和')}要求，条件满足后即可申请。融资融券风险较高，请审慎评估。`;
        await context.sendActivity(text);
        return { outcome: 'done' } satisfies FlowResult;
      },
    });
  }
}
