import { z } from 'zod';
import { rooms } from '@brokerbot/shared';
import { practiceServiceFor } from '../practice/practice-service';
import type { FeatureRequests } from './index';

/**
 * 智能陪练 on /advisor: scenarios, starting and re-opening a practice chat, its result, one's
 * history; for supervisors, assigning scenarios, results per advisor (branch scope) and turning a
 * real conversation into a scenario. The practice chat itself uses chat:send and chat:close (see
 * the practice branch in handoff-service.ts). Types: shared/src/protocol/advisor-practice.ts.
 */
const objectId = (what: string) => z.string().regex(/^[0-9a-f]{24}$/, `${what}无效`);
const scenarioId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, '练习场景编号无效');

export const practiceRequestSchemas = {
  start: z.object({ scenarioId }).strict(),
  conversation: z.object({ conversationId: objectId('练习编号') }).strict(),
  assign: z.object({ advisorId: objectId('顾问编号'), scenarioId }).strict(),
  results: z.object({ advisorId: objectId('顾问编号').optional() }).strict(),
  fromConversation: z.object({ conversationId: objectId('会话编号') }).strict(),
};

export const practiceRequests: FeatureRequests = (ctx) => {
  const practice = practiceServiceFor(ctx.services);
  const user = ctx.advisor;
  // The practice chat's messages reach this socket (the same room name as real chats: `chat:message`).
  const join = (conversationId: string) => Promise.resolve(ctx.socket.join(rooms.advisorConversation(conversationId)));

  ctx.on('practice:scenarios', null, async () => ({ items: await practice.scenarios(user) }));
  ctx.on('practice:start', practiceRequestSchemas.start, async ({ scenarioId: id }) => ({
    ...(await practice.start(user, id, join)),
  }));
  ctx.on('practice:open', practiceRequestSchemas.conversation, async ({ conversationId }) => ({
    ...(await practice.open(user, conversationId, join)),
  }));
  ctx.on('practice:result', practiceRequestSchemas.conversation, async ({ conversationId }) => ({
    result: await practice.result(user, conversationId),
  }));
  ctx.on('practice:history', null, async () => ({ ...(await practice.history(user)) }));
  ctx.on('practice:assign', practiceRequestSchemas.assign, async ({ advisorId, scenarioId: id }) => ({
    assignment: await practice.assign(user, advisorId, id),
  }));
  ctx.on('practice:results', practiceRequestSchemas.results, async ({ advisorId }) => ({
    items: await practice.results(user, advisorId),
  }));
  ctx.on('practice:fromConversation', practiceRequestSchemas.fromConversation, async ({ conversationId }) => ({
    ...(await practice.fromConversation(user, conversationId)),
  }));
};
