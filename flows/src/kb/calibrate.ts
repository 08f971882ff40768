/**
 * Offline calibration / tuning for the KB retriever (not part of the bot, not a test).
 *
 *   npx tsx flows/src/kb/calibrate.ts [--misses]
 *
 * Probe queries, three groups:
 *  - LOO: every client variant in the KB, scored against the KB with that variant removed from
 *    its entry (IDF kept; the effect is negligible);
 *  - dev: DEV below, one paraphrase per entry written without looking at the entry's variants;
 *  - off: OFF_TOPIC below.
 * Then:
 *  1. top-1 / top-3 accuracy (LOO, dev) and a coordinate search over the score weights;
 *  2. fits confidence = sigmoid(a·score + b·margin + d·unknownShare + c) — label: top-1 correct;
 *  3. fits the domain gate P(in-domain | score, unknownShare, anchorStrength) — in-domain (LOO, dev) vs off-topic;
 *  4. reports what the constants and thresholds currently in knowledge-base.ts do (reliability,
 *     answer / clarify / none rates and answered precision, off-topic rejection) and a grid of
 *     threshold alternatives.
 * Paste fitted values into knowledge-base.ts by hand (they are reviewed, not auto-applied).
 * The held-out questions in flows/test/kb.test.ts are never used here.
 */
import {
  ANSWER_MIN_CONFIDENCE,
  ANSWER_MIN_MARGIN,
  CAL_BIAS,
  CAL_MARGIN,
  CAL_SCORE,
  CAL_UNKNOWN,
  CLARIFY_MIN_CONFIDENCE,
  GATE_ANCHOR,
  GATE_BIAS,
  GATE_SCORE,
  GATE_UNKNOWN,
  MIN_IN_DOMAIN,
  analyzeEntry,
  type KbEntry,
} from './knowledge-base';
import { loadKbDir } from './load';
import { analyze, type Analyzed } from './text';
import { COMPONENTS, DEFAULT_WEIGHTS, VectorIndex, combine, type Components, type ScoreWeights } from './vector-index';

/**
 * Off-topic probes for calibration only (the jest test uses its own, different set). Many share
 * a word with the KB on purpose — 密码, 冻结, 限额, 转账, 推荐, 附近 … — because that is what
 * real off-topic traffic at a brokerage looks like.
 */
const OFF_TOPIC = [
  '今天天气不错',
  '明天会下雨吗',
  '你是机器人吗',
  '讲个笑话',
  '帮我订一张去上海的机票',
  '附近有什么好吃的',
  '你叫什么名字',
  '哈哈哈哈',
  '嗯嗯',
  '好的',
  '谢谢你',
  '再见',
  '我想点外卖',
  '最近有什么好看的电影',
  '怎么减肥',
  '手机屏幕碎了去哪修',
  '孩子发烧了怎么办',
  '周末去哪玩',
  '你们公司在招人吗',
  'asdfgh',
  '？？？',
  '在不在',
  '我心情不好',
  '帮我写一首诗',
  '地铁几点停运',
  '快递怎么还没到',
  '信用卡还款日是哪天',
  '房贷利率多少',
  '怎么学英语',
  '世界杯谁赢了',
  '推荐一本好书',
  '密码锁没电了怎么开门',
  '支付宝账户被冻结了',
  '微信转账限额是多少',
  '微信转账转错人了',
  '手机号码归属地怎么查',
  '话费余额怎么查',
  '房子过户要交什么税',
  '车险快到期了',
  '公积金怎么提取',
  '社保卡怎么激活',
  '电费怎么交',
  '怎么开发票',
  '我家狗生病了',
  '医院几点上班',
  '高考成绩什么时候出',
  '身份证丢了去哪补办',
  '驾照到期怎么换证',
  '护照怎么办理',
  '打车软件哪个便宜',
  '明天限行尾号是几',
  '外卖红包怎么领',
  '游戏充值不到账',
  '淘宝退款多久到账',
  '银行卡年费怎么收',
  '手机流量不够用',
  'wifi密码忘了',
  '电脑开不了机',
  '怎么下载抖音',
  '去哪里买便宜的机票',
  '想换个发型',
  '晚上睡不着怎么办',
  '你们老板是谁',
  '今天星期几',
  '现在几点了',
  '你吃饭了吗',
  '陪我聊聊天',
  '我好无聊',
  '给我唱首歌',
  '北京有什么好玩的',
  '怎么做红烧肉',
  '学车要多少钱',
  '考研难不难',
  '结婚要准备什么',
  '猫粮哪个牌子好',
  '租房要注意什么',
  '空调不制冷',
  '想请假怎么跟领导说',
  '蛋糕店几点关门',
  '火车票怎么退',
  '酒店可以延迟退房吗',
  '京东客服电话',
  '健身房办卡划算吗',
  '冰箱有异味',
  '看病能用医保吗',
  '孩子上学要什么材料',
  '快递能寄到国外吗',
  '游戏账号被盗了',
];

