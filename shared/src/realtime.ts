/**
 * Socket.IO namespaces, rooms and server→socket event names, shared by the gateway (which
 * holds the sockets) and the workers (which emit through the Redis emitter).
 */
export const NAMESPACES = { client: '/client', advisor: '/advisor' } as const;

export const rooms = {
  /** A client's sockets (all tabs/devices) for one conversation. */
  clientConversation: (conversationId: string) => `conv:${conversationId}`,
  /** The advisor who owns a chat and supervisors watching it. */
  advisorConversation: (conversationId: string) => `conv:${conversationId}`,
  advisor: (advisorId: string) => `advisor:${advisorId}`,
  branch: (branchId: string) => `branch:${branchId}`,
  /** Advisors who see every branch (supervisors). */
  allBranches: 'branch:*',
};

export const CLIENT_EVENTS = {
  message: 'message',
  history: 'history',
  state: 'state',
  /** { conversationId, id, text, cancelled? }: a bot answer being written (app only); `message` with the same id replaces it. */
  draft: 'draft',
  /** { conversationId, from: 'advisor', typing } while the advisor who owns the chat types. */
  typing: 'typing',
} as const;

export const ADVISOR_EVENTS = {
  offer: 'offer',
  queueAdded: 'queue:added',
  queueRemoved: 'queue:removed',
  chatMessage: 'chat:message',
  chatClosed: 'chat:closed',
  chatOpened: 'chat:opened',
  /** { conversationId, messageId, insight }: what the bot made of a client's message (after its turn). */
  chatInsight: 'chat:insight',
  /** A client's new appointment request (AppointmentView), to its branch and supervisors. */
  appointmentAdded: 'appointment:added',
  /** An appointment confirmed, done or cancelled (AppointmentView). */
  appointmentUpdated: 'appointment:updated',
} as const;
