import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import {
  CLIENT_EVENTS,
  NAMESPACES,
  UserError,
  KeyedSerializer,
  ensureConversation,
  inboundDrainKey,
  messagesAfter,
  recentMessages,
  rooms,
  toWire,
  type ClientRequestEvents,
  type ConversationDoc,
  type ServerToClientEvents,
  type Services,
} from '@brokerbot/shared';
import { ingest } from '../ingest';
import { InboundBacklog } from './inbound-backlog';
import { handleSurveyAnswers, offerPendingSurvey } from './survey-answer';
import { verifyClientToken, type ClientClaims } from './client-token';

const sendSchema = z.object({
  clientMessageId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'clientMessageId may use letters, digits, _ and -'),
  text: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, '消息不能为空').max(2000, '消息不能超过 2000 字')),
});

export type Ack = (response: Record<string, unknown>) => void;

interface ClientSocketData {
  client: ClientClaims;
  conversationId: string;
  /** Loaded once on connect; each message is stored into it without looking it up again. */
  conversation: ConversationDoc;
}

/**
 * The trading app's chat: namespace /client. Auth: { token, lastSeq? }. On connect the
 * client gets `history` (messages after lastSeq), then live `message` events. It sends
 * `message` { clientMessageId, text } and gets an ack once the message is stored and queued.
 */
export function mountClientNamespace(io: Server, services: Services): { stop(): void } {
  // Typed by the shared event maps: requests in (protocol/client.ts), events out (realtime.ts).
  const nsp = io.of(NAMESPACES.client) as unknown as Namespace<ClientRequestEvents, ServerToClientEvents>;
  let inFlight = 0;
  // A conversation's messages are stored and queued one after another, in the order they came:
  // a later one queued first could be answered before an earlier one still being written (the
  // bot's turn line only knows messages already stored). Different conversations run in parallel.
  const inOrder = new KeyedSerializer();
  const backlog = new InboundBacklog(
    services.queues.inbound,
    { redis: services.redis, key: inboundDrainKey(services.config.QUEUE_PREFIX) },
    { minBacklog: services.config.INBOUND_MAX_BACKLOG, maxWaitS: services.config.INBOUND_MAX_WAIT_S },
    services.logger,
  ).start();

  nsp.use((socket, next) => {
    try {
      (socket.data as ClientSocketData).client = verifyClientToken(
        socket.handshake.auth?.token,
        services.config.APP_TOKEN_SECRET,
      );
      next();
    } catch (err) {
      next(err instanceof UserError ? new Error(err.code) : new Error('token_invalid'));
    }
  });

  nsp.on('connection', async (socket: Socket<ClientRequestEvents, ServerToClientEvents>) => {
    const data = socket.data as ClientSocketData;
    const { client } = data;
    // Messages sent before the conversation is loaded wait for it instead of racing it.
    const ready = (async () => {
      const conversation = await ensureConversation(services.db, {
        channel: 'app',
        externalUserId: client.sub,
        customerId: client.sub,
        branchId: client.branchId,
      });
      data.conversation = conversation;
      data.conversationId = conversation._id.toString();
      await socket.join(rooms.clientConversation(data.conversationId));
      const lastSeq = Number(socket.handshake.auth?.lastSeq) || 0;
      // A fresh screen gets the latest messages; a reconnecting one gets what it missed.
      const history =
        lastSeq > 0
          ? await messagesAfter(services.db, data.conversationId, lastSeq, 500)
          : await recentMessages(services.db, data.conversationId, 200);
      socket.emit(CLIENT_EVENTS.history, {
        conversationId: data.conversationId,
        state: conversation.state,
        messages: history.map(toWire),
      });
      await offerPendingSurvey(socket, services, data.conversationId);
    })();
    ready.catch((err) => {
      services.logger.error({ err }, 'client connection setup failed');
      socket.disconnect(true);
    });
    handleSurveyAnswers(socket, services, () => ready.then(() => data.conversationId));

    socket.on(CLIENT_EVENTS.message, async (...args: unknown[]) => {
      // The ack is the last argument: with no payload (`emit('message', cb)`) it is the first one.
      const last = args.at(-1);
      const reply: Ack = typeof last === 'function' ? (last as Ack) : () => undefined;
      const payload = typeof last === 'function' && args.length === 1 ? undefined : args[0];
      const parsed = sendSchema.safeParse(payload);
      if (!parsed.success) {
        reply({ ok: false, error: 'invalid_message', message: parsed.error.issues.map((i) => i.message).join('; ') });
        return;
      }
      // Shed load rather than let every message finish late: the client resends the same id.
      if (inFlight >= services.config.INGEST_MAX_IN_FLIGHT || backlog.full) {
        services.metrics.messagesRefused.inc({ reason: backlog.full ? 'backlog' : 'in_flight' });
        reply({ ok: false, error: 'busy', message: '系统繁忙，请稍后重试' });
        return;
      }
      inFlight += 1;
      try {
        await ready;
        const result = await inOrder.run(data.conversationId, () =>
          ingest(services, {
            channel: 'app',
            channelMessageId: `${client.sub}.${parsed.data.clientMessageId}`,
            externalUserId: client.sub,
            customerId: client.sub,
            branchId: client.branchId,
            text: parsed.data.text,
            conversation: data.conversation,
            // The app resends only a message whose ack it missed.
            usuallyNew: true,
          }),
        );
        reply({ ok: true, clientMessageId: parsed.data.clientMessageId, seq: result.message.seq, duplicate: result.duplicate });
      } catch (err) {
        services.logger.error({ err }, 'client message not accepted');
        reply({ ok: false, error: 'unavailable', message: '消息暂未送达，请稍后重试' });
      } finally {
        inFlight -= 1;
      }
    });
  });
  return { stop: () => backlog.stop() };
}
