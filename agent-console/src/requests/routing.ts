import { z } from 'zod';
import { ADVISOR_STATUSES, UserError, rooms } from '@brokerbot/shared';
import { listAdvisors, noteActivity, setAdvisorStatus } from '../advisor-status';
import { promoteWaitingHandoffs } from '../router-worker';
import { takeOverChat, transferChat } from '../transfer';
import { whisperToAdvisor } from '../whisper';
import type { FeatureRequests } from './index';

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'invalid id');
const text = (max: number, emptyMessage: string) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, emptyMessage).max(max, `不能超过 ${max} 字`));

/** Payloads of the routing requests (shared/src/protocol/advisor-routing.ts). */
export const routingSchemas = {
  status: z.object({ status: z.enum(ADVISOR_STATUSES) }),
  transfer: z.object({
    conversationId: objectId,
    to: z.union([
      z.object({ advisorId: objectId }).strict(),
      z.object({ branchId: z.string().min(1).max(32) }).strict(),
      z.object({ skill: z.string().min(1).max(32) }).strict(),
    ]),
    note: text(500, '请填写转接说明，方便接手的顾问了解情况'),
  }),
  whisper: z.object({ conversationId: objectId, text: text(1000, '消息不能为空') }),
  conversation: z.object({ conversationId: objectId }),
};

/** How often one socket's requests refresh the advisor's last-activity time (the idle → away rule). */
const ACTIVITY_EVERY_MS = 2_000;

/**
 * Routing requests on /advisor: status, the supervisors' live advisor list, transfer, whisper and
 * take-over. Every request of an advisor also counts as activity (see advisor-status.ts).
 */
export const routingRequests: FeatureRequests = ({ socket, advisor, services, on }) => {
  if (advisor.role === 'advisor') {
    let lastNoted = 0;
    socket.onAny(() => {
      const now = Date.now();
      if (now - lastNoted < ACTIVITY_EVERY_MS) return;
      lastNoted = now;
      noteActivity(services, advisor.sub, now).catch((err) => services.logger.warn({ err }, 'advisor activity not recorded'));
    });
  }

  on('advisor:status', routingSchemas.status, async ({ status }) => {
    if (advisor.role !== 'advisor') throw new UserError('forbidden', '督导账号不接待会话，无需设置状态');
    await setAdvisorStatus(services, advisor.sub, status);
    // Back online: chats that wait for someone are offered now, not at the next retry.
    if (status === 'online') {
      promoteWaitingHandoffs(services, advisor.allBranches ? null : advisor.branchId).catch((err) =>
        services.logger.error({ err }, 'promote handoffs failed'),
      );
    }
    return {};
  });
  on('advisors:list', null, async () => ({ advisors: await listAdvisors(services, advisor) }));
  on('chat:transfer', routingSchemas.transfer, async (input) => {
    await transferChat(services, advisor, input);
    await socket.leave(rooms.advisorConversation(input.conversationId));
    return {};
  });
  on('chat:whisper', routingSchemas.whisper, async ({ conversationId, text }) => ({
    whisper: await whisperToAdvisor(services, advisor, conversationId, text),
  }));
  on('chat:takeover', routingSchemas.conversation, async ({ conversationId }) => {
    const chat = await takeOverChat(services, advisor, conversationId);
    await socket.join(rooms.advisorConversation(conversationId));
    return { chat };
  });
};
