/**
 * Socket.IO namespaces, rooms and server→socket event names, shared by the gateway (which
 * holds the sockets) and the workers (which emit through the Redis emitter).
 */
import type { AppointmentView } from './appointment-view';
import type { ChatView, HandoffView } from './handoff-view';
import type { ConversationState } from './states';
import type { AdvisorWireMessage, MessageInsight, WireMessage } from './transcript';

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

/**
 * Events the WeCom / mini-program channels emit to a chat's advisor room
 * (rooms.advisorConversation), next to the console's own ADVISOR_EVENTS.
 */
export const CHANNEL_EVENTS = {
  /** BudgetEvent: what may still be sent to the client (48 h / 5 messages). */
  budget: 'channel:budget',
  /** DeliveryFailedEvent: a stored message could not be delivered; the chat:message with status "failed" follows too. */
  deliveryFailed: 'delivery:failed',
  /** { conversationId, messageId }: the client recalled a message (it stays in the transcript, marked). */
  recalled: 'chat:recalled',
  /** { conversationId, changeType, servicerUserId }: WeCom moved the kf session (native handoff mode). */
  session: 'channel:session',
} as const;

/** CLIENT_EVENTS.state: who serves the client now. */
export interface ClientStateEvent {
  conversationId: string;
  state: ConversationState;
  advisorName: string | null;
}

/** CLIENT_EVENTS.history: sent to one socket as it connects (the latest messages, or those it missed). */
export interface ClientHistoryEvent {
  conversationId: string;
  state: ConversationState;
  messages: WireMessage[];
}

/** CLIENT_EVENTS.draft: a bot answer being written; `cancelled` when it was withdrawn. */
export interface ClientDraftEvent {
  conversationId: string;
  id: string;
  text: string;
  cancelled?: true;
}

/** CLIENT_EVENTS.typing: the advisor who owns the chat types (or stopped). */
export interface ClientTypingEvent {
  conversationId: string;
  from: 'advisor';
  typing: boolean;
}

/** ADVISOR_EVENTS.queueRemoved: a waiting chat left the list; `by` is the advisor (or `wecom:<userid>`) who took it. */
export interface WaitingListRemovedEvent {
  handoffId: string;
  by: string;
}

/** ADVISOR_EVENTS.chatClosed: `by` is the advisor who closed it, or 'wecom'. */
export interface ChatClosedEvent {
  conversationId: string;
  by: string;
}

/** ADVISOR_EVENTS.chatInsight. */
export interface ChatInsightEvent {
  conversationId: string;
  messageId: string;
  insight: MessageInsight;
}

/** CHANNEL_EVENTS.budget. */
export interface BudgetEvent {
  conversationId: string;
  channel: 'wecom' | 'miniprogram';
  remaining: number;
  limit: number;
  windowEndsAt: string | null;
}

/** CHANNEL_EVENTS.deliveryFailed. */
export interface DeliveryFailedEvent {
  conversationId: string;
  messageId: string;
  channel: string;
  /** Chinese, for the advisor. */
  reason: string;
  /** The platform's errcode or fail_type, when there is one. */
  code: number | null;
}

/** CHANNEL_EVENTS.recalled. */
export interface ChatRecalledEvent {
  conversationId: string;
  messageId: string;
}

/** CHANNEL_EVENTS.session: WeCom's session_status_change change_type and the new servicer. */
export interface ChannelSessionEvent {
  conversationId: string;
  changeType: number;
  servicerUserId: string | null;
}

/** Every event the server sends on the /client namespace, with its payload (socket.io's typed event map). */
export interface ServerToClientEvents {
  [CLIENT_EVENTS.message]: (message: WireMessage) => void;
  [CLIENT_EVENTS.history]: (history: ClientHistoryEvent) => void;
  [CLIENT_EVENTS.state]: (state: ClientStateEvent) => void;
  [CLIENT_EVENTS.draft]: (draft: ClientDraftEvent) => void;
  [CLIENT_EVENTS.typing]: (typing: ClientTypingEvent) => void;
}

/**
 * Every event the server broadcasts on the /advisor namespace, with its payload. (The gateway's
 * own replies to one socket, `ready` and the session-revoked notice, are not broadcasts.)
 */
export interface ServerToAdvisorEvents {
  [ADVISOR_EVENTS.offer]: (view: HandoffView) => void;
  [ADVISOR_EVENTS.queueAdded]: (view: HandoffView) => void;
  [ADVISOR_EVENTS.queueRemoved]: (removed: WaitingListRemovedEvent) => void;
  /** A failed delivery sends the client's view (WireMessage, no insight). */
  [ADVISOR_EVENTS.chatMessage]: (message: AdvisorWireMessage) => void;
  [ADVISOR_EVENTS.chatClosed]: (closed: ChatClosedEvent) => void;
  [ADVISOR_EVENTS.chatOpened]: (view: ChatView) => void;
  [ADVISOR_EVENTS.chatInsight]: (insight: ChatInsightEvent) => void;
  [ADVISOR_EVENTS.appointmentAdded]: (view: AppointmentView) => void;
  [ADVISOR_EVENTS.appointmentUpdated]: (view: AppointmentView) => void;
  [CHANNEL_EVENTS.budget]: (budget: BudgetEvent) => void;
  [CHANNEL_EVENTS.deliveryFailed]: (failed: DeliveryFailedEvent) => void;
  [CHANNEL_EVENTS.recalled]: (recalled: ChatRecalledEvent) => void;
  [CHANNEL_EVENTS.session]: (session: ChannelSessionEvent) => void;
}
