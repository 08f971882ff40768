import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Services } from '@brokerbot/shared';
import type { AdvisorAssist } from '../advisor-assist';
import type { AdvisorClaims } from '../advisor-token';
import { dashboardRequests } from './dashboard';
import { practiceRequests } from './practice';
import { qualityRequests } from './quality';
import { recordsRequests } from './records';
import { routingRequests } from './routing';
import { serviceRequests } from './service';

/**
 * Registers one request on the connected socket: the token is re-checked, the payload validated
 * by `schema` (null: no payload), and the handler's result answered as `{ ok: true, ...result }`;
 * a UserError becomes `{ ok: false, error, message }`.
 */
export type RegisterRequest = <S extends z.ZodTypeAny>(
  event: string,
  schema: S | null,
  handler: (input: z.infer<S>) => Promise<Record<string, unknown>>,
) => void;

/** What a feature's requests get for one connected advisor or supervisor. */
export interface RequestContext {
  socket: Socket;
  advisor: AdvisorClaims;
  services: Services;
  assist: AdvisorAssist;
  on: RegisterRequest;
}

/** One feature's requests (one file per feature under ./requests), registered on each connection. */
export type FeatureRequests = (ctx: RequestContext) => void;

/** Every feature's requests, in addition to the base ones in advisor-namespace.ts. */
export const featureRequests: FeatureRequests[] = [
  qualityRequests,
  dashboardRequests,
  serviceRequests,
  routingRequests,
  practiceRequests,
  recordsRequests,
];
