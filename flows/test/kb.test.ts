import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ANSWER_MIN_CONFIDENCE,
  DEFAULT_KB_DIR,
  KbValidationError,
  KnowledgeBase,
  MAX_ANSWER_CHARS,
  type KbEntry,
} from '../src/kb';

const kb = KnowledgeBase.load();

/** Topics the brief requires, each mapped to the topic labels used in flows/data/kb. */
const REQUIRED_TOPICS = [
  '开户',
  '销户',
  '密码与账户锁定',
  '银证转账',
  '佣金费率',
  '交易时间',
  '新股申购',
  '融资融券',
  '交易权限',
  '风险测评',
  '分红派息',
  '国债逆回购',
  'ETF',
  '港股通',
  '登录与数字证书',
  '行情软件',
  '账户冻结',
  '转托管',
  '营业部与预约',
  '可转债',
  '基金理财',
  '期权',
  '交易规则',
  '资金',
  '证件更新',
  '手机号变更',
];

/**
 * Held-out client questions, written for this test (not copied from the KB's variants — checked
 * below), each with the entry that should answer it.
 */
const HELD_OUT: ReadonlyArray<readonly [string, string]> = [
  // 开户 / 销户 / 转托管 / 资料
  ['想在你们这儿新开一个炒股的户头', 'open-account-how'],
  ['办开户需要带啥材料', 'open-account-requirements'],
  ['开户申请交上去两天了还没消息', 'open-account-progress'],
  ['开通证券账户收不收钱', 'open-account-fee'],
  ['我已经在两家券商有户了还能在这里再开一个吗', 'open-account-multiple'],
  ['开户的时候视频认证老是失败', 'open-account-video-fail'],
  ['我的资金账号是多少，去哪里能看到', 'account-numbers'],
  ['不打算炒股了，想把账户销掉', 'close-account-how'],
  ['申请销户被拒了说还有余额', 'close-account-blocked'],
  ['很久没用的账户被休眠了怎么激活', 'dormant-account'],
  ['把持仓股票转去另一家证券公司怎么操作', 'transfer-custody-how'],
  ['转托管提交后要几个工作日到', 'transfer-custody-time'],
  ['沪市股票撤销指定交易怎么弄', 'designated-trading'],
  ['身份证有效期到了，账户里要怎么更新', 'id-update'],
  ['证件过期以后不让买股票了怎么解除', 'id-expired-restricted'],
  ['家庭住址变了在哪里改资料', 'personal-info-update'],
  ['我换手机号了，账户绑定的号码怎么改成新的', 'phone-change'],
  ['可以绑定我老婆名下的手机号吗', 'phone-not-own'],
  // 冻结 / 安全
  ['我的股票账户被法院冻结了', 'judicial-freeze'],
  ['账户状态显示冻结，是什么原因', 'account-frozen'],
  ['交易所说我异常交易给了警示', 'abnormal-trading-warning'],
  ['我的账户被别人盗用了，买了我不认识的股票', 'account-compromised'],
  ['老人过世了，他账户里的股票怎么继承', 'inheritance-transfer'],
  // 密码 / 登录 / 行情
  ['交易密码记不住了，怎么重新设置', 'password-trade-reset'],
  ['资金密码忘记了转不了账', 'password-fund-reset'],
  ['我想修改一下登录密码', 'password-change'],
  ['输错密码好几次，现在账户锁住了', 'account-locked'],
  ['资金密码跟交易密码有啥不同', 'password-types'],
  ['手机收不到登录验证码', 'sms-code-not-received'],
  ['APP一直登录失败进不去', 'login-failed'],
  ['登录的时候让我装数字证书，这是什么', 'digital-certificate'],
  ['数字证书到期了怎么续', 'certificate-expired'],
  ['换了个新手机，登录要重新绑定设备吗', 'device-binding'],
  ['电脑客户端去哪里下载', 'pc-client-download'],
  ['行情一直卡着不刷新', 'quotes-not-refreshing'],
  ['level2行情怎么收费', 'level2-quotes'],
  ['换了手机自选股都不见了', 'watchlist-sync'],
  ['能不能设置股价到了提醒我', 'price-alert'],
  // 银证转账 / 资金
  ['钱怎么从银行卡转进证券账户', 'bank-transfer-how'],
  ['银证转账周六周日能用吗', 'bank-transfer-hours'],
  ['银证转账老是失败是怎么回事', 'bank-transfer-failed'],
  ['银行那边已经扣钱了，证券账户里没看到', 'bank-transfer-not-arrived'],
  ['银证转账单日限额多少', 'bank-transfer-limit'],
  ['我想把存管银行换成另一家银行', 'change-bank-card'],
  ['第三方存管到底是什么', 'third-party-custody'],
  ['可用资金有钱但是可取资金是零', 'available-vs-withdrawable'],
  ['今天卖掉股票的钱什么时候能转到银行', 'sell-proceeds-timing'],
  ['资金被冻结了一部分是怎么回事', 'frozen-funds'],
  ['证券账户里的余额有没有利息', 'cash-interest'],
  ['我想查一下最近的资金流水', 'fund-flow-query'],
  // 费用
  ['现在我买卖股票的佣金是多少', 'commission-rate'],
  ['卖股票要交印花税吗，交多少', 'trading-fee-breakdown'],
  ['为什么交易一百块也要收五块手续费', 'minimum-commission'],
  ['佣金太高了能帮我调低吗', 'commission-adjust'],
  ['买场内基金收不收印花税', 'fund-etf-fees'],
  ['逆回购的手续费是怎么收的', 'repo-cb-fees'],
  ['资金流水里有笔不认识的扣费', 'unknown-fee-deduction'],
  // 交易时间 / 交易规则
  ['A股每天几点开始交易', 'trading-hours'],
  ['五一劳动节股市放几天假', 'market-holidays'],
  ['非交易时间能不能提前委托', 'pre-market-order'],
  ['创业板收盘以后的盘后交易怎么做', 'after-hours-fixed-price'],
  ['开盘集合竞价的规则是什么', 'call-auction'],
  ['今天刚买的票能不能马上卖掉', 't-plus-one'],
  ['科创板一天最多涨多少', 'price-limits'],
  ['科创板股票最少要买多少股', 'lot-and-tick'],
  ['下单的时候提示超出价格笼子', 'price-cage'],
  ['市价委托是什么意思', 'order-types'],
  ['下错单了怎么撤回来', 'cancel-order'],
  ['挂了买单一直没有成交', 'order-not-filled'],
  ['我持有的股票停牌了，什么时候能复牌', 'stock-suspension'],
  ['ST的股票怎么才能买', 'st-stocks'],
  ['手里的股票进入退市整理期了怎么办', 'delisting'],
  ['怎么设置止损条件单', 'conditional-order'],
  ['在哪里查历史交割单', 'trade-records'],
  ['股票代码60开头是哪个市场的', 'stock-code-prefix'],
  // 新股
  ['新股怎么打', 'ipo-how'],
  ['打新需要持有多少市值', 'ipo-quota'],
  ['去哪看新股有没有中签', 'ipo-winning-result'],
  ['新股中签以后要自己缴款吗', 'ipo-payment'],
  ['新股中签了没缴款会有什么后果', 'ipo-abandon'],
  ['中签的新股哪天上市', 'ipo-listing'],
  ['北交所的新股申购规则', 'ipo-bse'],
  ['为什么打新申购失败了', 'ipo-failed'],
  // 两融
  ['开通两融账户需要什么条件', 'margin-open'],
  ['融资融券到底是怎么回事，风险大吗', 'margin-basics'],
  ['维持担保比例是怎么计算的', 'margin-maintenance-ratio'],
  ['两融账户收到追保通知了', 'margin-call'],
  ['什么情况下会被券商强平', 'margin-forced-liquidation'],
  ['融资的利率是多少', 'margin-interest'],
  ['融资买的股票怎么还款', 'margin-repay'],
  ['融资合约快到期了能不能延期', 'margin-term'],
  ['怎么把普通账户股票划到信用账户做担保', 'margin-collateral-transfer'],
  ['哪些股票能融资买入', 'margin-eligible-securities'],
  ['不做两融了，信用账户怎么注销', 'margin-close-account'],
  // 权限 / 风测 / 适当性
  ['创业板开通要什么条件', 'permission-chinext'],
  ['我想开科创板权限', 'permission-star'],
  ['北交所的股票怎么开通权限', 'permission-bse'],
  ['日均资产20天是怎么算的', 'permission-daily-assets'],
  ['交易经验不满两年能开通吗', 'permission-trading-experience'],
  ['怎么查自己开通了哪些交易权限', 'permission-query'],
  ['权限开通了多久能生效', 'permission-effective'],
  ['专业投资者怎么认定', 'professional-investor'],
  ['我要做风险测评', 'risk-assessment-how'],
  ['风险测评到期了', 'risk-assessment-expired'],
  ['买基金提示风险等级不匹配', 'suitability-mismatch'],
  ['风险测评今天还能重新做吗', 'risk-assessment-limit'],
  // 分红 / 公司行为
  ['我买的股票分红了，钱什么时候到', 'dividend-arrival'],
  ['分红的税是怎么扣的', 'dividend-tax'],
  ['除息以后股价变低了', 'ex-dividend-price'],
  ['送转的股票什么时候到账', 'bonus-shares'],
  ['要在哪天之前买入才能参加分红', 'record-date'],
  ['公司配股我要怎么认购', 'rights-issue'],
  ['股东大会在哪投票', 'shareholder-vote'],
  ['公司被要约收购了，我怎么卖给收购方', 'tender-offer'],
  ['到了派息日分红还没到账', 'dividend-not-received'],
  // 产品
  ['国债逆回购靠谱吗', 'repo-what'],
  ['国债逆回购在哪里买', 'repo-how'],
  ['逆回购利息怎么计算', 'repo-interest-days'],
  ['买了逆回购后悔了能中途退出吗', 'repo-early-exit'],
  ['ETF基金是什么', 'etf-what'],
  ['ETF可以T+0吗', 'etf-trading-rules'],
  ['ETF的申购和赎回门槛高吗', 'etf-creation-redemption'],
  ['ETF溢价太高了是怎么回事', 'etf-premium'],
  ['想买一只场外基金在哪里买', 'fund-buy'],
  ['赎回的基金钱什么时候能回到账户', 'fund-redeem'],
  ['我想每个月定投基金', 'fund-auto-invest'],
  ['闲钱放账户里能不能自动买货币基金', 'cash-management'],
  ['你们有资管产品吗', 'wealth-products'],
  ['基金分红怎么改成红利再投', 'fund-dividend-mode'],
  ['个人养老金账户在哪开', 'personal-pension'],
  ['什么叫可转债', 'cb-what'],
  ['开可转债权限要什么条件', 'cb-permission'],
  ['可转债打新怎么参与', 'cb-subscribe'],
  ['可转债能T+0吗', 'cb-trading-rules'],
  ['可转债怎么换成股票', 'cb-conversion'],
  ['可转债公告强制赎回了怎么办', 'cb-redemption'],
  ['我想开通期权交易', 'options-open'],
  ['期权一级权限能做什么', 'options-levels'],
  ['期权合约到期日是哪天', 'options-basics'],
  ['期权到期了怎么行权', 'options-exercise'],
  ['卖期权要交多少保证金', 'options-margin'],
  ['能做哪些ETF期权', 'options-underlyings'],
  // 港股通
  ['港股通要多少资金才能开', 'hk-connect-open'],
  ['港股通几点交易', 'hk-connect-hours'],
  ['港股通能T+0吗', 'hk-connect-rules'],
  ['港股通买股票用什么汇率', 'hk-connect-fx'],
  ['港股通的费用有哪些', 'hk-connect-fees'],
  ['港股通分红扣多少税', 'hk-connect-dividend'],
  ['港股通卖出后资金多久可以取', 'hk-connect-settlement'],
  ['港股通可以买哪些港股', 'hk-connect-eligible'],
  // 服务
  ['最近的营业部在哪里，想预约过去', 'branch-appointment'],
  ['营业部周六上班吗', 'branch-hours'],
  ['转人工', 'human-agent'],
  ['我要投诉你们的客户经理', 'complaint'],
  ['对账单在哪里下载', 'account-statement'],
  ['需要开一份证券资产证明', 'asset-certificate'],
  ['我的专属客户经理是谁', 'account-manager'],
  ['有个自称你们员工的人让我转钱到他卡上', 'anti-fraud'],
  ['你觉得哪只股票会涨', 'no-investment-advice'],
];

