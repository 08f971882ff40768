import type { ChoiceOption } from './choice';
import type { FlowResult } from './flow-result';
import { SlotFlowDialog, choiceSlot } from './slot-flow';

type Kind = 'trade' | 'fund' | 'login';
const KINDS: ChoiceOption<Kind>[] = [
  { value: 'trade', label: '交易密码', synonyms: ['交易'], mentions: ['交易密码', '交易的密码'] },
  {
    value: 'fund',
    label: '资金密码',
    synonyms: ['资金', '转账密码'],
    mentions: ['资金密码', '转账密码', '取款密码', '资金的密码'],
  },
  {
    value: 'login',
    label: 'App 登录/手势密码',
    synonyms: ['登录', '手势', 'app', 'APP'],
    mentions: ['登录密码', '手势密码', 'app密码', 'app 密码', '登不上', '登录不了', '无法登录'],
  },
];
const LOCKED: ChoiceOption<'yes' | 'no'>[] = [
  {
    value: 'yes',
    label: '已被锁定（提示输错次数过多）',
    synonyms: ['锁', '是', '对', '嗯'],
    mentions: ['锁定', '被锁', '锁了', '锁住', '输错次数过多', '错误次数过多', '输错太多'],
  },
  {
    value: 'no',
    label: '没有锁定，只是忘了',
    synonyms: ['没有', '没锁', '忘', '不是'],
    mentions: ['没锁', '没有锁', '没被锁', '未锁', '没有被锁', '未被锁', '没有锁定', '未锁定'],
  },
];

const ADVICE: Record<Kind, string> = {
  trade: '交易密码可在App“我的-账户安全-重置交易密码”，通过身份证和人脸识别自助重置，重置后立即生效。',
  fund: '资金密码可在App“我的-账户安全-重置资金密码”自助重置；如需同时修改银行端密码，请联系开户银行。',
  login: 'App 登录密码或手势密码可在登录页点击“忘记密码”，通过手机验证码和人脸识别重置。',
};
const KIND_ZH: Record<Kind, string> = { trade: '交易密码', fund: '资金密码', login: 'App 登录/手势密码' };

/** 密码重置/账户锁定: which password, locked or not, then the self-service steps. */
export class PasswordResetDialog extends SlotFlowDialog {
  static readonly id = 'password_reset';

  constructor() {
    super({
      id: PasswordResetDialog.id,
      intro: (v) => (v.kind ? `好的，我来帮您处理${KIND_ZH[v.kind as Kind]}的问题。` : '好的，我来帮您处理密码问题。'),
      slots: [
        choiceSlot('kind', '请问是哪一种密码？', KINDS, '请回复序号或点选密码类型：'),
        choiceSlot('locked', '账户现在是否已被锁定？', LOCKED),
      ],
      finish: async (context, v) => {
        const kind = v.kind as Kind;
        const lockNote = v.locked === 'yes' ? '连续输错被锁定的账户，30 分钟后自动解锁；自助重置成功后会立即解锁。' : '';
        await context.sendActivity(
          `${ADVICE[kind]}${lockNote}为保障安全，请勿向任何人（包括客服）透露密码或验证码。如自助重置不成功，回复“转人工”由顾问协助。`,
        );
        return { outcome: 'done' } satisfies FlowResult;
      },
    });
  }
}
