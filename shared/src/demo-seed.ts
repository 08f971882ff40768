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
  { username: 'li.qiang', displayName: '李强', role: 'advisor', branchId: 'SH01', skills: ['银证转账', '投诉'] },
  { username: 'zhang.min', displayName: '张敏', role: 'advisor', branchId: 'SZ01', skills: ['港股通', '新股'] },
  { username: 'chen.jie', displayName: '陈杰', role: 'advisor', branchId: 'SZ01', skills: ['期权', '两融'] },
  { username: 'zhao.lei', displayName: '赵磊', role: 'supervisor', branchId: 'SH01', skills: [] },
] as const;

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

export async function seedDemo(db: Db): Promise<void> {
  for (const b of DEMO_BRANCHES) {
    await db.Branch.updateOne({ _id: b._id }, { $set: b }, { upsert: true });
  }
  const passwordHash = await bcrypt.hash(DEMO_PASSWORD, 10);
  for (const a of DEMO_ADVISORS) {
    await db.Advisor.updateOne(
      { username: a.username },
      {
        $set: { ...a, skills: [...a.skills], allBranches: a.role === 'supervisor', active: true },
        $setOnInsert: { passwordHash },
      },
      { upsert: true },
    );
  }
  for (const c of DEMO_CUSTOMERS) {
    await db.Customer.updateOne(
      { _id: c._id },
      { $set: { ...c, identities: [{ channel: 'app', externalId: c._id }] } },
      { upsert: true },
    );
  }
}
