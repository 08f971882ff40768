import type { Emitter } from '../emitter';
import { NAMESPACES, rooms, type ServerToAdvisorEvents, type ServerToClientEvents } from '../realtime';

/*
 * The typed ends of the Redis emitter. `emitter.of()` returns an emitter with no event map; these
 * give it the map of its namespace, so every notify function emits a known event with its payload.
 */

/** The /client namespace: the trading app's sockets. */
export function clientNamespace(emitter: Emitter): Emitter<ServerToClientEvents> {
  return emitter.of(NAMESPACES.client) as Emitter<ServerToClientEvents>;
}

/** The /advisor namespace: the console's sockets (advisors and supervisors). */
export function advisorNamespace(emitter: Emitter): Emitter<ServerToAdvisorEvents> {
  return emitter.of(NAMESPACES.advisor) as Emitter<ServerToAdvisorEvents>;
}

/**
 * A branch's advisors and the supervisors (who see every branch), as one target: a socket in both
 * rooms gets the event once. Without a branch, the supervisors only.
 */
export function branchAndSupervisors(emitter: Emitter, branchId: string | null | undefined) {
  const advisors = advisorNamespace(emitter);
  return branchId ? advisors.to(rooms.branch(branchId)).to(rooms.allBranches) : advisors.to(rooms.allBranches);
}
