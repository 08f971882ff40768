/**
 * Requests on the /advisor namespace for the console's base requests: waiting list, accept, send,
 * close, watch, assist, appointments, transcripts, and the channels' typing and channel facts.
 * Composed with the other features' fragments in ./advisor.ts.
 */
import type { AppointmentView } from '../appointment-view';
import type { ChatView, HandoffView } from '../handoff-view';
import type { AdvisorWireMessage } from '../transcript';
import type { PayloadlessRequest, Request } from './ack';

/** A chat a person serves now (chat:active), in the branches the asker may see. */
export interface ActiveChatView {
  conversationId: string;
  branchId: string | null;
  advisorId: string | null;
  advisorName: string | null;
  customer: { id: string; name: string; tier: string } | null;
  /** When the advisor took it. */
  since: string;
  /** Whether the asker may 静默监听 it (supervisors; advisors only where their branch grants it). */
  mayWatch: boolean;
}

/** One conversation's payload. */
export interface ChatRef {
  conversationId: string;
}

/** chat:send's payload; `confirm` sends a text the compliance check warned about (see advisor-service). */
export interface ChatSendPayload {
  conversationId: string;
  /** [A-Za-z0-9_-], at most 64: the same id resent is stored once. */
  clientMessageId: string;
  text: string;
  confirm?: boolean;
}

/** chat:close's payload: the wrap-up and the client_unanswered override come with the wrap-up feature. */
export interface ChatClosePayload {
  conversationId: string;
  wrapUp?: { category: string; note?: string };
  confirm?: boolean;
}

export type AssistKind = 'summary' | 'replies';
export type AssistSource = 'llm' | 'rules';

/** chat:channel: what may still be sent (WeCom / mini-program); budget null for the app. */
export interface ChannelFacts {
  channel: 'app' | 'wecom' | 'miniprogram';
  budget: { remaining: number; limit: number; windowEndsAt: string | null } | null;
  /** Whether the client sees the advisor's typing indicator. */
  typing: boolean;
}

/** transcripts:search's filters (all optional; `before` is the cursor of the next page). */
export interface TranscriptSearchPayload {
  from?: string;
  to?: string;
  branchId?: string;
  advisorId?: string;
  escalated?: boolean;
  emotion?: 'anxious' | 'angry' | 'sad';
  reviewed?: boolean;
  /** 智能质检 (see ./advisor-quality.ts): the latest score's range, a flag, a failed item, and the order. */
  minScore?: number;
  maxScore?: number;
  flag?: 'critical' | 'major' | 'minor' | 'any';
  failedItem?: string;
  sort?: 'recent' | 'score_asc' | 'score_desc';
  /** 关键词: conversations in which a client or an advisor said every word of it (≤ 50 chars; see README 会话记录 search index). */
  keyword?: string;
  before?: string;
}

export interface CoreAdvisorRequests {
  /** The waiting list this account may see. */
  'queue:list': PayloadlessRequest<{ items: HandoffView[] }>;
  /** The chats this advisor owns, with their recent transcript; also (re)joins their rooms. */
  'chat:list': PayloadlessRequest<{ chats: ChatView[] }>;
  /** Takes a waiting (or offered) chat: `not_available` when someone else was faster. */
  'chat:accept': Request<{ handoffId: string }, { chat: ChatView }>;
  /** Sends a reply to the client (idempotent on clientMessageId); `not_owner` once the chat is not this advisor's. */
  'chat:send': Request<ChatSendPayload, { message: AdvisorWireMessage }>;
  /** Hands the chat back to the bot. */
  'chat:close': Request<ChatClosePayload>;
  /** Read-only live view of a chat (supervisors): its transcript, then its live events. */
  'chat:watch': Request<ChatRef, { messages: AdvisorWireMessage[] }>;
  /** Stops a read-only view's live events (a chat the advisor owns is never left). */
  'chat:unwatch': Request<ChatRef>;
  /** The chats people serve now, newest first. */
  'chat:active': PayloadlessRequest<{ chats: ActiveChatView[] }>;
  'appointments:list': PayloadlessRequest<{ items: AppointmentView[] }>;
  'appointments:update': Request<
    { appointmentId: string; status: 'confirmed' | 'done' | 'cancelled' },
    { appointment: AppointmentView }
  >;
  /** Writing help: a summary of the chat so far, or up to three suggested replies. */
  'chat:assist': Request<
    { conversationId: string; kind: AssistKind },
    { summary: string; source: AssistSource } | { replies: string[]; source: AssistSource }
  >;
  /** 会话记录 (supervisors): one page of conversations. */
  /** With a keyword, `terms` are the words searched (for highlighting). */
  'transcripts:search': Request<
    TranscriptSearchPayload,
    { items: Record<string, unknown>[]; next?: string | null; terms?: string[] }
  >;
  'transcripts:open': Request<ChatRef, Record<string, unknown>>;
  'transcripts:review': Request<{ conversationId: string; verdict: 'ok' | 'issue'; note: string }, Record<string, unknown>>;
  /** The advisor types (true, repeated at most every 5 s) or stopped; `supported: false` where the channel shows nothing. */
  'chat:typing': Request<{ conversationId: string; typing: boolean }, { supported: boolean }>;
  /** The chat's channel and send budget (channels/src/advisor-channel-status.ts). */
  'chat:channel': Request<ChatRef, ChannelFacts>;
}
