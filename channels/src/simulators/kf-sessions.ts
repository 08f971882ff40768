/**
 * 微信客服 session states: 0 new (未处理), 1 bot (智能助手接待), 2 queue pool (待接入池),
 * 3 human (人工接待), 4 ended or not started (已结束/未开始).
 */
export type ServiceState = 0 | 1 | 2 | 3 | 4;

export interface KfSession {
  state: ServiceState;
  servicerUserId?: string;
}

/** Transitions allowed through service_state/trans (official table; 4 only leaves when the client writes again). */
const ALLOWED: Record<ServiceState, readonly ServiceState[]> = {
  0: [1, 2, 3, 4],
  1: [2, 3, 4],
  2: [3, 4],
  3: [3, 4],
  4: [],
};

export type TransitionResult = { ok: true } | { ok: false; reason: 'not_allowed' | 'servicer_required' };

export class KfSessions {
  private readonly sessions = new Map<string, KfSession>();

  get(openKfId: string, externalUserId: string): KfSession {
    return { ...(this.sessions.get(key(openKfId, externalUserId)) ?? { state: 4 }) };
  }

  /** A client message opens a new session when none is running. */
  onClientMessage(openKfId: string, externalUserId: string): void {
    if (this.get(openKfId, externalUserId).state === 4) this.sessions.set(key(openKfId, externalUserId), { state: 0 });
  }

  transition(openKfId: string, externalUserId: string, to: ServiceState, servicerUserId?: string): TransitionResult {
    const from = this.get(openKfId, externalUserId).state;
    if (!ALLOWED[from].includes(to)) return { ok: false, reason: 'not_allowed' };
    if (to === 3 && !servicerUserId) return { ok: false, reason: 'servicer_required' };
    this.set(openKfId, externalUserId, to, to === 3 ? servicerUserId : undefined);
    return { ok: true };
  }

  /** Sets a state without the transition rules (what a servicer does in the WeCom app). */
  set(openKfId: string, externalUserId: string, state: ServiceState, servicerUserId?: string): void {
    this.sessions.set(key(openKfId, externalUserId), servicerUserId ? { state, servicerUserId } : { state });
  }
}

export function isServiceState(value: unknown): value is ServiceState {
  return value === 0 || value === 1 || value === 2 || value === 3 || value === 4;
}

function key(openKfId: string, externalUserId: string): string {
  return `${openKfId}\u0000${externalUserId}`;
}
