import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import {
  ADVISOR_EVENTS,
  NAMESPACES,
  UserError,
  rooms,
  type AdvisorRequestEvents,
  type ServerToAdvisorEvents,
  type Services,
} from '@brokerbot/shared';
import type { AdvisorAssist } from './advisor-assist';
import {
  ACCOUNT_SWEEP_MS,
  SESSION_REVOKED_EVENT,
  TOKEN_REVOKED,
  TOKEN_REVOKED_MESSAGE,
  tokenStands,
  type AdvisorSessions,
} from './advisor-session';
import type { AdvisorClaims } from './advisor-token';
import { appointmentRequests, listAppointments, updateAppointment } from './appointments';
import { acceptHandoff, closeChat, listActiveChats, listMyChats, listWaiting, sendAsAdvisor, watchChat } from './handoff-service';
import { PRESENCE_REFRESH_MS, Presence } from './presence';
import { noteActivity, noteLastTabClosed } from './advisor-status';
import { promoteWaitingHandoffs } from './router-worker';
import { featureRequests, type RegisterRequest } from './requests';
import { openTranscript, reviewTranscript, searchTranscripts, transcriptRequests } from './transcript-review';

type Ack = (response: Record<string, unknown>) => void;

/** A console's socket, typed by the shared event maps (requests in, events out). */
type AdvisorSocket = Socket<AdvisorRequestEvents, ServerToAdvisorEvents>;

/**
 * An event's payload and ack. Socket.IO passes the ack as the last argument, so an event sent
 * with only a callback (`emit('queue:list', cb)`) has it first: it is the ack, not the payload.
 */
export function payloadAndAck(args: unknown[]): { payload: unknown; ack: Ack } {
  const last = args.at(-1);
  if (typeof last === 'function') return { payload: args.length > 1 ? args[0] : undefined, ack: last as Ack };
  return { payload: args[0], ack: () => undefined };
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'invalid id');
const schemas = {
  accept: z.object({ handoffId: objectId }),
  send: z.object({
    conversationId: objectId,
    clientMessageId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/),
    text: z
      .string()
      .transform((s) => s.trim())
      .pipe(z.string().min(1, '消息不能为空').max(2000, '消息不能超过 2000 字')),
    /** Send although the compliance check warned (recorded for review). */
    confirm: z.boolean().optional(),
  }),
  /** The wrap-up is checked by closeChat (`wrap_up_required` names the categories), not here. */
  close: z.object({
    conversationId: objectId,
    wrapUp: z
      .object({ category: z.string().max(40).optional(), note: z.string().max(500, '小结备注不能超过 500 字').optional() })
      .optional(),
    confirm: z.boolean().optional(),
  }),
  conversation: z.object({ conversationId: objectId }),
  assist: z.object({ conversationId: objectId, kind: z.enum(['summary', 'replies']) }),
};

/**
 * Namespace /advisor for the agent console. Auth: { token } from POST /api/advisor/login.
 * Every request is an event with an ack: { ok: true, ... } or { ok: false, error, message };
 * the payload may be left out (`emit(event, ack)`) when the event needs none.
 * A token revoked (account disabled, deleted or signed out) is refused on connect and on every
 * request, and its sockets are disconnected within moments (see advisor-session.ts).
 */
