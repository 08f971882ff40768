import type { ChoiceOption } from './choice';
import type { FlowResult } from './flow-result';
import { SlotFlowDialog, choiceSlot } from './slot-flow';

const DIRECTION: ChoiceOption<'in' | 'out'>[] = [
  {
    value: 'in',
    label: '银行转入证券（转入）',
    synonyms: ['转入', '存', '银行转证券'],
    mentions: ['转入', '银行转证券', '银转证', '入金', '存钱', '转进', '存进', '转到证券', '转到股票账户'],
  },
  {
    value: 'out',
    label: '证券转出到银行（转出）',
    synonyms: ['转出', '取', '证券转银行'],
    mentions: ['转出', '证券转银行', '证转银', '出金', '取钱', '取出', '提现', '转到银行', '转回银行'],
  },
];
const SYMPTOM: ChoiceOption<'rejected' | 'deducted' | 'pending'>[] = [
  {
    value: 'rejected',
    label: '转账时直接提示失败',
    synonyms: ['失败', '报错', '提示', '不成功'],
    mentions: ['提示失败', '显示失败', '报错', '提示错误', '转不了', '转不出', '转不进'],
  },
  {
    value: 'deducted',
    label: '一边已扣款，另一边没到账',
    synonyms: ['扣', '没到账', '未到账', '不见了'],
    mentions: ['扣款', '扣了', '扣钱', '没到账', '未到账', '不到账', '没收到', '钱不见', '钱没了'],
  },
  {
    value: 'pending',
    label: '显示处理中/不确定',
    synonyms: ['处理中', '不确定', '不知道'],
    mentions: ['处理中', '一直在处理', '没反应', '状态不明'],
  },
];

/** 银证转账失败排查: direction and symptom; money missing between the two sides goes to a person at once. */
export class TransferFailedDialog extends SlotFlowDialog {
  static readonly id = 'transfer_failed';

  constructor() {
    super({
      id: TransferFailedDialog.id,
      intro: () => '我来帮您排查银证转账问题。',
      slots: [choiceSlot('direction', '请问是哪个方向？', DIRECTION), choiceSlot('symptom', '现在是什么情况？', SYMPTOM)],
      finish: async (context, v) => {
        const direction = v.direction === 'in' ? '转入' : '转出';
        if (v.symptom === 'deducted') {
          return {
            outcome: 'escalate',
            reason: 'high_risk_intent:transfer_funds_in_transit',
            summary: `银证转账（${direction}）一方已扣款、另一方未到账，需人工核查资金流水。`,
          } satisfies FlowResult;
        }
        const tips =
          v.symptom === 'rejected'
            ? '常见原因：非转账时间（交易日 9:00-16:00）、银行卡余额或单日限额不足、银行端密码错误、三方存管关系未生效。请核对后重试。'
            : '处理中的转账一般在几分钟内有结果，请在App“银证转账-转账查询”中查看最终状态，勿重复提交。';
        await context.sendActivity(`${tips}如仍未解决，回复“转人工”由顾问为您查询。`);
        return { outcome: 'done' } satisfies FlowResult;
      },
    });
  }
}
