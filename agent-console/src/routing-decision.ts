import type { PresenceStatus } from './presence';

/**
 * Who is offered a waiting chat: a pure decision over the advisors' status, skills and load (the
 * router worker loads them and acts on the answer). In order:
 *
 * 1. a transfer's named advisor, when available;
 * 2. the client's own advisor (客户经理), when online with room;
 * 3. an advisor of the chat's branch with the chat's skill (least loaded);
 * 4. any advisor of the branch, once the chat has waited `branchAnyAfterS` — or at once when no
 *    advisor of the branch with the skill is on duty (online or busy) to wait for;
 * 5. the central team (advisors who serve every branch) with the skill, once the chat has waited
 *    `centralAfterS` — or at once when nobody of the branch is on duty.
 *
 * Available means online (not busy, away or offline) and below capacity. Advisors already offered
 * this chat are passed over while anyone else can take it; when nobody else can, they are asked
 * again rather than leaving the client waiting.
 */
export interface RoutingCandidate {
  id: string;
  branchId: string;
  /** Serves every branch: the central team. */
  allBranches: boolean;
  skills: readonly string[];
  status: PresenceStatus;
  load: number;
  capacity: number;
}

export interface RoutingRequest {
  /** The chat's branch; null: a client not bound to a branch (only advisors of every branch may take it). */
  branchId: string | null;
  /** The skill the chat needs (see skills.ts); null: any advisor. */
  skill: string | null;
  /** The client's own advisor (Customer.advisorId). */
  ownAdvisorId: string | null;
  /** A transfer to one advisor names them. */
  targetAdvisorId: string | null;
  /** Seconds since the chat joined the queue. */
  waitedS: number;
  /** Advisors this chat was offered to already. */
  exclude: readonly string[];
  branchAnyAfterS: number;
  centralAfterS: number;
}

export type RoutingRule = 'transfer_target' | 'own_advisor' | 'branch_skill' | 'branch_any' | 'central_team';

export type RoutingDecision = { advisorId: string; rule: RoutingRule } | { advisorId: null; rule: null };

const NOBODY: RoutingDecision = { advisorId: null, rule: null };

export function isAvailable(a: RoutingCandidate): boolean {
  return a.status === 'online' && a.load < a.capacity;
}

/** Online or busy: working now, and may have room soon. */
export function isOnDuty(a: RoutingCandidate): boolean {
  return a.status === 'online' || a.status === 'busy';
}

export function hasSkill(a: RoutingCandidate, skill: string | null): boolean {
  return skill === null || a.skills.includes(skill);
}

/** The chat's branch team: its advisors, or for a chat without a branch those who serve every branch. */
export function inBranch(a: RoutingCandidate, branchId: string | null): boolean {
  return branchId === null ? a.allBranches : a.branchId === branchId;
}

/** May take (and see) the chat at all. */
export function mayServe(a: RoutingCandidate, branchId: string | null): boolean {
  return a.allBranches || inBranch(a, branchId);
}

/** The least loaded (by share of capacity, then by count), ties broken by id for a stable answer. */
export function leastLoaded(candidates: readonly RoutingCandidate[]): RoutingCandidate | null {
  return (
    [...candidates].sort((a, b) => a.load / a.capacity - b.load / b.capacity || a.load - b.load || a.id.localeCompare(b.id))[0] ??
    null
  );
}

function transferTarget(req: RoutingRequest, pool: readonly RoutingCandidate[]): RoutingCandidate | null {
  if (!req.targetAdvisorId) return null;
  return pool.find((a) => a.id === req.targetAdvisorId && isAvailable(a)) ?? null;
}

function ownAdvisor(req: RoutingRequest, pool: readonly RoutingCandidate[]): RoutingCandidate | null {
  if (!req.ownAdvisorId) return null;
  return pool.find((a) => a.id === req.ownAdvisorId && isAvailable(a) && mayServe(a, req.branchId)) ?? null;
}

function branchWithSkill(req: RoutingRequest, pool: readonly RoutingCandidate[]): RoutingCandidate | null {
  return leastLoaded(pool.filter((a) => inBranch(a, req.branchId) && hasSkill(a, req.skill) && isAvailable(a)));
}

/** Waiting for a skilled colleague is over: the wait ran out, or nobody with the skill is on duty. */
function branchWaitIsOver(req: RoutingRequest, everyone: readonly RoutingCandidate[]): boolean {
  if (req.skill === null || req.waitedS >= req.branchAnyAfterS) return true;
  return !everyone.some((a) => inBranch(a, req.branchId) && hasSkill(a, req.skill) && isOnDuty(a));
}

function anyOfBranch(req: RoutingRequest, pool: readonly RoutingCandidate[]): RoutingCandidate | null {
  return leastLoaded(pool.filter((a) => inBranch(a, req.branchId) && isAvailable(a)));
}

/** The central team steps in: the wait ran out, or nobody of the branch is on duty. */
function centralWaitIsOver(req: RoutingRequest, everyone: readonly RoutingCandidate[]): boolean {
  if (req.waitedS >= req.centralAfterS) return true;
  return !everyone.some((a) => inBranch(a, req.branchId) && isOnDuty(a));
}

function centralTeam(req: RoutingRequest, pool: readonly RoutingCandidate[]): RoutingCandidate | null {
  return leastLoaded(pool.filter((a) => a.allBranches && hasSkill(a, req.skill) && isAvailable(a)));
}

function decideAmong(
  req: RoutingRequest,
  pool: readonly RoutingCandidate[],
  everyone: readonly RoutingCandidate[],
): RoutingDecision {
  const pick = (a: RoutingCandidate | null, rule: RoutingRule): RoutingDecision | null => (a ? { advisorId: a.id, rule } : null);
  return (
    pick(transferTarget(req, pool), 'transfer_target') ??
    pick(ownAdvisor(req, pool), 'own_advisor') ??
    pick(branchWithSkill(req, pool), 'branch_skill') ??
    (branchWaitIsOver(req, everyone) ? pick(anyOfBranch(req, pool), 'branch_any') : null) ??
    (centralWaitIsOver(req, everyone) ? pick(centralTeam(req, pool), 'central_team') : null) ??
    NOBODY
  );
}

export function decideRoute(req: RoutingRequest, candidates: readonly RoutingCandidate[]): RoutingDecision {
  const fresh = candidates.filter((a) => !req.exclude.includes(a.id));
  const first = decideAmong(req, fresh, candidates);
  if (first.advisorId !== null || fresh.length === candidates.length) return first;
  // Everyone who could take it was offered it already: start over.
  return decideAmong(req, candidates, candidates);
}
