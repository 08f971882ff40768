import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import { isCancel, pickChoice, renderChoices, type ChoiceOption } from './choice';
import type { FlowResult } from './flow-result';
import { choicePrompt, values } from './prompt-step';

const DIRECTION: ChoiceOption<'in' | 'out'>[] = [
  { value: 'in', label: '银行转入证券（转入）', synonyms: ['转入', '存', '银行转证券'] },
  { value: 'out', label: '证券转出到银行（转出）', synonyms: ['转出', '取', '证券转银行'] },
];
const SYMPTOM: ChoiceOption<'rejected' | 'deducted' | 'pending'>[] = [
  { value: 'rejected', label: '转账时直接提示失败', synonyms: ['失败', '报错', '提示', '不成功'] },
  { value: 'deducted', label: '一边已扣款，另一边没到账', synonyms: ['扣', '没到账', '未到账', '不见了'] },
  { value: 'pending', label: '显示处理中/不确定', synonyms: ['处理中', '不确定', '不知道'] },
];

/** 银证转账失败排查: direction and symptom; money missing between the two sides goes to a person at once. */
export class TransferFailedDialog extends ComponentDialog {
  static readonly id = 'transfer_failed';

  constructor() {
    super(TransferFailedDialog.id);
    this.addDialog(choicePrompt('tf.direction', DIRECTION));
    this.addDialog(choicePrompt('tf.symptom', SYMPTOM));
    this.addDialog(
      new WaterfallDialog('tf.flow', [
        async (step) =>
          step.prompt('tf.direction', {
            prompt: renderChoices('我来帮您排查银证转账问题。请问是哪个方向？', DIRECTION),
            retryPrompt: renderChoices('请回复序号：', DIRECTION),
          }),
        async (step) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          values(step).direction = pickChoice(step.result as string, DIRECTION);
          return step.prompt('tf.symptom', {
            prompt: renderChoices('现在是什么情况？', SYMPTOM),
            retryPrompt: renderChoices('请回复序号：', SYMPTOM),
          });
        },
        async (step) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          const direction = values(step).direction === 'in' ? '转入' : '转出';
          const symptom = pickChoice(step.result as string, SYMPTOM);
          if (symptom === 'deducted') {
            return step.endDialog({
              outcome: 'escalate',
              reason: 'high_risk_intent:transfer_funds_in_transit',
              summary: `银证转账（${direction}）一方已扣款、另一方未到账，需人工核查资金流水。`,
            } satisfies FlowResult);
          }
          const tips =
            symptom === 'rejected'
              ? '常见原因：非转账时间（交易日 9:00-16:00）、银行卡余额或单日限额不足、银行端密码错误、三方存管关系未生效。请核对后重试。'
              : '处理中的转账一般在几分钟内有结果，请在App“银证转账-转账查询”中查看最终状态，勿重复提交。';
          await step.context.sendActivity(`${tips}如仍未解决，回复“转人工”由顾问为您查询。`);
          return step.endDialog({ outcome: 'done' } satisfies FlowResult);
        },
      ]),
    );
    this.initialDialogId = 'tf.flow';
  }
}
