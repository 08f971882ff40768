/**
 * Socket.IO namespaces, rooms and server→socket event names, shared by the gateway (which
 * holds the sockets) and the workers (which emit through the Redis emitter).
 */
import type { AppointmentView } from './appointment-view';
import type { ChatView, HandoffView } from './handoff-view';
import type { ConversationState } from './states';
import type { PracticeOutcome } from './protocol/advisor-practice';
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
  /** Supervisors of one branch who do not see every branch (advisor status broadcasts). */
  branchSupervisors: (branchId: string) => `supervisors:${branchId}`,
};

export const CLIENT_EVENTS = {
  message: 'message',
  history: 'history',
  state: 'state',
  /** { conversationId, id, text, cancelled? }: a bot answer being written (app only); `message` with the same id replaces it. */
  draft: 'draft',
  /** { conversationId, from: 'advisor', typing } while the advisor who owns the chat types. */
  typing: 'typing',
  /** ClientQueueEvent: the waiting client's place in the queue and expected wait, when it changes. */
  queue: 'queue',
  /** ClientSurveyEvent: rate the advisor who just served you (satisfaction, 1–5); answered with `survey:answer`. */
  survey: 'survey',
} as const;

export const ADVISOR_EVENTS = {
  /** AdvisorReadyEvent: to one socket as it connects, once its requests are registered. */
  ready: 'ready',
  /** SessionRevokedEvent: to one socket whose token was revoked, just before it is disconnected. */
  sessionRevoked: 'session:revoked',
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
  /** AdvisorStatusEvent: an advisor's status or load changed (to supervisors). */
  advisorStatus: 'advisor:status',
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

/** ADVISOR_EVENTS.ready: who is signed in on this socket, and the console's settings. */
export interface AdvisorReadyEvent {
  advisor: {
    id: string;
    name: string;
    role: 'advisor' | 'supervisor';
    branchId: string;
    /** The advisor's status (advisor:status); absent from servers without it. */
    status?: 'online' | 'busy' | 'away';
  };
  /** Wrap-up categories 结束会话 asks for (chat:close wrapUp.category); absent from servers without wrap-up. */
  wrapUpCategories?: string[];
}

/** ADVISOR_EVENTS.sessionRevoked: the account was disabled, deleted or signed out (Chinese `message`). */
export interface SessionRevokedEvent {
  error: string;
  message: string;
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
  /**
   * Why the chat left this console: `transferred` (its advisor handed it on) or `taken_over`
   * (a supervisor took it); absent when it was closed.
   */
  reason?: 'transferred' | 'taken_over';
  /** A practice chat (智能陪练) ended: `by` is 'practice' when its rules ended it; its result is stored by now. */
  practice?: true;
  outcome?: PracticeOutcome;
}

/** CLIENT_EVENTS.queue: clients ahead of this one (0: next) and the expected wait in seconds. */
export interface ClientQueueEvent {
  conversationId: string;
  position: number;
  expectedWaitS: number;
}

/** An advisor's availability for new chats: busy and away get no offers. */
export const ADVISOR_STATUSES = ['online', 'busy', 'away'] as const;
export type AdvisorStatus = (typeof ADVISOR_STATUSES)[number];

/** ADVISOR_EVENTS.advisorStatus and each item of `advisors:list`: an advisor's status and load. */
export interface AdvisorStatusEvent {
  advisorId: string;
  name: string;
  branchId: string;
  status: AdvisorStatus;
  /** Chats the advisor serves now. */
  load: number;
  capacity: number;
}

/**
 * A supervisor's whisper on a chat (`chat:message` with `kind: 'whisper'`): seen by the advisor who
 * owns the chat and the supervisor, never stored as a message nor sent to the client.
 */
export interface WhisperMessage {
  kind: 'whisper';
  id: string;
  conversationId: string;
  from: 'supervisor';
  authorName: string;
  text: string;
  createdAt: string;
}

/**
 * An internal note on a chat (`chat:message` with `kind: 'note'`, from `chat:note`): for the
 * advisors and supervisors on the chat, never stored as a message nor sent to the client.
 * `afterSeq`: the seq of the conversation's last message when it was written (it sorts after it).
 */
export interface NoteMessage {
  kind: 'note';
  id: string;
  conversationId: string;
  from: 'advisor' | 'supervisor';
  authorName: string | null;
  text: string;
  afterSeq: number;
  createdAt: string;
}

/** CLIENT_EVENTS.survey: the satisfaction question and its options (score 5 … 1, best first). */
export interface ClientSurveyEvent {
  surveyId: string;
  conversationId: string;
  question: string;
  options: { score: number; label: string }[];
  /** When it stops taking answers. */
  expiresAt: string;
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
  [CLIENT_EVENTS.queue]: (queue: ClientQueueEvent) => void;
  [CLIENT_EVENTS.survey]: (survey: ClientSurveyEvent) => void;
}

/**
 * Every event the server sends on the /advisor namespace, with its payload (socket.io's typed
 * event map): the gateway's own `ready` and session-revoked notice to one socket, the broadcasts
 * of ADVISOR_EVENTS, and the channels' CHANNEL_EVENTS.
 */
export interface ServerToAdvisorEvents {
  [ADVISOR_EVENTS.ready]: (ready: AdvisorReadyEvent) => void;
  [ADVISOR_EVENTS.sessionRevoked]: (notice: SessionRevokedEvent) => void;
  [ADVISOR_EVENTS.offer]: (view: HandoffView) => void;
  [ADVISOR_EVENTS.queueAdded]: (view: HandoffView) => void;
  [ADVISOR_EVENTS.queueRemoved]: (removed: WaitingListRemovedEvent) => void;
  /** A failed delivery sends the client's view (WireMessage, no insight). */
  [ADVISOR_EVENTS.chatMessage]: (message: AdvisorWireMessage | WhisperMessage | NoteMessage) => void;
  [ADVISOR_EVENTS.chatClosed]: (closed: ChatClosedEvent) => void;
  [ADVISOR_EVENTS.chatOpened]: (view: ChatView) => void;
  [ADVISOR_EVENTS.chatInsight]: (insight: ChatInsightEvent) => void;
  [ADVISOR_EVENTS.appointmentAdded]: (view: AppointmentView) => void;
  [ADVISOR_EVENTS.appointmentUpdated]: (view: AppointmentView) => void;
  [ADVISOR_EVENTS.advisorStatus]: (status: AdvisorStatusEvent) => void;
  [CHANNEL_EVENTS.budget]: (budget: BudgetEvent) => void;
  [CHANNEL_EVENTS.deliveryFailed]: (failed: DeliveryFailedEvent) => void;
  [CHANNEL_EVENTS.recalled]: (recalled: ChatRecalledEvent) => void;
  [CHANNEL_EVENTS.session]: (session: ChannelSessionEvent) => void;
}
