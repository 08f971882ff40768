import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import { isCancel, pickChoice, renderChoices, type ChoiceOption } from './choice';
import type { FlowResult } from './flow-result';
import { choicePrompt, values } from './prompt-step';

const YES_NO: ChoiceOption<'yes' | 'no'>[] = [
  { value: 'yes', label: '是', synonyms: ['满足', '有', '够', '是的', '对'] },
  { value: 'no', label: '否', synonyms: ['不满足', '没有', '不够', '不是', '不到'] },
];

/**
 * 两融开通资格: the general suitability rules (assets: 20-day average ≥ 50 万; experience: ≥ 6
 * months of trading). Rules only, no judgement of whether margin suits the client: that is an
 * advisor's suitability assessment.
 */
export class MarginEligibilityDialog extends ComponentDialog {
  static readonly id = 'margin_account';

  constructor() {
    super(MarginEligibilityDialog.id);
    this.addDialog(choicePrompt('mg.assets', YES_NO));
    this.addDialog(choicePrompt('mg.experience', YES_NO));
    this.addDialog(
      new WaterfallDialog('mg.flow', [
        async (step) =>
          step.prompt('mg.assets', {
            prompt: renderChoices(
              '我来帮您初步判断融资融券开通条件。最近 20 个交易日，您账户的日均证券类资产是否不低于 50 万元？',
              YES_NO,
            ),
            retryPrompt: renderChoices('请回复序号：', YES_NO),
          }),
        async (step) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          values(step).assets = pickChoice(step.result as string, YES_NO);
          return step.prompt('mg.experience', {
            prompt: renderChoices('您参与证券交易是否已满 6 个月？', YES_NO),
            retryPrompt: renderChoices('请回复序号：', YES_NO),
          });
        },
        async (step) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          const assets = values(step).assets === 'yes';
          const experience = pickChoice(step.result as string, YES_NO) === 'yes';
          const missing = [!assets && '资产（日均 50 万元）', !experience && '交易经验（满 6 个月）'].filter(Boolean);
          const text =
            missing.length === 0
              ? '根据您的回答，您初步满足资产和交易经验要求。开通还需完成风险测评（稳健型及以上）、两融知识测试和征信查询，可在App“业务办理-融资融券”预约，或回复“预约”由客户经理联系您。融资融券风险较高，可能损失超过本金，请审慎评估。'
              : `根据您的回答，暂不满足${missing.join('和')}要求，条件满足后即可申请。融资融券风险较高，请审慎评估。`;
          await step.context.sendActivity(text);
          return step.endDialog({ outcome: 'done' } satisfies FlowResult);
        },
      ]),
    );
    this.initialDialogId = 'mg.flow';
  }
}
