import type { Server } from 'socket.io';
import { z } from 'zod';
import { NAMESPACES, notifyAdvisorTyping, type Services } from '@brokerbot/shared';
import type { MiniProgramChannel } from './miniprogram';

const conversationId = z.string().regex(/^[0-9a-f]{24}$/);
const payloadSchema = z.object({ conversationId, typing: z.boolean() });
/**
 * One "typing" per 10 s and chat. Tencent shows it for 15 s and refuses re-sending sooner (45081);
 * the trading app hides it after the same 15 s, so the same pace keeps it up without a flood.
 */
const TYPING_EVERY_MS = 10_000;
/** How long the app still shows "顾问正在输入…" after the last refresh (kept in step with app.js). */
const APP_SHOWN_MS = 15_000;

type Ack = (response: Record<string, unknown>) => void;
type TypingServices = Pick<Services, 'db' | 'redis' | 'config' | 'logger' | 'emitter'>;

/**
 * `chat:typing { conversationId, typing }` on the console's /advisor namespace: while the advisor
 * who owns the chat types, the client sees it — in the trading app as a `typing` event
 * { conversationId, from: 'advisor', typing } to the chat's room ("顾问正在输入…"), in the
 * mini-program through Tencent's typing API ("对方正在输入"). Other channels answer
 * { ok: true, supported: false }. The console's middleware has authenticated the socket
 * (socket.data.advisor); ownership is checked on every event. `mp` is null when the
 * mini-program channel is off.
 */
export function mountAdvisorTyping(io: Server, services: TypingServices, mp: MiniProgramChannel | null): void {
  const prefix = services.config.QUEUE_PREFIX;
  const appKeys = (id: string) => [`${prefix}:app:advisor-typing:${id}`, `${prefix}:app:advisor-typing-shown:${id}`] as const;

  async function appTyping(id: string, typing: boolean): Promise<void> {
    const [throttle, shown] = appKeys(id);
    if (typing) {
      if (!(await services.redis.set(throttle, '1', 'PX', TYPING_EVERY_MS, 'NX'))) return;
      await services.redis.set(shown, '1', 'PX', APP_SHOWN_MS);
      notifyAdvisorTyping(services.emitter, id, true);
    } else if (await services.redis.del(throttle, shown)) {
      // Only when the client may still show it: a console sending "stopped" on every idle tick costs nothing.
      notifyAdvisorTyping(services.emitter, id, false);
    }
  }

  async function miniProgramTyping(id: string, openId: string, typing: boolean): Promise<void> {
    const key = `${prefix}:miniprogram:advisor-typing:${id}`;
    if (typing) {
      if (await services.redis.set(key, '1', 'PX', TYPING_EVERY_MS, 'NX')) await mp!.typing(openId, 'Typing');
    } else if (await services.redis.del(key)) {
      await mp!.typing(openId, 'CancelTyping');
    }
  }

  io.of(NAMESPACES.advisor).on('connection', (socket) => {
    socket.on('chat:typing', async (payload: unknown, ack?: Ack) => {
      const reply: Ack = typeof ack === 'function' ? ack : () => undefined;
      const advisorId = (socket.data as { advisor?: { sub?: string } }).advisor?.sub;
      const parsed = payloadSchema.safeParse(payload);
      if (!advisorId || !parsed.success) return reply({ ok: false, error: 'invalid_request', message: '参数错误' });
      try {
        const { conversationId: id, typing } = parsed.data;
        const conversation = await services.db.Conversation.findOne(
          { _id: id, state: 'human', advisorId },
          { channel: 1, externalUserId: 1 },
        ).lean();
        if (!conversation) return reply({ ok: false, error: 'not_owner', message: '您没有接入这个会话，或会话已结束' });
        if (conversation.channel === 'app') await appTyping(id, typing);
        else if (conversation.channel === 'miniprogram' && mp) await miniProgramTyping(id, conversation.externalUserId, typing);
        else return reply({ ok: true, supported: false });
        reply({ ok: true, supported: true });
      } catch (err) {
        services.logger.error({ err }, 'advisor typing failed');
        reply({ ok: false, error: 'internal', message: '系统繁忙，请稍后重试' });
      }
    });

    // The app hides the indicator when the advisor's message arrives; without this, typing the
    // next message within 10 s would not show it again (the refresh is throttled).
    socket.on('chat:send', (payload: unknown) => {
      const id = (payload as { conversationId?: unknown } | null)?.conversationId;
      if (conversationId.safeParse(id).success) void services.redis.del(...appKeys(id as string)).catch(() => undefined);
    });
  });
}