/*
 * Measured when this test was written (165 entries, 159 held-out questions): top-1 94.3 %,
 * top-3 99.4 %; answer() answered 107 directly (all right), asked to clarify on 36 (35 menus held
 * the right entry) and said none on 16. The floors sit a little below, so content edits that
 * cost a few questions still pass but a retrieval regression does not. These questions were
 * never used for tuning (calibrate.ts has its own dev set), but the same person wrote the KB and
 * them, so real client traffic will score lower — calibrate.ts reports the harsher
 * leave-one-out and dev figures.
 */
const TOP1_FLOOR = 0.9;
const TOP3_FLOOR = 0.96;
const ANSWERED_FLOOR = 0.6;
const ANSWERED_PRECISION_FLOOR = 0.95;
const NONE_CEILING = 0.15;

const OFF_TOPIC = [
  '今天天气怎么样',
  '你好',
  '啊啊啊',
  '帮我查一下明天去北京的高铁票',
  '推荐一部好看的电视剧',
  '晚饭吃什么好',
  '你会唱歌吗',
  '猫咪不吃东西怎么办',
  '1+1等于几',
  '哈喽',
  '讲个故事吧',
  '我的快递到哪了',
  '',
  '   ',
  '。。。',
];

/** Short queries that match several entries equally well: the bot should ask, not guess. */
const AMBIGUOUS = ['密码', '转账', '冻结', '权限', '分红'];

