import bcrypt from 'bcryptjs';
import type { Db } from './models/db';
import type { CustomerTier } from './states';

/**
 * Demo data for `npm start` and the tests: two branches, four advisors, one supervisor and a
 * dozen clients of different tiers. Idempotent (upserts), so it runs at every start.
 * Names, numbers and phones are invented.
 */
export const DEMO_PASSWORD = 'demo1234';

export const DEMO_BRANCHES = [
  { _id: 'SH01', name: '上海陆家嘴营业部', city: '上海' },
  { _id: 'SZ01', name: '深圳福田营业部', city: '深圳' },
];

export const DEMO_ADVISORS = [
  { username: 'wang.fang', displayName: '王芳', role: 'advisor', branchId: 'SH01', skills: ['两融', '开户'] },
  { username: 'li.qiang', displayName: '李强', role: 'advisor', branchId: 'SH01', skills: ['投诉处理', '开户'] },
  { username: 'zhang.min', displayName: '张敏', role: 'advisor', branchId: 'SZ01', skills: ['港股通', '开户'] },
  { username: 'chen.jie', displayName: '陈杰', role: 'advisor', branchId: 'SZ01', skills: ['期权', '两融'] },
  { username: 'zhao.lei', displayName: '赵磊', role: 'supervisor', branchId: 'SH01', skills: [] },
  // The central team (总部远程服务中心): serves every branch's chats that wait too long for their branch.
  {
    username: 'sun.hui',
    displayName: '孙慧',
    role: 'advisor',
    branchId: 'SH01',
    skills: ['两融', '期权', '港股通', '投诉处理'],
    allBranches: true,
  },
] as const;

/** Clients' own advisors (客户经理), by client number → advisor username: offered their clients' chats first. */
export const DEMO_OWN_ADVISORS: Record<string, string> = {
  C1002: 'wang.fang',
  C1003: 'wang.fang',
  C2002: 'chen.jie',
  C2003: 'zhang.min',
};

export const DEMO_CUSTOMERS: { _id: string; name: string; tier: CustomerTier; branchId: string; phone: string }[] = [
  { _id: 'C1001', name: '刘洋', tier: 'standard', branchId: 'SH01', phone: '13800001001' },
  { _id: 'C1002', name: '孙丽', tier: 'gold', branchId: 'SH01', phone: '13800001002' },
  { _id: 'C1003', name: '周建国', tier: 'vip', branchId: 'SH01', phone: '13800001003' },
  { _id: 'C1004', name: '吴婷', tier: 'standard', branchId: 'SH01', phone: '13800001004' },
  { _id: 'C1005', name: '郑浩', tier: 'standard', branchId: 'SH01', phone: '13800001005' },
  { _id: 'C1006', name: '冯雪', tier: 'gold', branchId: 'SH01', phone: '13800001006' },
  { _id: 'C2001', name: '何伟', tier: 'standard', branchId: 'SZ01', phone: '13900002001' },
  { _id: 'C2002', name: '高静', tier: 'vip', branchId: 'SZ01', phone: '13900002002' },
  { _id: 'C2003', name: '林峰', tier: 'gold', branchId: 'SZ01', phone: '13900002003' },
  { _id: 'C2004', name: '罗琳', tier: 'standard', branchId: 'SZ01', phone: '13900002004' },
  { _id: 'C2005', name: '梁晨', tier: 'standard', branchId: 'SZ01', phone: '13900002005' },
  { _id: 'C2006', name: '宋佳', tier: 'gold', branchId: 'SZ01', phone: '13900002006' },
];

/** Canned replies (快捷回复) of the demo; {客户称呼} and {顾问姓名} are filled by the console. */
export const DEMO_CANNED_REPLIES: { keyword: string; text: string; scope: 'global' | 'branch'; branchId: string | null }[] = [
  {
    keyword: '问候',
    scope: 'global',
    branchId: null,
    text: '{客户称呼}您好，我是顾问{顾问姓名}，很高兴为您服务。请问有什么可以帮您？',
  },
  {
    keyword: '安抚',
    scope: 'global',
    branchId: null,
    text: '{客户称呼}，非常理解您现在着急的心情，我来陪您一起处理。我先帮您核实账户的最新情况，几分钟内给您答复。',
  },
  { keyword: '稍等', scope: 'global', branchId: null, text: '{客户称呼}，我正在为您核实，请稍等一两分钟，马上回复您。' },
  {
    keyword: '结束',
    scope: 'global',
    branchId: null,
    text: '感谢您的耐心，{客户称呼}。如还有其他问题，随时在这里留言，{顾问姓名}会尽快回复您。',
  },
  {
    keyword: '两融',
    scope: 'branch',
    branchId: 'SH01',
    text: '{客户称呼}，维持担保比例低于平仓线时，需要在规定时间内追加担保物或还款。我可以帮您核对当前的担保比例和需要补足的金额。',
  },
  {
    keyword: '港股通',
    scope: 'branch',
    branchId: 'SZ01',
    text: '{客户称呼}，开通港股通需要满足资产和风险测评的要求，我可以帮您逐项核对，并说明交易时间和费用。',
  },
];

export async function seedDemo(db: Db): Promise<void> {
  for (const b of DEMO_BRANCHES) {
    await db.Branch.updateOne({ _id: b._id }, { $set: b }, { upsert: true });
  }
  const passwordHash = await bcrypt.hash(DEMO_PASSWORD, 10);
  for (const a of DEMO_ADVISORS) {
    await db.Advisor.updateOne(
      { username: a.username },
      {
        $set: {
          ...a,
          skills: [...a.skills],
          allBranches: 'allBranches' in a ? a.allBranches : a.role === 'supervisor',
          active: true,
        },
        $setOnInsert: { passwordHash },
      },
      { upsert: true },
    );
  }
  const advisorIds = new Map(
    (await db.Advisor.find({ username: { $in: Object.values(DEMO_OWN_ADVISORS) } }, { username: 1 }).lean()).map((a) => [
      a.username,
      a._id.toString(),
    ]),
  );
  for (const c of DEMO_CUSTOMERS) {
    const advisorId = advisorIds.get(DEMO_OWN_ADVISORS[c._id] ?? '') ?? null;
    await db.Customer.updateOne(
      { _id: c._id },
      { $set: { ...c, advisorId, identities: [{ channel: 'app', externalId: c._id }] } },
      { upsert: true },
    );
  }
  for (const r of DEMO_CANNED_REPLIES) {
    await db.CannedReply.updateOne(
      { keyword: r.keyword, scope: r.scope, branchId: r.branchId },
      { $setOnInsert: { text: r.text, updatedBy: null } },
      { upsert: true },
    );
  }
}
