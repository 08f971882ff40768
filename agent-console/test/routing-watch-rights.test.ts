import { mayWatch } from '../src/watch-rights';
import type { AdvisorClaims } from '../src/advisor-token';

const user = (over: Partial<AdvisorClaims>): AdvisorClaims => ({
  kind: 'advisor',
  sub: 'me',
  name: '李强',
  role: 'advisor',
  branchId: 'SH01',
  allBranches: false,
  exp: 0,
  ...over,
});

describe('who may 静默监听 a chat', () => {
  const colleagues = { advisorId: 'wang', branchId: 'SH01' };

  it("lets an advisor watch a colleague's chat only when the branch grants it", () => {
    expect(mayWatch(user({}), colleagues, false)).toBe(false);
    expect(mayWatch(user({}), colleagues, true)).toBe(true);
  });

  it('lets supervisors watch the branches they see, and nobody watch another branch', () => {
    expect(mayWatch(user({ role: 'supervisor', allBranches: true }), colleagues, false)).toBe(true);
    expect(mayWatch(user({ role: 'supervisor', branchId: 'SZ01' }), colleagues, false)).toBe(false);
    expect(mayWatch(user({ branchId: 'SZ01' }), colleagues, true)).toBe(false);
  });

  it('always lets the owner open their own chat', () => {
    expect(mayWatch(user({ sub: 'wang' }), colleagues, false)).toBe(true);
  });
});
