import { ComponentDialog, WaterfallDialog, type WaterfallStepContext } from 'botbuilder-dialogs';
import { isCancel, pickChoice, renderChoices, type ChoiceOption } from './choice';
import type { FlowResult } from './flow-result';
import { choicePrompt, values } from './prompt-step';

type Kind = 'trade' | 'fund' | 'login';
const KINDS: ChoiceOption<Kind>[] = [
  { value: 'trade', label: '交易密码', synonyms: ['交易'] },
  { value: 'fund', label: '资金密码', synonyms: ['资金', '转账密码'] },
  { value: 'login', label: 'App 登录/手势密码', synonyms: ['登录', '手势', 'app', 'APP'] },
];
const LOCKED: ChoiceOption<'yes' | 'no'>[] = [
  { value: 'yes', label: '已被锁定（提示输错次数过多）', synonyms: ['锁', '是', '对', '嗯'] },
  { value: 'no', label: '没有锁定，只是忘了', synonyms: ['没有', '没锁', '忘', '不是'] },
];

const ADVICE: Record<Kind, string> = {
  trade: '交易密码可在App“我的-账户安全-重置交易密码”，通过身份证和人脸识别自助重置，重置后立即生效。',
  fund: '资金密码可在App“我的-账户安全-重置资金密码”自助重置；如需同时修改银行端密码，请联系开户银行。',
  login: 'App 登录密码或手势密码可在登录页点击“忘记密码”，通过手机验证码和人脸识别重置。',
};

/** 密码重置/账户锁定: which password, locked or not, then the self-service steps. */
export class PasswordResetDialog extends ComponentDialog {
  static readonly id = 'password_reset';

  constructor() {
    super(PasswordResetDialog.id);
    this.addDialog(choicePrompt('pw.kind', KINDS));
    this.addDialog(choicePrompt('pw.locked', LOCKED));
    this.addDialog(
      new WaterfallDialog('pw.flow', [
        async (step) =>
          step.prompt('pw.kind', {
            prompt: renderChoices('好的，我来帮您处理密码问题。请问是哪一种密码？', KINDS),
            retryPrompt: renderChoices('请回复序号选择密码类型：', KINDS),
          }),
        async (step) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          values(step).kind = pickChoice(step.result as string, KINDS);
          return step.prompt('pw.locked', {
            prompt: renderChoices('账户现在是否已被锁定？', LOCKED),
            retryPrompt: renderChoices('请回复序号：', LOCKED),
          });
        },
        async (step: WaterfallStepContext) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          const kind = values(step).kind as Kind;
          const locked = pickChoice(step.result as string, LOCKED) === 'yes';
          const lockNote = locked ? '连续输错被锁定的账户，30 分钟后自动解锁；自助重置成功后会立即解锁。' : '';
          await step.context.sendActivity(
            `${ADVICE[kind]}${lockNote}为保障安全，请勿向任何人（包括客服）透露密码或验证码。如自助重置不成功，回复“转人工”由顾问协助。`,
          );
          return step.endDialog({ outcome: 'done' } satisfies FlowResult);
        },
      ]),
    );
    this.initialDialogId = 'pw.flow';
  }
}