describe('KB content', () => {
  const entries = kb.entries;

  test('has at least 150 entries with unique ids', () => {
    expect(kb.size).toBeGreaterThanOrEqual(150);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });

  test('covers every required topic with several entries', () => {
    const count = new Map<string, number>();
    for (const e of entries) count.set(e.topic, (count.get(e.topic) ?? 0) + 1);
    const missing = REQUIRED_TOPICS.filter((t) => !count.has(t));
    expect(missing).toEqual([]);
    const thin = REQUIRED_TOPICS.filter((t) => (count.get(t) ?? 0) < 2);
    expect(thin).toEqual([]);
  });

  test('entries are well-formed: 3–6 variants, answer ≤ 300 chars, no duplicated phrasings', () => {
    const seen = new Map<string, string>();
    for (const e of entries) {
      expect([e.id, e.variants.length >= 3 && e.variants.length <= 6]).toEqual([e.id, true]);
      expect([e.id, [...e.answer].length <= MAX_ANSWER_CHARS]).toEqual([e.id, true]);
      for (const p of [e.question, ...e.variants]) {
        const key = p.replace(/[\s？?！!。，,]/g, '');
        expect([p, seen.get(key) ?? e.id]).toEqual([p, e.id]);
        seen.set(key, e.id);
      }
    }
  });

  test('every file carries the demo-content note', () => {
    const dir = DEFAULT_KB_DIR;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const note = (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { note: string }).note;
      expect([f, note]).toEqual([f, expect.stringContaining('Demo content written for this project')]);
    }
  });

  test('no answer recommends a security or promises returns', () => {
    // never acceptable, whatever the context
    const banned = [
      /推荐买入/,
      /建议(买入|卖出|持有)/,
      /强烈推荐/,
      /稳赚/,
      /必赚/,
      /包赚/,
      /稳赢/,
      /零风险/,
      /翻倍/,
      /必涨/,
      /一定(会)?涨/,
      /保本保息/,
      /保本收益/,
      /(?<![\d.])[036]\d{5}(?!\d)/, // a six-digit A-share code
    ];
    // acceptable only inside a negated clause ("不会承诺收益", "收益…并不保证")
    const negatedOnly = [/承诺.{0,6}收益/, /保证.{0,6}收益/, /收益.{0,6}保证/, /保本/, /无风险/, /收益率?(高达|可达)/];
    const negation = /不|无法|并非|没有|勿|未/;
    const offenders: string[] = [];
    for (const e of entries) {
      for (const re of banned) if (re.test(e.answer)) offenders.push(`${e.id}: ${re.source}`);
      for (const clause of e.answer.split(/[。；;！!？?]/))
        for (const re of negatedOnly) if (re.test(clause) && !negation.test(clause)) offenders.push(`${e.id}: ${clause}`);
    }
    expect(offenders).toEqual([]);
  });

  test('things only a person can do are flagged escalate', () => {
    for (const id of ['judicial-freeze', 'account-frozen', 'inheritance-transfer', 'complaint', 'account-compromised'])
      expect([id, kb.byId(id)?.escalate]).toEqual([id, true]);
  });
});

