import {
  notifyAdvisorStatus,
  UserError,
  visibleBranchFilter,
  type AdvisorStatus,
  type AdvisorStatusEvent,
  type Services,
} from '@brokerbot/shared';
import { capacityOf } from './advisor-capacity';
import type { AdvisorClaims } from './advisor-token';
import { Presence, type PresenceStatus } from './presence';

type Deps = Pick<Services, 'db' | 'redis' | 'emitter' | 'config'>;

export function presenceOf(deps: Pick<Services, 'redis' | 'config'>): Presence {
  return new Presence(deps.redis, deps.config.QUEUE_PREFIX);
}

/** What supervisors see: an advisor with no console open shows as away. */
export function shownStatus(status: PresenceStatus): AdvisorStatus {
  return status === 'offline' ? 'away' : status;
}

/** Chats each advisor serves now, by advisor id (advisors with none are absent). */
export async function loadsOf(deps: Pick<Services, 'db'>): Promise<Map<string, number>> {
  const loads = await deps.db.Conversation.aggregate<{ _id: string | null; n: number }>([
    { $match: { state: 'human' } },
    { $group: { _id: '$advisorId', n: { $sum: 1 } } },
  ]);
  return new Map(loads.filter((l) => l._id).map((l) => [l._id as string, l.n]));
}

interface AdvisorRow {
  _id: { toString(): string };
  displayName: string;
  branchId: string;
  maxChats?: number | null;
}

async function statusEvents(deps: Deps, advisors: AdvisorRow[]): Promise<AdvisorStatusEvent[]> {
  const ids = advisors.map((a) => a._id.toString());
  const [statuses, loads] = await Promise.all([presenceOf(deps).statuses(ids), loadsOf(deps)]);
  return advisors.map((a) => {
    const id = a._id.toString();
    return {
      advisorId: id,
      name: a.displayName,
      branchId: a.branchId,
      status: shownStatus(statuses.get(id) ?? 'offline'),
      load: loads.get(id) ?? 0,
      capacity: capacityOf(a, deps.config),
    };
  });
}

/** Tells supervisors (and the advisor's own tabs) the advisor's status and load as they are now. */
export async function announceAdvisor(deps: Deps, advisorId: string | null | undefined): Promise<void> {
  if (!advisorId) return;
  const advisor = (await deps.db.Advisor.findById(advisorId, { displayName: 1, branchId: 1, maxChats: 1, role: 1 }).lean()) as
    (AdvisorRow & { role: string }) | null;
  if (!advisor || advisor.role !== 'advisor') return;
  const [event] = await statusEvents(deps, [advisor]);
  if (event) notifyAdvisorStatus(deps.emitter, event);
}

/** Same, without failing the caller: the live list is a view, the chat's change already happened. */
export function announceAdvisorLater(deps: Deps & Pick<Services, 'logger'>, advisorId: string | null | undefined): void {
  announceAdvisor(deps, advisorId).catch((err) => deps.logger.warn({ err, advisorId }, 'advisor status broadcast failed'));
}

/** The advisor sets their status (auto: the system did, for idleness or the last tab closing). */
export async function setAdvisorStatus(deps: Deps, advisorId: string, status: AdvisorStatus, auto = false): Promise<void> {
  await presenceOf(deps).setStatus(advisorId, status, auto);
  await announceAdvisor(deps, advisorId);
}

/** The caller's status as the console shows it. */
export async function currentStatus(deps: Pick<Services, 'redis' | 'config'>, advisorId: string): Promise<AdvisorStatus> {
  return (await presenceOf(deps).storedStatus(advisorId)).status;
}

/** Supervisors: every advisor of the branches they see, with status and load, by branch then name. */
export async function listAdvisors(deps: Deps, claims: AdvisorClaims): Promise<AdvisorStatusEvent[]> {
  if (claims.role !== 'supervisor') throw new UserError('forbidden', '只有督导可以查看顾问状态');
  const advisors = (await deps.db.Advisor.find(
    { role: 'advisor', active: true, ...visibleBranchFilter(claims) },
    { displayName: 1, branchId: 1, maxChats: 1 },
  ).lean()) as AdvisorRow[];
  const events = await statusEvents(deps, advisors);
  return events.sort((a, b) => a.branchId.localeCompare(b.branchId) || a.name.localeCompare(b.name, 'zh-CN'));
}

/**
 * A request from the advisor: records the time (for the idle rule) and, if the system had set
 * them away, puts them back online.
 */
export async function noteActivity(deps: Deps, advisorId: string, now = Date.now()): Promise<AdvisorStatus> {
  const presence = presenceOf(deps);
  const [stored] = await Promise.all([presence.storedStatus(advisorId), presence.touch(advisorId, now)]);
  if (stored.status === 'away' && stored.auto) {
    await setAdvisorStatus(deps, advisorId, 'online');
    return 'online';
  }
  return stored.status;
}

/** A page reload reconnects within this: the advisor is not away for it. */
export const LAST_TAB_GRACE_MS = 1_500;

/**
 * The advisor's last console tab (in this process) closed: unless a console of theirs is still
 * (or again) connected anywhere after a short grace, they are away — set by the system, so their
 * next sign-in is online again. A status they chose (busy, away) stays.
 */
export async function noteLastTabClosed(deps: Deps, advisorId: string, stillConnected: () => Promise<boolean>): Promise<void> {
  await new Promise((r) => setTimeout(r, LAST_TAB_GRACE_MS).unref());
  if (await stillConnected()) return;
  const stored = await presenceOf(deps).storedStatus(advisorId);
  if (stored.status === 'online') await setAdvisorStatus(deps, advisorId, 'away', true);
  else await announceAdvisor(deps, advisorId);
}

/**
 * The idle rule: connected advisors who are online but sent no request for ADVISOR_IDLE_AWAY_S
 * become away (set by the system). One process at a time (a Redis lock). Returns who was set away.
 */
export async function markIdleAdvisorsAway(deps: Deps, now = Date.now()): Promise<string[]> {
  const idleS = deps.config.ADVISOR_IDLE_AWAY_S;
  if (idleS <= 0) return [];
  const lock = `${deps.config.QUEUE_PREFIX}:advisor-idle:lock`;
  if ((await deps.redis.set(lock, '1', 'PX', 900, 'NX')) !== 'OK') return [];
  const advisors = await deps.db.Advisor.find({ role: 'advisor', active: true }, { _id: 1 }).lean();
  const ids = advisors.map((a) => a._id.toString());
  const presence = presenceOf(deps);
  const [statuses, active] = await Promise.all([presence.statuses(ids), presence.lastActive(ids)]);
  const idle = ids.filter((id) => {
    const last = active.get(id);
    return statuses.get(id) === 'online' && last !== null && last !== undefined && now - last >= idleS * 1000;
  });
  for (const id of idle) await setAdvisorStatus(deps, id, 'away', true);
  return idle;
}