export function mountAdvisorNamespace(
  io: Server,
  services: Services,
  assist: AdvisorAssist,
  sessions: AdvisorSessions,
): { stop(): void } {
  const nsp = io.of(NAMESPACES.advisor) as unknown as Namespace<AdvisorRequestEvents, ServerToAdvisorEvents>;
  const presence = new Presence(services.redis, services.config.QUEUE_PREFIX);
  const socketsPerAdvisor = new Map<string, number>();

  const refresh = setInterval(() => {
    presence.markOnline([...socketsPerAdvisor.keys()]).catch((err) => services.logger.error({ err }, 'presence refresh failed'));
  }, PRESENCE_REFRESH_MS);
  refresh.unref();

  /** Tells the socket why, then disconnects it: its token was revoked. */
  function endRevoked(socket: AdvisorSocket): void {
    if (!socket.connected) return;
    socket.emit(SESSION_REVOKED_EVENT satisfies typeof ADVISOR_EVENTS.sessionRevoked, {
      error: TOKEN_REVOKED,
      message: TOKEN_REVOKED_MESSAGE,
    });
    socket.disconnect(true);
  }

  /** Disconnects the sockets (of one advisor, or all here) whose token no longer stands. */
  async function sweep(advisorId?: string): Promise<void> {
    const local = [...nsp.sockets.values()].filter((s) => {
      const claims = s.data.advisor as AdvisorClaims | undefined;
      return claims && (advisorId === undefined || claims.sub === advisorId);
    });
    if (local.length === 0) return;
    const accounts = await sessions.load([...new Set(local.map((s) => (s.data.advisor as AdvisorClaims).sub))]);
    for (const socket of local) {
      const claims = socket.data.advisor as AdvisorClaims;
      if (!tokenStands(claims, accounts.get(claims.sub) ?? null)) endRevoked(socket);
    }
  }
  const stopListening = sessions.onRevoked((advisorId) => {
    sweep(advisorId).catch((err) => services.logger.error({ err, advisorId }, 'revoked advisor sweep failed'));
  });
  // Catches accounts disabled or deleted without a notice (straight in the database).
  const recheck = setInterval(() => {
    sessions.prune();
    sweep().catch((err) => services.logger.error({ err }, 'advisor account recheck failed'));
  }, ACCOUNT_SWEEP_MS);
  recheck.unref();

  nsp.use((socket, next) => {
    sessions.verify(socket.handshake.auth?.token, { fresh: true }).then(
      (claims) => {
        socket.data.advisor = claims;
        next();
      },
      (err: unknown) => {
        if (err instanceof UserError) {
          next(Object.assign(new Error(err.code), { data: { message: err.message } }));
          return;
        }
        services.logger.error({ err }, 'advisor session check failed');
        next(Object.assign(new Error('unavailable'), { data: { message: '系统繁忙，请稍后重试' } }));
      },
    );
  });

  /**
   * Wraps a handler: checks that the advisor's token still stands, validates the payload,
   * answers the ack, turns UserErrors into clear replies.
   */
  function on<S extends z.ZodTypeAny>(
    socket: AdvisorSocket,
    event: keyof AdvisorRequestEvents,
    schema: S | null,
    handler: (input: z.infer<S>) => Promise<Record<string, unknown>>,
  ) {
    socket.on(event, async (...args: unknown[]) => {
      const { payload, ack: reply } = payloadAndAck(args);
      try {
        await sessions.check(socket.data.advisor as AdvisorClaims);
      } catch (err) {
        if (err instanceof UserError) {
          reply({ ok: false, error: err.code, message: err.message });
          endRevoked(socket);
        } else {
          services.logger.error({ err, event }, 'advisor session check failed');
          reply({ ok: false, error: 'internal', message: '系统繁忙，请稍后重试' });
        }
        return;
      }
      const parsed = schema ? schema.safeParse(payload ?? {}) : { success: true as const, data: undefined };
      if (!parsed.success) {
        reply({
          ok: false,
          error: 'invalid_request',
          message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        });
        return;
      }
      try {
        reply({ ok: true, ...(await handler(parsed.data)) });
      } catch (err) {
        if (err instanceof UserError) reply({ ...err.details, ok: false, error: err.code, message: err.message });
        else {
          services.logger.error({ err, event }, 'advisor request failed');
          reply({ ok: false, error: 'internal', message: '系统繁忙，请稍后重试' });
        }
      }
    });
  }

  nsp.on('connection', async (socket: AdvisorSocket) => {
    const advisor = socket.data.advisor as AdvisorClaims;
    on(socket, 'queue:list', null, async () => ({ items: await listWaiting(services, advisor) }));
    on(socket, 'chat:list', null, async () => {
      const owned = await services.db.Conversation.find({ state: 'human', advisorId: advisor.sub }, { _id: 1 }).lean();
      // Join before reading the transcripts (see chat:watch).
      for (const c of owned) await socket.join(rooms.advisorConversation(c._id.toString()));
      return { chats: await listMyChats(services, advisor) };
    });
    on(socket, 'chat:accept', schemas.accept, async ({ handoffId }) => {
      const chat = await acceptHandoff(services, advisor, handoffId);
      await socket.join(rooms.advisorConversation(chat.conversationId));
      return { chat };
    });
    on(socket, 'chat:send', schemas.send, async ({ conversationId, clientMessageId, text, confirm }) => ({
      message: await sendAsAdvisor(services, advisor, conversationId, clientMessageId, text, confirm ?? false),
    }));
    on(socket, 'chat:close', schemas.close, async ({ conversationId, wrapUp, confirm }) => {
      await closeChat(services, advisor, conversationId, { wrapUp, confirm });
      await socket.leave(rooms.advisorConversation(conversationId));
      return {};
    });
    on(socket, 'chat:watch', schemas.conversation, async ({ conversationId }) => {
      // Join before reading, so that no message falls between the transcript and the live feed.
      await socket.join(rooms.advisorConversation(conversationId));
      try {
        return { messages: await watchChat(services, advisor, conversationId) };
      } catch (err) {
        await socket.leave(rooms.advisorConversation(conversationId));
        throw err;
      }
    });
    on(socket, 'chat:unwatch', schemas.conversation, async ({ conversationId }) => {
      const owns = await services.db.Conversation.exists({ _id: conversationId, state: 'human', advisorId: advisor.sub });
      // An advisor never stops receiving a chat they own; unwatch is for read-only views.
      if (!owns) await socket.leave(rooms.advisorConversation(conversationId));
      return {};
    });
    on(socket, 'chat:active', null, async () => ({ chats: await listActiveChats(services, advisor) }));
    on(socket, 'appointments:list', appointmentRequests.list, async () => ({ items: await listAppointments(services, advisor) }));
    on(socket, 'appointments:update', appointmentRequests.update, async ({ appointmentId, status }) => ({
      appointment: await updateAppointment(services, advisor, appointmentId, status),
    }));
    on(socket, 'chat:assist', schemas.assist, async ({ conversationId, kind }) => ({
      ...(await assist.assist(advisor, conversationId, kind)),
    }));
    on(socket, 'transcripts:search', transcriptRequests.search, (q) => searchTranscripts(services, advisor, q));
    on(socket, 'transcripts:open', transcriptRequests.open, (q) => openTranscript(services, advisor, q.conversationId));
    on(socket, 'transcripts:review', transcriptRequests.review, (q) => reviewTranscript(services, advisor, q));
    // Feature fragments name their events in shared/src/protocol (composed into AdvisorRequestEvents).
    const register: RegisterRequest = (event, schema, handler) =>
      on(socket, event as keyof AdvisorRequestEvents, schema, handler);
    for (const registerFeature of featureRequests)
      registerFeature({ socket: socket as unknown as Socket, advisor, services, assist, on: register });

    // Handlers first (above), so that nothing the console sends right after connecting is missed.
    await socket.join(rooms.advisor(advisor.sub));
    await socket.join(advisor.allBranches ? rooms.allBranches : rooms.branch(advisor.branchId));
    // A branch's own supervisor hears its advisors' status (advisor:status); head office is in allBranches.
    if (advisor.role === 'supervisor' && !advisor.allBranches) await socket.join(rooms.branchSupervisors(advisor.branchId));

    if (advisor.role === 'advisor') {
      socketsPerAdvisor.set(advisor.sub, (socketsPerAdvisor.get(advisor.sub) ?? 0) + 1);
      await presence.markOnline([advisor.sub]);
      // Chats that waited for someone of this branch are offered now, not at the next retry.
      promoteWaitingHandoffs(services, advisor.allBranches ? null : advisor.branchId).catch((err) =>
        services.logger.error({ err }, 'promote handoffs failed'),
      );
      socket.on('disconnect', () => {
        const left = (socketsPerAdvisor.get(advisor.sub) ?? 1) - 1;
        if (left > 0) socketsPerAdvisor.set(advisor.sub, left);
        else {
          socketsPerAdvisor.delete(advisor.sub);
          presence.markOffline(advisor.sub).catch(() => undefined);
          // The last tab closed: away (the next sign-in is online again).
          noteLastTabClosed(
            services,
            advisor.sub,
            async () => (await nsp.in(rooms.advisor(advisor.sub)).fetchSockets()).length > 0,
          ).catch((err) => services.logger.warn({ err }, 'advisor status not updated'));
        }
      });
    }
    // Connecting counts as activity: an advisor the system had set away is online again.
    const status = advisor.role === 'advisor' ? await noteActivity(services, advisor.sub) : 'online';
    socket.emit(ADVISOR_EVENTS.ready, {
      advisor: { id: advisor.sub, name: advisor.name, role: advisor.role, branchId: advisor.branchId, status },
      wrapUpCategories: services.config.WRAP_UP_CATEGORIES,
    });
  });

  return {
    stop: () => {
      clearInterval(refresh);
      clearInterval(recheck);
      stopListening();
    },
  };
}