describe('KB retrieval', () => {
  test('held-out questions are not copies of KB phrasings', () => {
    const norm = (s: string): string => s.replace(/[\s？?！!。，,]/g, '').toLowerCase();
    const phrasings = new Set(kb.entries.flatMap((e) => [e.question, ...e.variants]).map(norm));
    expect(HELD_OUT.filter(([q]) => phrasings.has(norm(q))).map(([q]) => q)).toEqual([]);
    expect(HELD_OUT.length).toBeGreaterThanOrEqual(60);
    for (const [, id] of HELD_OUT) expect([id, kb.byId(id)?.id]).toEqual([id, id]);
  });

  test('held-out top-1 / top-3 accuracy', () => {
    let top1 = 0;
    let top3 = 0;
    const misses: string[] = [];
    for (const [q, id] of HELD_OUT) {
      const ids = kb.search(q, 3).map((c) => c.entry.id);
      if (ids[0] === id) top1++;
      else misses.push(`${q} → ${ids.join(', ')} (want ${id})`);
      if (ids.includes(id)) top3++;
    }
    const n = HELD_OUT.length;
    console.log(
      `held-out n=${n} top1=${((100 * top1) / n).toFixed(1)}% top3=${((100 * top3) / n).toFixed(1)}%\n${misses.join('\n')}`,
    );
    expect(top1 / n).toBeGreaterThanOrEqual(TOP1_FLOOR);
    expect(top3 / n).toBeGreaterThanOrEqual(TOP3_FLOOR);
  });

  test('answer() on held-out questions: mostly direct answers, and those are right', () => {
    const kinds = { answer: 0, clarify: 0, none: 0 };
    let right = 0;
    let inMenu = 0;
    for (const [q, id] of HELD_OUT) {
      const r = kb.answer(q);
      kinds[r.kind]++;
      if (r.kind === 'answer' && r.entry.id === id) right++;
      if (r.kind === 'clarify' && r.candidates.some((c) => c.entry.id === id)) inMenu++;
    }
    const n = HELD_OUT.length;
    console.log(
      `held-out answer(): answer ${kinds.answer} (${right} right), clarify ${kinds.clarify} (${inMenu} with the right entry in the menu), none ${kinds.none}, of ${n}`,
    );
    expect(kinds.answer / n).toBeGreaterThanOrEqual(ANSWERED_FLOOR);
    expect(right / kinds.answer).toBeGreaterThanOrEqual(ANSWERED_PRECISION_FLOOR);
    expect(kinds.none / n).toBeLessThanOrEqual(NONE_CEILING);
  });

  test.each([
    ['银证转账一直提示失败', 'bank-transfer-failed'],
    ['两融维保比例怎么算', 'margin-maintenance-ratio'],
    ['怎么打新债', 'cb-subscribe'],
    ['我的账户被司法冻结了怎么办', 'judicial-freeze'],
  ])('answers a clear question: %s', (q, id) => {
    const r = kb.answer(q);
    expect(r.kind).toBe('answer');
    if (r.kind === 'answer') {
      expect(r.entry.id).toBe(id);
      expect(r.confidence).toBeGreaterThanOrEqual(ANSWER_MIN_CONFIDENCE);
      expect(r.candidates[0]?.entry.id).toBe(id);
    }
  });

  test('escalation flag travels with the answer', () => {
    const r = kb.answer('我的账户被司法冻结了怎么办');
    expect(r.kind === 'answer' && r.entry.escalate).toBe(true);
  });

  test.each(AMBIGUOUS)('asks to clarify a short ambiguous query: %s', (q) => {
    const r = kb.answer(q);
    expect(r.kind).toBe('clarify');
    expect(r.candidates.length).toBeGreaterThanOrEqual(2);
    expect(r.candidates.length).toBeLessThanOrEqual(4);
    // menu clicks send the id back
    for (const c of r.candidates) expect(kb.byId(c.entry.id)).toBe(c.entry);
  });

  test('clarify menu for 密码 lists password entries', () => {
    const r = kb.answer('密码');
    const ids = r.candidates.map((c) => c.entry.id);
    expect(ids.every((id) => /password|locked/.test(id))).toBe(true);
  });

  test.each(OFF_TOPIC)('returns none for off-topic text: %p', (q) => {
    const r = kb.answer(q);
    expect(r.kind).toBe('none');
  });

  test('confidence is in 0..1 and candidates are sorted', () => {
    for (const q of ['怎么开户', '转账', '今天天气怎么样', 'ETF', '科创板']) {
      const c = kb.search(q, 5);
      for (const x of c) {
        expect(x.confidence).toBeGreaterThanOrEqual(0);
        expect(x.confidence).toBeLessThanOrEqual(1);
      }
      for (let i = 1; i < c.length; i++)
        expect((c[i - 1] as { score: number }).score).toBeGreaterThanOrEqual((c[i] as { score: number }).score);
    }
    expect(kb.search('怎么开户', 2).length).toBeLessThanOrEqual(2);
    expect(kb.search('', 5)).toEqual([]);
    const weather = kb.answer('今天天气怎么样');
    expect(weather.kind).toBe('none');
    expect(weather.candidates.every((c) => c.confidence < ANSWER_MIN_CONFIDENCE)).toBe(true);
  });

  test('byId returns undefined for unknown ids', () => {
    expect(kb.byId('no-such-entry')).toBeUndefined();
    expect(kb.byId('open-account-how')?.topic).toBe('开户');
  });
});

