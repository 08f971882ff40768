import { decideRoute, leastLoaded, type RoutingCandidate, type RoutingRequest } from '../src/routing-decision';

const advisor = (id: string, over: Partial<RoutingCandidate> = {}): RoutingCandidate => ({
  id,
  branchId: 'SH01',
  allBranches: false,
  skills: [],
  status: 'online',
  load: 0,
  capacity: 3,
  ...over,
});

const request = (over: Partial<RoutingRequest> = {}): RoutingRequest => ({
  branchId: 'SH01',
  skill: null,
  ownAdvisorId: null,
  targetAdvisorId: null,
  waitedS: 0,
  exclude: [],
  branchAnyAfterS: 30,
  centralAfterS: 90,
  ...over,
});

describe('who is offered a waiting chat', () => {
  it("prefers the client's own advisor when online with room, over a less loaded colleague", () => {
    const team = [advisor('own', { load: 2 }), advisor('idle', { load: 0 })];
    expect(decideRoute(request({ ownAdvisorId: 'own' }), team)).toEqual({ advisorId: 'own', rule: 'own_advisor' });
  });

  it('passes over the own advisor who is busy, away, offline or full', () => {
    for (const own of [
      advisor('own', { status: 'busy' }),
      advisor('own', { status: 'away' }),
      advisor('own', { status: 'offline' }),
      advisor('own', { load: 3 }),
    ]) {
      expect(decideRoute(request({ ownAdvisorId: 'own' }), [own, advisor('other')]).advisorId).toBe('other');
    }
  });

  it('gives a skilled chat to an advisor of the branch with the skill, least loaded first', () => {
    const team = [
      advisor('plain'),
      advisor('margin-busy', { skills: ['两融'], load: 2 }),
      advisor('margin-free', { skills: ['两融'], load: 1 }),
    ];
    expect(decideRoute(request({ skill: '两融' }), team)).toEqual({ advisorId: 'margin-free', rule: 'branch_skill' });
  });

  it('waits for a skilled colleague on duty, then offers any advisor of the branch once the wait is over', () => {
    const team = [advisor('plain'), advisor('margin', { skills: ['两融'], load: 3 })];
    expect(decideRoute(request({ skill: '两融', waitedS: 10 }), team).advisorId).toBeNull();
    expect(decideRoute(request({ skill: '两融', waitedS: 30 }), team)).toEqual({ advisorId: 'plain', rule: 'branch_any' });
  });

  it('does not wait for a skill nobody on duty has', () => {
    const team = [advisor('plain'), advisor('margin', { skills: ['两融'], status: 'away' })];
    expect(decideRoute(request({ skill: '两融', waitedS: 0 }), team)).toEqual({ advisorId: 'plain', rule: 'branch_any' });
  });

  it('brings in the central team with the skill after the second wait, not before', () => {
    const team = [
      advisor('sh-full', { skills: ['期权'], load: 3 }),
      advisor('central', { branchId: 'HQ', allBranches: true, skills: ['期权'] }),
      advisor('central-other-skill', { branchId: 'HQ', allBranches: true, skills: ['港股通'] }),
    ];
    expect(decideRoute(request({ skill: '期权', waitedS: 60 }), team).advisorId).toBeNull();
    expect(decideRoute(request({ skill: '期权', waitedS: 90 }), team)).toEqual({ advisorId: 'central', rule: 'central_team' });
  });

  it('goes to the central team at once when nobody of the branch is on duty', () => {
    const team = [advisor('sh', { status: 'offline' }), advisor('central', { branchId: 'HQ', allBranches: true })];
    expect(decideRoute(request(), team)).toEqual({ advisorId: 'central', rule: 'central_team' });
  });

  it('never offers a chat to an advisor of another branch who does not serve every branch', () => {
    expect(decideRoute(request({ waitedS: 1000 }), [advisor('sz', { branchId: 'SZ01' })]).advisorId).toBeNull();
  });

  it('offers a chat without a branch only to advisors who serve every branch', () => {
    const team = [advisor('sh'), advisor('central', { allBranches: true, load: 2 })];
    expect(decideRoute(request({ branchId: null }), team).advisorId).toBe('central');
  });

  it('offers a transfer to the named advisor first, even with a less loaded colleague', () => {
    const team = [advisor('named', { load: 2 }), advisor('idle')];
    expect(decideRoute(request({ targetAdvisorId: 'named' }), team)).toEqual({ advisorId: 'named', rule: 'transfer_target' });
    // Once the named advisor let the offer lapse, the branch takes it.
    expect(decideRoute(request({ targetAdvisorId: 'named', exclude: ['named'] }), team).advisorId).toBe('idle');
  });

  it('passes over advisors offered the chat already, and asks them again when nobody else can take it', () => {
    const team = [advisor('a'), advisor('b')];
    expect(decideRoute(request({ exclude: ['a'] }), team).advisorId).toBe('b');
    expect(decideRoute(request({ exclude: ['a', 'b'] }), team).advisorId).toBe('a');
  });

  it('never offers a chat to a busy or away advisor, nor to one at capacity', () => {
    const team = [advisor('busy', { status: 'busy' }), advisor('away', { status: 'away' }), advisor('full', { load: 3 })];
    expect(decideRoute(request({ waitedS: 1000 }), team).advisorId).toBeNull();
  });

  it('balances by share of capacity', () => {
    expect(leastLoaded([advisor('small', { load: 1, capacity: 2 }), advisor('large', { load: 2, capacity: 8 })])?.id).toBe(
      'large',
    );
  });
});
