import type { Server } from 'socket.io';
import { z } from 'zod';
import { NAMESPACES, type Services } from '@brokerbot/shared';
import type { MiniProgramChannel } from './index';

const payloadSchema = z.object({ conversationId: z.string().regex(/^[0-9a-f]{24}$/), typing: z.boolean() });
/** Tencent shows "typing" for 15 s; re-sending sooner is refused (45081), so one Typing per 10 s is plenty. */
const TYPING_EVERY_MS = 10_000;

type Ack = (response: Record<string, unknown>) => void;

/**
 * `chat:typing { conversationId, typing }` on the console's /advisor namespace: while the advisor
 * who owns a mini-program chat types, the client sees "对方正在输入". The console's own middleware
 * has authenticated the socket (socket.data.advisor); ownership is checked on every event.
 */
export function mountAdvisorTyping(
  io: Server,
  services: Pick<Services, 'db' | 'redis' | 'config' | 'logger'>,
  mp: MiniProgramChannel,
): void {
  io.of(NAMESPACES.advisor).on('connection', (socket) => {
    socket.on('chat:typing', async (payload: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      const advisorId = (socket.data as { advisor?: { sub?: string } }).advisor?.sub;
      const parsed = payloadSchema.safeParse(payload);
      if (!advisorId || !parsed.success) return reply({ ok: false, error: 'invalid_request', message: '参数错误' });
      try {
        const { conversationId, typing } = parsed.data;
        const conversation = await services.db.Conversation.findOne(
          { _id: conversationId, state: 'human', advisorId },
          { channel: 1, externalUserId: 1 },
        ).lean();
        if (!conversation) return reply({ ok: false, error: 'not_owner', message: '您没有接入这个会话，或会话已结束' });
        if (conversation.channel !== 'miniprogram') return reply({ ok: true, supported: false });
        const key = `${services.config.QUEUE_PREFIX}:miniprogram:advisor-typing:${conversationId}`;
        if (typing) {
          if (await services.redis.set(key, '1', 'PX', TYPING_EVERY_MS, 'NX'))
            await mp.typing(conversation.externalUserId, 'Typing');
        } else if (await services.redis.del(key)) {
          await mp.typing(conversation.externalUserId, 'CancelTyping');
        }
        reply({ ok: true, supported: true });
      } catch (err) {
        services.logger.error({ err }, 'advisor typing failed');
        reply({ ok: false, error: 'internal', message: '系统繁忙，请稍后重试' });
      }
    });
  });
}