/**
 * Dev set: client-style paraphrases, one per entry, written for calibration only — distinct from
 * the KB's variants and from the held-out questions in flows/test/kb.test.ts. They are what the
 * KB's own variants are not: phrased without looking at the entry. Used for the weight search,
 * the confidence fit and the domain gate alongside the leave-one-out variant queries.
 */
const DEV: ReadonlyArray<readonly [string, string]> = [
  ['我准备开个户炒股，流程复杂吗', 'open-account-how'],
  ['开户要不要带户口本', 'open-account-requirements'],
  ['我上周提交的开户申请怎么还在审核', 'open-account-progress'],
  ['你们开户收手续费吗', 'open-account-fee'],
  ['一个人最多可以有几个股东户', 'open-account-multiple'],
  ['开户做人脸识别一直提示失败', 'open-account-video-fail'],
  ['股东卡号在哪里能查到', 'account-numbers'],
  ['我要注销在你们这里的证券账户', 'close-account-how'],
  ['账户里还剩几毛钱利息销不了户', 'close-account-blocked'],
  ['好多年没交易了账户还能用吗', 'dormant-account'],
  ['我想把股票从你们这里转到别家券商', 'transfer-custody-how'],
  ['转托管以后多久能在新券商看到股票', 'transfer-custody-time'],
  ['新券商说我的沪市账户要先撤销指定', 'designated-trading'],
  ['我身份证换了新的，要不要去更新', 'id-update'],
  ['提示我证件已过期被限制买入', 'id-expired-restricted'],
  ['我想更新一下职业和收入信息', 'personal-info-update'],
  ['以前的手机号停机了想换绑新号码', 'phone-change'],
  ['用我儿子的手机号做预留号码行不行', 'phone-not-own'],
  ['收到通知说账户被司法机关冻结', 'judicial-freeze'],
  ['为什么我的账户突然被限制了', 'account-frozen'],
  ['我收到了交易所的异常交易提醒', 'abnormal-trading-warning'],
  ['账户里多了几笔我没下过的委托', 'account-compromised'],
  ['我爸去世了他的股票怎么转到我名下', 'inheritance-transfer'],
  ['登录密码忘了，怎么找回来', 'password-trade-reset'],
  ['银证转账要输的那个资金密码我忘了', 'password-fund-reset'],
  ['交易密码能改成别的吗', 'password-change'],
  ['账户被锁定了什么时候能解', 'account-locked'],
  ['银行密码和资金密码是一个东西吗', 'password-types'],
  ['验证码短信一直不来', 'sms-code-not-received'],
  ['app打开就闪退登录不了', 'login-failed'],
  ['装数字证书要收费吗', 'digital-certificate'],
  ['登录提示数字证书已失效', 'certificate-expired'],
  ['新手机登录要验证什么', 'device-binding'],
  ['有没有Windows版本的交易软件', 'pc-client-download'],
  ['盘中行情延迟好几秒', 'quotes-not-refreshing'],
  ['想看十档行情怎么开通', 'level2-quotes'],
  ['自选股在电脑上看不到', 'watchlist-sync'],
  ['股价涨到目标价能不能推送通知', 'price-alert'],
  ['怎么往股票账户里存钱', 'bank-transfer-how'],
  ['下午四点以后还能转账吗', 'bank-transfer-hours'],
  ['银证转账提示银行卡余额不足但我卡里有钱', 'bank-transfer-failed'],
  ['钱从证券账户转出了但是银行卡没收到', 'bank-transfer-not-arrived'],
  ['转账超过了银行限额怎么办', 'bank-transfer-limit'],
  ['我的银行卡挂失换卡了，三方存管要改吗', 'change-bank-card'],
  ['存管银行是干什么用的', 'third-party-custody'],
  ['可取资金比可用资金少是为什么', 'available-vs-withdrawable'],
  ['周五卖出股票的钱周一能提吗', 'sell-proceeds-timing'],
  ['账户里有一笔资金显示冻结', 'frozen-funds'],
  ['账户余额的利息什么时候发', 'cash-interest'],
  ['想看看这个月钱都花哪了', 'fund-flow-query'],
  ['我现在的交易佣金是万分之几', 'commission-rate'],
  ['买股票要交印花税吗', 'trading-fee-breakdown'],
  ['为什么手续费最低要收5块', 'minimum-commission'],
  ['想把佣金调到万一', 'commission-adjust'],
  ['场外基金的申购费怎么算', 'fund-etf-fees'],
  ['可转债买卖要交印花税吗', 'repo-cb-fees'],
  ['账户里被扣了一笔钱不知道是啥费用', 'unknown-fee-deduction'],
  ['下午几点收盘', 'trading-hours'],
  ['春节前最后一个交易日是哪天', 'market-holidays'],
  ['晚上挂的单第二天会自动报出去吗', 'pre-market-order'],
  ['收盘后还能按收盘价买科创板吗', 'after-hours-fixed-price'],
  ['9点15到9点25能撤单吗', 'call-auction'],
  ['股票买了当天不能卖吗', 't-plus-one'],
  ['主板一天最多跌多少', 'price-limits'],
  ['买股票必须是100股的整数倍吗', 'lot-and-tick'],
  ['为什么委托价格超过2%就不成交', 'price-cage'],
  ['什么是最优五档即时成交', 'order-types'],
  ['挂的单子怎么取消', 'cancel-order'],
  ['卖单挂了半天没卖出去', 'order-not-filled'],
  ['我买的股票停牌好几个月了', 'stock-suspension'],
  ['买ST股需要签什么协议', 'st-stocks'],
  ['股票被摘牌了我的钱怎么办', 'delisting'],
  ['能不能设置涨到多少自动卖出', 'conditional-order'],
  ['想导出今年的成交记录', 'trade-records'],
  ['30开头的股票是哪个板块', 'stock-code-prefix'],
  ['今天有哪些新股能申购', 'ipo-how'],
  ['我的新股额度怎么这么少', 'ipo-quota'],
  ['中签号码在哪里查', 'ipo-winning-result'],
  ['中签后账户里要留多少钱', 'ipo-payment'],
  ['中签了不缴款会被记录吗', 'ipo-abandon'],
  ['新股中签后几天能卖出', 'ipo-listing'],
  ['北交所新股申购要冻结多少钱', 'ipo-bse'],
  ['申购科创板新股提示没有权限', 'ipo-failed'],
  ['融资融券要满多少资产才能开', 'margin-open'],
  ['借钱炒股是什么意思', 'margin-basics'],
  ['担保比例低于130%会怎样', 'margin-maintenance-ratio'],
  ['券商让我追加担保物', 'margin-call'],
  ['我的两融账户被强制平仓了', 'margin-forced-liquidation'],
  ['融资一年利息是多少', 'margin-interest'],
  ['融资负债怎么还掉', 'margin-repay'],
  ['融资到期了还没还怎么办', 'margin-term'],
  ['信用账户里的股票能转回普通账户吗', 'margin-collateral-transfer'],
  ['这只股票为什么不在融资标的里', 'margin-eligible-securities'],
  ['想关闭融资融券账户', 'margin-close-account'],
  ['创业板权限要10万资产吗', 'permission-chinext'],
  ['科创板权限开通流程', 'permission-star'],
  ['想买北交所的股票需要什么条件', 'permission-bse'],
  ['日均资产是按哪20天算', 'permission-daily-assets'],
  ['交易经验是从开户开始算吗', 'permission-trading-experience'],
  ['我有没有开通港股通权限在哪看', 'permission-query'],
  ['创业板申请了什么时候可以买', 'permission-effective'],
  ['成为专业投资者需要多少资产', 'professional-investor'],
  ['风险承受能力评估在哪里重新做', 'risk-assessment-how'],
  ['测评结果过期了还能买基金吗', 'risk-assessment-expired'],
  ['我的风险等级买不了这个产品', 'suitability-mismatch'],
  ['风险测评今天做了好几次不让再做了', 'risk-assessment-limit'],
  ['股票分红一般几号到账', 'dividend-arrival'],
  ['股息红利要交多少个税', 'dividend-tax'],
  ['除权以后股价变低是亏钱了吗', 'ex-dividend-price'],
  ['转增的股票还没到我账户', 'bonus-shares'],
  ['股权登记日当天买入有没有分红', 'record-date'],
  ['配股缴款怎么操作', 'rights-issue'],
  ['怎么参加上市公司的股东大会投票', 'shareholder-vote'],
  ['要约收购的预受怎么操作', 'tender-offer'],
  ['派息日过了钱还没到', 'dividend-not-received'],
  ['逆回购会亏本吗', 'repo-what'],
  ['逆回购最低多少钱起买', 'repo-how'],
  ['逆回购一天的收益怎么算', 'repo-interest-days'],
  ['逆回购中途能取出来吗', 'repo-early-exit'],
  ['ETF跟股票有什么不一样', 'etf-what'],
  ['黄金ETF能当天卖吗', 'etf-trading-rules'],
  ['ETF的最小申购单位是多少', 'etf-creation-redemption'],
  ['ETF的折价和溢价是什么', 'etf-premium'],
  ['在App里怎么申购基金', 'fund-buy'],
  ['基金卖出去几天能到账', 'fund-redeem'],
  ['怎么设置每周自动买基金', 'fund-auto-invest'],
  ['账户里的闲置资金能买货币基金吗', 'cash-management'],
  ['有没有券商发行的理财', 'wealth-products'],
  ['基金分红能改成现金吗', 'fund-dividend-mode'],
  ['个人养老金每年最多交多少', 'personal-pension'],
  ['可转债有什么风险', 'cb-what'],
  ['开通可转债交易要什么资产', 'cb-permission'],
  ['可转债申购一签多少钱', 'cb-subscribe'],
  ['可转债的涨跌幅限制', 'cb-trading-rules'],
  ['手里的转债怎么转成正股', 'cb-conversion'],
  ['转债强赎前要不要卖掉', 'cb-redemption'],
  ['期权开户要考试吗', 'options-open'],
  ['期权二级权限能干什么', 'options-levels'],
  ['期权的合约单位是多少', 'options-basics'],
  ['期权行权要准备多少资金', 'options-exercise'],
  ['期权保证金不够了会被平仓吗', 'options-margin'],
  ['沪深300ETF期权能做吗', 'options-underlyings'],
  ['开港股通要满足什么条件', 'hk-connect-open'],
  ['港股通什么时候休市', 'hk-connect-hours'],
  ['港股没有涨跌停限制吗', 'hk-connect-rules'],
  ['港股通扣的人民币按什么汇率算', 'hk-connect-fx'],
  ['港股通收哪些税费', 'hk-connect-fees'],
  ['H股分红要交20%的税吗', 'hk-connect-dividend'],
  ['港股卖出的钱什么时候到账', 'hk-connect-settlement'],
  ['为什么这只港股不能通过港股通买', 'hk-connect-eligible'],
  ['想去营业部办业务要预约吗', 'branch-appointment'],
  ['营业部下午几点下班', 'branch-hours'],
  ['人工客服怎么联系', 'human-agent'],
  ['我要投诉，服务太差了', 'complaint'],
  ['月度对账单怎么导出', 'account-statement'],
  ['办签证要开资产证明', 'asset-certificate'],
  ['我想换个客户经理', 'account-manager'],
  ['有人打电话说是券商的让我下载软件', 'anti-fraud'],
  ['给推荐几只好股票', 'no-investment-advice'],
  ['登录能不能不输密码用指纹', 'biometric-login'],
  ['交易所的国债怎么买', 'bond-trading'],
  ['REITs有什么风险', 'reits'],
  ['LOF基金可以在场内买吗', 'lof-fund'],
  ['买入的时候说资金不够', 'insufficient-buying-power'],
  ['想给你们提个意见', 'feedback'],
];

