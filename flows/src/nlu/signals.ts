/**
 * Keyword signals on the normalised, injection-free text: an explicit request for a person,
 * distress, complaint words and high-risk situations. Pure functions; escalation-signals.ts
 * turns them into reasons.
 */

// Explicit request for a person. 人工 alone counts, but not 人工智能/人工智障/人工费.
const EXPLICIT =
  /转人工|转接人工|转个人工|人工(客服|服务|坐席|回复|处理|沟通)|(找|要|接|叫|让|换)(个)?人工|人工(在吗|呢|来)|有没有人工|人工(?!智|费|成本)|真人|活人|找客服|客服经理|(专属)?客户经理(联系|打电话|给我回)|换人|叫你们的人|找(个|一个)?(懂行的|懂的)?人(来|跟|和|回答)|打电话给我|给我回个?电话|回个电话|联系我/g;
// Questions about the bot's identity are not requests: 你是真人吗 / 是人工还是机器人.
const IDENTITY_QUESTION = /是(真人|人工)(吗|么|还是|嘛)/;
const NEGATOR = /(不用|不需要|不要|别|无需|没必要|不必|用不着)[^,.!?。，！？]{0,2}$/;

/** A request for a person that is only ever negated (不用转人工了, 不需要人工). */
export function negatedRequest(text: string): boolean {
  EXPLICIT.lastIndex = 0;
  return EXPLICIT.test(text) && explicitRequest(text) === null && !IDENTITY_QUESTION.test(text);
}

export function explicitRequest(text: string): string | null {
  if (IDENTITY_QUESTION.test(text) && !/我(要|想|需要)|找|转/.test(text.replace(IDENTITY_QUESTION, ''))) return null;
  EXPLICIT.lastIndex = 0;
  for (const m of text.matchAll(EXPLICIT)) {
    // Up to 4 characters before the match plus the match minus its last two (不需要人工
    // matches 要人工; 不要转人工 matches 转人工): a negator there cancels the request.
    const at = m.index ?? 0;
    const window = text.slice(Math.max(0, at - 4), at + m[0].length - 2);
    if (NEGATOR.test(window)) continue;
    if (m[0] === '真人' && IDENTITY_QUESTION.test(text.slice(Math.max(0, (m.index ?? 0) - 1), (m.index ?? 0) + 4))) continue;
    return m[0];
  }
  return null;
}

// Distress that always escalates, highest priority.
const DISTRESS_ALWAYS = [
  '爆仓',
  '穿仓',
  '血本无归',
  '活不下去',
  '不想活',
  '没法活',
  '想死',
  '去死吧我',
  '跳楼',
  '跳河',
  '轻生',
  '自杀',
  '寻短见',
  '了结自己',
  '倾家荡产',
  '走投无路',
  '家破人亡',
  '活着没意思',
  '活着还有什么意思',
  '活着没什么意思',
  '撑不下去',
  '天都塌了',
  '天塌了',
  '人生完了',
  '负债累累',
  '一屁股债',
  '亏光了',
  '全亏光',
  '全部亏光',
  '日子没法过',
];
const SELF_BLAME = /我(真是|真的|就是|真)?该死/;
// Margin-call words escalate when it is happening to the client (被强平了, 明天会被强平,
// 收到追保通知, 担保比例只剩128%) or the message is negative — not for a calm rules question
// (强平线是多少) and not for a voluntary close (期权到期要不要平仓).
const SITUATIONAL = /强制平仓|强平|追保|担保比例|平仓线|平仓/;
const HAPPENING = [
  /被(强制)?(平仓|强平|平)/,
  /(强平|强制平仓)(了|以后|之后|后)/,
  /(要|快|就要|马上|会不会|会|明天|直接|今天)(被)?(强平|强制平仓)/,
  /追保(通知|短信|电话|了)|(收到|要|被|让我|通知).{0,4}追保|追保要追/,
  /收到.{0,4}(平仓|强平)/,
  /平我(的)?仓/,
  /跌破平仓线|平仓线(就差|快到)/,
  /(担保比例|维持担保比例).{0,8}(1[0-4]\d|跌破|只有|只剩|快到|掉到|不够|快不行)/,
];
// Without a happening pattern, only these escalate, and only in a negative message.
const NEGATIVE_SITUATIONAL = /强制平仓|强平|追保/;

export function distressTerms(text: string, negativeEmotion: boolean): string[] {
  const out = DISTRESS_ALWAYS.filter((t) => text.includes(t) && !new RegExp(`(没|没有|不会)${t}`).test(text));
  if (SELF_BLAME.test(text)) out.push('该死');
  const situational = SITUATIONAL.exec(text);
  if (situational && (HAPPENING.some((re) => re.test(text)) || (negativeEmotion && NEGATIVE_SITUATIONAL.test(text)))) {
    if (!out.includes(situational[0])) out.push(situational[0]);
  }
  return out;
}

const COMPLAINT =
  /投诉|举报|12386|证监会|消协|曝光你们|法庭见|告你们|找律师|起诉你们|监管部门|(要|讨|给)(个|我个)?说法|必须给我解释|谁来赔|谁负责|你们负责吗|(要求|必须)赔偿|赔我|还我(血汗钱|钱|损失)/;
const COMPLAINT_NEGATED = /(不是|没|没有|不)(要|想)?(投诉|举报)/;

export function complaintTerm(text: string): string | null {
  const m = COMPLAINT.exec(text);
  if (!m || COMPLAINT_NEGATED.test(text)) return null;
  return m[0];
}

// High-risk situations recognisable by keyword even if the intent model picks another intent.
const FROZEN =
  /司法冻结|账户(被|已|已经|突然|显示)?冻结|冻结(了)?(我的)?账户|账户(被)?冻(了|住)|资金(账户)?被冻结|钱被冻|钱(全|都)?被冻结|解冻/;
const INHERITANCE =
  /继承|非交易过户|遗产|遗嘱|去世|过世|离世|身故|(爷爷|奶奶|外公|外婆|父亲|母亲|爸爸|妈妈|爸|妈|老伴|老公|丈夫|妻子|老婆|亲人).{0,3}(走了|走得)/;

export function highRiskKeyword(text: string): 'account_frozen' | 'inheritance_transfer' | null {
  if (FROZEN.test(text)) return 'account_frozen';
  if (INHERITANCE.test(text)) return 'inheritance_transfer';
  return null;
}

// Stock picking / investment advice requests (the bot must refuse them).
const STOCK_ADVICE =
  /荐股|推荐.{0,4}(股票|股|牛股|票|板块)|牛股|内幕消息|目标价|抄底|(割肉|加仓|减仓|满仓|补仓)还是|该不该(卖|买)|要不要(卖|买|补仓|止损|割肉|加仓|减仓|清仓|换股|换一只)|(还能|现在能|现在可以|能不能|值不值得|值得)(买|入手|拿|持有|抄底)|适合长期(持有|拿)|(明天|后市|下周|后面|接下来|下个月|今年).{0,8}(涨|跌|走势|行情|怎么走|能到)|会(涨|跌|大跌)(吗|不)|会不会(涨|跌|大跌)|还能涨|能翻倍|能涨多少|(买|选|挑)(什么|哪只|哪个|啥|一只)(股票|股|票|板块)|买(啥|什么)好|帮我(看看|分析|选|挑).{0,10}(股|票|持仓|\d{6})|\d{6}.{0,8}(涨|跌|能买|怎么样|值得|后市|怎么走)|是不是买入的好时机|入场是不是|帮我操作/;

export function stockAdviceCue(text: string): string | null {
  return STOCK_ADVICE.exec(text)?.[0] ?? null;
}
