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
export { startQualityRole, scoreJob, adoptScorecardVersion } from './quality/scoring-worker';
export { ScorecardStore, readScorecard, DEFAULT_SCORECARD_PATH } from './quality/scorecard-store';
export { confirmationCounts, type ItemConfirmationCount } from './quality/quality-records';
export { startRetentionRole, purgeExpired, purgeDecision, retentionCutoff } from './records/retention';
export {
  startDashboardRole,
  sealDashboard,
  backfillDashboard,
  loadBuckets,
  summarize as summarizeDashboard,
  RollupBuilder,
  eventsOfMessage,
  eventsOfHandoff,
  writeRollups,
} from './dashboard';
export {
  startTranscriptIndexRole,
  backfillTranscriptIndex,
  indexWritesOf,
  writeIndex,
  termsOf,
  queryTerms,
  indexSettled,
  backfillSummaries,
  ActivitySets,
} from './transcript-index';
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
const ECHARTS_FILE = require.resolve('echarts/dist/echarts.min.js');

/**
 * Mounts the agent console on the gateway: login route, static UI at /console, namespace /advisor
 * (with writing help). `sessions` (one per gateway process) also verifies the advisor HTTP routes' tokens.
 */
export function mountConsole(app: Express, io: Server, services: Services, sessions: AdvisorSessions): { stop(): void } {
  app.use(loginRoute(services));
  // 看板's charting library, served from the installed package (no CDN: the console works offline).
  app.get('/console/vendor/echarts.min.js', (_req, res) => res.sendFile(ECHARTS_FILE));
  app.use('/console', express.static(CONSOLE_PUBLIC_DIR));
  const assist = new AdvisorAssist(services, createLlmClient(services.config, services.logger));
  return mountAdvisorNamespace(io, services, assist, sessions);
}