interface Probe {
  text: string;
  kind: 'loo' | 'dev' | 'off';
  expected: number | null; // entry index; null = off-topic
  comps: Components;
  unknown: number;
  anchor: number;
}

interface Ranked {
  probe: Probe;
  order: number[];
  raw: Float64Array;
}

interface Features {
  s: number;
  m: number;
  u: number;
  a: number;
  y: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function collect(entries: readonly KbEntry[]): Probe[] {
  const analyzed = entries.map(analyzeEntry);
  const index = new VectorIndex(analyzed);
  const probes: Probe[] = [];
  analyzed.forEach((ae, ei) => {
    // sentences[0] is the canonical question; hold out each client variant in turn
    for (let vi = 1; vi < ae.sentences.length; vi++) {
      const ex = { entry: ei, sentence: vi };
      const q = ae.sentences[vi] as Analyzed;
      probes.push({
        text: entries[ei]?.variants[vi - 1] ?? '',
        kind: 'loo',
        expected: ei,
        comps: index.components(q, ex),
        unknown: index.unknownShare(q, ex),
        anchor: index.anchorStrength(q),
      });
    }
  });
  const byId = new Map(entries.map((e, i) => [e.id, i]));
  for (const [t, id] of DEV) {
    const expected = byId.get(id);
    if (expected === undefined) throw new Error(`DEV refers to unknown entry ${id}`);
    const q = analyze(t);
    probes.push({
      text: t,
      kind: 'dev',
      expected,
      comps: index.components(q),
      unknown: index.unknownShare(q),
      anchor: index.anchorStrength(q),
    });
  }
  for (const t of OFF_TOPIC) {
    const q = analyze(t);
    probes.push({
      text: t,
      kind: 'off',
      expected: null,
      comps: index.components(q),
      unknown: index.unknownShare(q),
      anchor: index.anchorStrength(q),
    });
  }
  return probes;
}

function rankAll(probes: readonly Probe[], w: ScoreWeights): Ranked[] {
  return probes.map((probe) => {
    const raw = combine(probe.comps, w);
    const order = Array.from(raw.keys()).sort((a, b) => (raw[b] as number) - (raw[a] as number));
    return { probe, order, raw };
  });
}

function accuracy(ranked: readonly Ranked[], kind: 'loo' | 'dev'): { top1: number; top3: number; n: number } {
  const on = ranked.filter((r) => r.probe.kind === kind);
  const top1 = on.filter((r) => r.order[0] === r.probe.expected).length / on.length;
  const top3 = on.filter((r) => r.order.slice(0, 3).includes(r.probe.expected as number)).length / on.length;
  return { top1, top3, n: on.length };
}

function features(r: Ranked): Features {
  const top = r.order[0] as number;
  const s = r.raw[top] as number;
  const s2 = (r.raw[r.order[1] as number] as number | undefined) ?? 0;
  return {
    s,
    m: s - s2,
    u: r.probe.unknown,
    a: r.probe.anchor,
    y: r.probe.expected !== null && top === r.probe.expected ? 1 : 0,
  };
}

/**
 * Weighted logistic regression by full-batch gradient descent. `weight[i]` sums to 1 over the
 * points; feature vectors get a trailing bias term.
 */
function fitLogistic(x: readonly number[][], y: readonly number[], weight: readonly number[]): number[] {
  const dim = (x[0]?.length ?? 0) + 1;
  const w = new Array<number>(dim).fill(0);
  for (let it = 0; it < 40000; it++) {
    const g = new Array<number>(dim).fill(0);
    x.forEach((xi, i) => {
      let z = w[dim - 1] as number;
      xi.forEach((v, j) => (z += (w[j] as number) * v));
      const e = (1 / (1 + Math.exp(-z)) - (y[i] as number)) * (weight[i] as number);
      xi.forEach((v, j) => (g[j] = (g[j] as number) + e * v));
      g[dim - 1] = (g[dim - 1] as number) + e;
    });
    for (let j = 0; j < dim; j++) w[j] = (w[j] as number) - 2 * ((g[j] as number) + (j < dim - 1 ? 1e-4 * (w[j] as number) : 0));
  }
  return w;
}

/** Each probe group gets the given total weight, spread evenly over its members. */
function groupWeights(ranked: readonly Ranked[], share: Record<Probe['kind'], number>): number[] {
  const count = { loo: 0, dev: 0, off: 0 };
  for (const r of ranked) count[r.probe.kind]++;
  return ranked.map((r) => share[r.probe.kind] / Math.max(1, count[r.probe.kind]));
}

type Decision = 'answer' | 'clarify' | 'none';

function main(): void {
  const t0 = performance.now();
  const entries = loadKbDir().map((l) => l.entry);
  const probes = collect(entries);
  const n = { loo: 0, dev: 0, off: 0 };
  for (const p of probes) n[p.kind]++;
  console.log(
    `${entries.length} entries; probes: ${n.loo} LOO variants, ${n.dev} dev, ${n.off} off-topic (${(performance.now() - t0).toFixed(0)} ms)`,
  );

  // 1. weights: coordinate search on LOO + dev top-1 (top-3 as a tie-breaker)
  const objective = (w: ScoreWeights): number => {
    const ranked = rankAll(probes, w);
    const l = accuracy(ranked, 'loo');
    const d = accuracy(ranked, 'dev');
    return l.top1 + d.top1 + 0.25 * (l.top3 + d.top3);
  };
  let best: ScoreWeights = { ...DEFAULT_WEIGHTS };
  let bestObj = objective(best);
  for (let improved = true, rounds = 0; improved && rounds < 30; rounds++) {
    improved = false;
    for (const from of COMPONENTS)
      for (const to of COMPONENTS) {
        if (from === to || best[from] < 0.05 - 1e-9) continue;
        const w = { ...best, [from]: +(best[from] - 0.05).toFixed(2), [to]: +(best[to] + 0.05).toFixed(2) };
        const o = objective(w);
        if (o > bestObj + 1e-9) {
          best = w;
          bestObj = o;
          improved = true;
        }
      }
  }
  const acc = (w: ScoreWeights): string => {
    const r = rankAll(probes, w);
    const l = accuracy(r, 'loo');
    const d = accuracy(r, 'dev');
    return `LOO top1=${pct(l.top1)} top3=${pct(l.top3)} | dev top1=${pct(d.top1)} top3=${pct(d.top3)}`;
  };
  console.log(`DEFAULT_WEIGHTS ${JSON.stringify(DEFAULT_WEIGHTS)}: ${acc(DEFAULT_WEIGHTS)}`);
  console.log(`best found      ${JSON.stringify(best)}: ${acc(best)}`);
  for (const k of COMPONENTS) {
    const only = Object.fromEntries(COMPONENTS.map((c) => [c, c === k ? 1 : 0])) as unknown as ScoreWeights;
    console.log(`  ${k} alone: ${acc(only)}`);
  }

  // 2. confidence: P(top-1 correct) from score, margin, unknown share (LOO 40 %, dev 40 %, off 20 %)
  const ranked = rankAll(probes, DEFAULT_WEIGHTS);
  const xs = ranked.map(features);
  const cw = fitLogistic(
    xs.map((x) => [x.s, x.m, x.u]),
    xs.map((x) => x.y),
    groupWeights(ranked, { loo: 0.4, dev: 0.4, off: 0.2 }),
  );
  console.log(
    `fitted: CAL_SCORE=${cw[0]?.toFixed(2)} CAL_MARGIN=${cw[1]?.toFixed(2)} CAL_UNKNOWN=${cw[2]?.toFixed(2)} CAL_BIAS=${cw[3]?.toFixed(2)}`,
  );

  // 3. domain gate: in-domain (LOO 25 %, dev 25 %) vs off-topic (50 %), queries with a match only
  const matched = ranked.map((r, i) => ({ r, x: xs[i] as Features })).filter(({ x }) => x.s > 0);
  const gw = fitLogistic(
    matched.map(({ x }) => [x.s, x.u, x.a]),
    matched.map(({ r }) => (r.probe.kind === 'off' ? 0 : 1)),
    groupWeights(
      matched.map(({ r }) => r),
      { loo: 0.25, dev: 0.25, off: 0.5 },
    ),
  );
  console.log(
    `fitted gate: GATE_SCORE=${gw[0]?.toFixed(2)} GATE_UNKNOWN=${gw[1]?.toFixed(2)} GATE_ANCHOR=${gw[2]?.toFixed(2)} GATE_BIAS=${gw[3]?.toFixed(2)}`,
  );

  // 4. what the constants currently in knowledge-base.ts do
  const conf = (x: Features): number =>
    x.s <= 0 ? 0 : 1 / (1 + Math.exp(-(CAL_SCORE * x.s + CAL_MARGIN * x.m + CAL_UNKNOWN * x.u + CAL_BIAS)));
  const inDomain = (x: Features): number =>
    x.s <= 0 ? 0 : 1 / (1 + Math.exp(-(GATE_SCORE * x.s + GATE_UNKNOWN * x.u + GATE_ANCHOR * x.a + GATE_BIAS)));
  for (const kind of ['loo', 'dev'] as const) {
    console.log(`reliability on ${kind} + off-topic (bin, n, mean confidence, accuracy):`);
    const sel = xs.filter((_, i) => ranked[i]?.probe.kind === kind || ranked[i]?.probe.kind === 'off');
    const bins = [0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001];
    for (let i = 0; i + 1 < bins.length; i++) {
      const lo = bins[i] as number;
      const hi = bins[i + 1] as number;
      const inBin = sel.filter((x) => conf(x) >= lo && conf(x) < hi);
      if (!inBin.length) continue;
      const mc = inBin.reduce((t, x) => t + conf(x), 0) / inBin.length;
      const a = inBin.reduce((t, x) => t + x.y, 0) / inBin.length;
      console.log(`  [${lo}, ${Math.min(1, hi)})  n=${inBin.length}  conf=${mc.toFixed(2)}  acc=${a.toFixed(2)}`);
    }
  }

  const decide = (x: Features, ansConf: number, ansMargin: number, gateMin: number): Decision =>
    conf(x) < CLARIFY_MIN_CONFIDENCE || inDomain(x) < gateMin
      ? 'none'
      : conf(x) >= ansConf && x.m >= ansMargin
        ? 'answer'
        : 'clarify';
  const report = (ansConf: number, ansMargin: number, gateMin: number): string => {
    const parts: string[] = [];
    for (const kind of ['loo', 'dev'] as const) {
      const sel = xs.filter((_, i) => ranked[i]?.probe.kind === kind);
      const d = sel.map((x) => decide(x, ansConf, ansMargin, gateMin));
      const answered = sel.filter((_, i) => d[i] === 'answer');
      const prec = answered.reduce((t, x) => t + x.y, 0) / Math.max(1, answered.length);
      const share = (k: Decision): string => pct(d.filter((v) => v === k).length / sel.length);
      parts.push(`${kind}: answer ${share('answer')} @${pct(prec)}, clarify ${share('clarify')}, none ${share('none')}`);
    }
    const off = xs.filter((_, i) => ranked[i]?.probe.kind === 'off');
    const offD = off.map((x) => decide(x, ansConf, ansMargin, gateMin));
    parts.push(
      `off: none ${offD.filter((v) => v === 'none').length}/${off.length}, answered ${offD.filter((v) => v === 'answer').length}`,
    );
    return parts.join(' | ');
  };
  console.log(
    `current (answer ≥ ${ANSWER_MIN_CONFIDENCE} & margin ≥ ${ANSWER_MIN_MARGIN}; none if in-domain < ${MIN_IN_DOMAIN}):\n  ${report(ANSWER_MIN_CONFIDENCE, ANSWER_MIN_MARGIN, MIN_IN_DOMAIN)}`,
  );
  console.log('alternatives:');
  for (const ac of [0.6, 0.7])
    for (const am of [0.05, 0.08])
      for (const gm of [0.2, 0.25, 0.3, 0.35, 0.4, 0.5])
        console.log(`  answer≥${ac} margin≥${am} gate<${gm}: ${report(ac, am, gm)}`);
  ranked.forEach((r, i) => {
    const x = xs[i] as Features;
    const d = decide(x, ANSWER_MIN_CONFIDENCE, ANSWER_MIN_MARGIN, MIN_IN_DOMAIN);
    const top = entries[r.order[0] as number]?.id;
    if (r.probe.kind === 'off' && d !== 'none')
      console.log(
        `  off-topic → ${d}: "${r.probe.text}" in-domain=${inDomain(x).toFixed(2)} conf=${conf(x).toFixed(2)} (${top})`,
      );
    if (r.probe.kind === 'dev' && (d === 'none' || (d === 'answer' && x.y === 0)))
      console.log(
        `  dev → ${d}: "${r.probe.text}" want ${entries[r.probe.expected as number]?.id}, top ${top} in-domain=${inDomain(x).toFixed(2)} conf=${conf(x).toFixed(2)}`,
      );
  });

  if (process.argv.includes('--dump'))
    xs.forEach((x, i) =>
      console.log(`DUMP\t${x.s}\t${x.m}\t${x.u}\t${x.a}\t${x.y}\t${ranked[i]?.probe.kind}\t${ranked[i]?.probe.text}`),
    );
  if (!process.argv.includes('--misses')) return;
  console.log('misses (LOO and dev):');
  for (const r of ranked) {
    const exp = r.probe.expected;
    if (exp === null || r.order[0] === exp) continue;
    console.log(
      `  [${r.probe.kind}] "${r.probe.text}"  ${entries[exp]?.id} (rank ${r.order.indexOf(exp) + 1}) → ${entries[r.order[0] as number]?.id}`,
    );
  }
}

main();
