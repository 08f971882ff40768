import type { Server } from 'socket.io';
import { z } from 'zod';
import { NAMESPACES, visibleBranchFilter, type Channel, type ConversationDoc, type Services } from '@brokerbot/shared';
import type { BudgetView } from './tencent/send-budget';

const payloadSchema = z.object({ conversationId: z.string().regex(/^[0-9a-f]{24}$/, 'invalid id') });

/** The console's socket claims (set by its own auth middleware on /advisor). */
interface AdvisorOnSocket {
  sub?: string;
  role?: string;
  branchId?: string;
  allBranches?: boolean;
}

export interface ChannelStatus {
  channel: Channel;
  /** What may still be sent (48 h / 5 messages); null for the trading app, which has no such limit. */
  budget: BudgetView | null;
  /** Whether the client sees the advisor's typing indicator. */
  typing: boolean;
}

type Ack = (response: Record<string, unknown>) => void;

/**
 * `chat:channel { conversationId }` on the console's /advisor namespace: the channel facts an
 * advisor needs before writing (the remaining send budget); `channel:budget` events keep it
 * current afterwards. Anyone who may see the chat's branch may ask.
 */
export function mountAdvisorChannelStatus(
  io: Server,
  services: Pick<Services, 'db' | 'logger'>,
  budgetOf: (conversation: ConversationDoc) => Promise<BudgetView | null>,
): void {
  io.of(NAMESPACES.advisor).on('connection', (socket) => {
    socket.on('chat:channel', async (payload: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      const advisor = (socket.data as { advisor?: AdvisorOnSocket }).advisor;
      const parsed = payloadSchema.safeParse(payload ?? {});
      if (!advisor?.sub || !parsed.success) {
        return reply({ ok: false, error: 'invalid_request', message: 'conversationId: invalid id' });
      }
      try {
        const conversation = (await services.db.Conversation.findOne({
          _id: parsed.data.conversationId,
          ...visibleBranchFilter({ branchId: advisor.branchId ?? '', allBranches: advisor.allBranches === true }),
        }).lean()) as ConversationDoc | null;
        if (!conversation) return reply({ ok: false, error: 'not_visible', message: '会话不存在或不在您的营业部' });
        const channel = conversation.channel as Channel;
        const status: ChannelStatus = {
          channel,
          budget: await budgetOf(conversation),
          typing: channel === 'app' || channel === 'miniprogram',
        };
        reply({ ok: true, ...status });
      } catch (err) {
        services.logger.error({ err }, 'chat:channel failed');
        reply({ ok: false, error: 'internal', message: '系统繁忙，请稍后重试' });
      }
    });
  });
}
