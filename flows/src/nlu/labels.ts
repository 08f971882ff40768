/**
 * The label sets of the NLU: five emotions and the brokerage intent catalogue. Intent ids are
 * stable English identifiers (stored on conversations, used in routing); labels are the Chinese
 * names shown to advisers.
 */
export const EMOTIONS = ['calm', 'anxious', 'angry', 'sad', 'positive'] as const;
export type Emotion = (typeof EMOTIONS)[number];

const NEGATIVE: ReadonlySet<Emotion> = new Set<Emotion>(['anxious', 'angry', 'sad']);

export function isNegativeEmotion(e: Emotion): boolean {
  return NEGATIVE.has(e);
}

export function isEmotion(x: string): x is Emotion {
  return (EMOTIONS as readonly string[]).includes(x);
}

export interface IntentInfo {
  label: string;
  /** Complex or high-risk cases that always go to a person. */
  highRisk?: boolean;
}

export const INTENTS = {
  open_account: { label: '开户' },
  close_account: { label: '销户' },
  password_reset: { label: '密码重置/账户锁定' },
  login_issue: { label: '登录/数字证书' },
  update_info: { label: '个人信息变更' },
  account_frozen: { label: '账户冻结/司法冻结', highRisk: true },
  inheritance_transfer: { label: '继承过户/非交易过户', highRisk: true },
  bank_transfer: { label: '银证转账' },
  transfer_failed: { label: '银证转账失败/未到账' },
  commission_fee: { label: '佣金费率' },
  trading_hours: { label: '交易时间' },
  order_issue: { label: '委托下单/撤单' },
  statement_request: { label: '对账单/资产证明' },
  ipo_subscription: { label: '新股申购/中签' },
  margin_account: { label: '融资融券开通与规则' },
  margin_call: { label: '两融追保/强平' },
  board_permission: { label: '创业板/科创板/北交所权限' },
  risk_assessment: { label: '风险测评与适当性' },
  dividend: { label: '分红派息' },
  reverse_repo: { label: '国债逆回购' },
  etf: { label: 'ETF/场内基金' },
  hk_connect: { label: '港股通' },
  convertible_bond: { label: '可转债' },
  options_trading: { label: '股票期权' },
  custody_transfer: { label: '转托管' },
  appointment: { label: '预约见面' },
  branch_info: { label: '营业部/联系方式' },
  app_issue: { label: '行情软件/APP' },
  complaint: { label: '投诉' },
  human_request: { label: '转人工' },
  stock_advice: { label: '投资建议/荐股' },
  loss_concern: { label: '亏损倾诉' },
  greeting: { label: '问候' },
  thanks: { label: '感谢' },
  goodbye: { label: '再见' },
  acknowledgement: { label: '确认/应答' },
  chitchat: { label: '其他/闲聊' },
} as const satisfies Record<string, IntentInfo>;

export type IntentId = keyof typeof INTENTS;
export const INTENT_IDS = Object.keys(INTENTS) as IntentId[];

export function isIntentId(x: string): x is IntentId {
  return Object.prototype.hasOwnProperty.call(INTENTS, x);
}

export function intentLabel(id: IntentId): string {
  return INTENTS[id].label;
}

export function isHighRiskIntent(id: IntentId): boolean {
  const info: IntentInfo = INTENTS[id];
  return info.highRisk === true;
}
