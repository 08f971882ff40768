import path from 'node:path';
import express, { type Express } from 'express';
import type { Server } from 'socket.io';
import { createLlmClient } from '@brokerbot/flows';
import type { Services } from '@brokerbot/shared';
import { AdvisorAssist } from './advisor-assist';
import { mountAdvisorNamespace } from './advisor-namespace';
import type { AdvisorSessions } from './advisor-session';
import { loginRoute } from './login-route';

export { startRouterRole, routeHandoff, recoverHandoffs, pickAdvisor } from './router-worker';
export { mintAdvisorToken, verifyAdvisorToken, type AdvisorClaims } from './advisor-token';
export {
  AdvisorSessions,
  disableAdvisor,
  enableAdvisor,
  revokeAdvisor,
  SESSION_REVOKED_EVENT,
  TOKEN_REVOKED,
  TOKEN_REVOKED_MESSAGE,
} from './advisor-session';
export type { HandoffView } from '@brokerbot/shared';

export const CONSOLE_PUBLIC_DIR = path.join(__dirname, '..', 'public', 'console');

/**
 * Mounts the agent console on the gateway: login route, static UI at /console, namespace /advisor
 * (with writing help). `sessions` (one per gateway process) also verifies the advisor HTTP routes' tokens.
 */
export function mountConsole(app: Express, io: Server, services: Services, sessions: AdvisorSessions): { stop(): void } {
  app.use(loginRoute(services));
  app.use('/console', express.static(CONSOLE_PUBLIC_DIR));
  const assist = new AdvisorAssist(services, createLlmClient(services.config, services.logger));
  return mountAdvisorNamespace(io, services, assist, sessions);
}
