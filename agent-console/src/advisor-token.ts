import { signToken, verifyToken, type TokenClaims } from '@brokerbot/shared';

/** An advisor's (or supervisor's) console session, issued at login. */
export interface AdvisorClaims extends TokenClaims {
  kind: 'advisor';
  /** Advisor._id */
  sub: string;
  name: string;
  role: 'advisor' | 'supervisor';
  branchId: string;
  allBranches: boolean;
  /**
   * Advisor.tokenVersion when the token was issued; the token stands only while the account is
   * active and still has this version (see advisor-session.ts). Absent means 0.
   */
  tokenVersion?: number;
}

export function mintAdvisorToken(secret: string, claims: Omit<AdvisorClaims, 'kind' | 'exp'>, ttlSeconds: number): string {
  const full: AdvisorClaims = { ...claims, kind: 'advisor', exp: Math.floor(Date.now() / 1000) + ttlSeconds };
  return signToken(full, secret);
}

/** Checks the signature and expiry only; whether the account still honours it is AdvisorSessions.verify. */
export function verifyAdvisorToken(token: unknown, secret: string): AdvisorClaims {
  return verifyToken<AdvisorClaims>(token, secret, 'advisor');
}

/** Branch scope lives in shared (the channels' routes apply it too). */
export { visibleBranchFilter } from '@brokerbot/shared';