describe('KB loading errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kb-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const good = (id: string): KbEntry => ({
    id,
    topic: '开户',
    question: '怎么开户？',
    variants: ['开户流程', '在哪开户', '开个户怎么弄'],
    answer: '示例答案。',
  });
  const write = (name: string, body: unknown): void =>
    writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));

  test('a valid directory loads', () => {
    write('a.json', { note: 'Demo content', entries: [good('a-1'), good('a-2')] });
    expect(KnowledgeBase.load(dir).size).toBe(2);
  });

  test('names the file and the field for a schema error', () => {
    const bad = { ...good('bad-entry'), variants: ['只有一个'] };
    write('account.json', { note: 'Demo content', entries: [good('ok-1'), bad] });
    expect(() => KnowledgeBase.load(dir)).toThrow(KbValidationError);
    expect(() => KnowledgeBase.load(dir)).toThrow(/account\.json[\s\S]*entries\[1\] \(id "bad-entry"\)\.variants/);
  });

  test('reports a missing answer and an unknown field', () => {
    const { answer: _drop, ...noAnswer } = good('no-answer');
    write('fees.json', { note: 'Demo content', entries: [{ ...noAnswer, escalte: true }] });
    let msg = '';
    try {
      KnowledgeBase.load(dir);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/fees\.json/);
    expect(msg).toMatch(/entries\[0\] \(id "no-answer"\)\.answer/);
    expect(msg).toMatch(/escalte/);
  });

  test('rejects invalid JSON with the file name', () => {
    write('broken.json', '{ "note": "x", "entries": [ }');
    expect(() => KnowledgeBase.load(dir)).toThrow(/broken\.json[\s\S]*not valid JSON/);
  });

  test('rejects an over-long answer', () => {
    write('long.json', { note: 'Demo content', entries: [{ ...good('long-1'), answer: '很'.repeat(301) }] });
    expect(() => KnowledgeBase.load(dir)).toThrow(/long\.json[\s\S]*answer: must be at most 300 characters/);
  });

  test('rejects duplicate ids across files, naming both places', () => {
    write('a.json', { note: 'Demo content', entries: [good('same-id')] });
    write('b.json', { note: 'Demo content', entries: [good('same-id')] });
    expect(() => KnowledgeBase.load(dir)).toThrow(/b\.json[\s\S]*duplicate id "same-id"[\s\S]*a\.json/);
  });

  test('rejects an empty directory', () => {
    expect(() => KnowledgeBase.load(dir)).toThrow(/no \.json files/);
  });

  test('fromEntries validates in-memory content too', () => {
    expect(() => KnowledgeBase.fromEntries([good('x'), good('x')])).toThrow(/duplicate id "x"/);
    expect(KnowledgeBase.fromEntries([good('x'), good('y')]).size).toBe(2);
  });
});
