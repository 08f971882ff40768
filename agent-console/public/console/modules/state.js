// @ts-check
/*
 * The console's state: who is signed in, the connection, the waiting list, the open chats and
 * the chats in progress. Modules read and change it here; what must be redrawn after a change
 * is asked through `view` (filled by main.js), so that no module imports one that imports it.
 */

/** @typedef {import('../../../../shared/src/handoff-view').HandoffView} HandoffView */
/** @typedef {import('../../../../shared/src/handoff-view').ChatView} ChatView */
/** @typedef {import('../../../../shared/src/transcript').AdvisorWireMessage} AdvisorWireMessage */
/** @typedef {import('../../../../shared/src/transcript').MessageInsight} MessageInsight */
/** @typedef {import('../../../../shared/src/protocol/advisor-core').ActiveChatView} ActiveChatView */
/** @typedef {import('../../../../shared/src/protocol/advisor-core').ChannelFacts} ChannelFacts */
/** @typedef {import('../../../../shared/src/protocol/advisor').AdvisorRequestEvents} AdvisorRequestEvents */
/** @typedef {import('../../../../shared/src/realtime').ServerToAdvisorEvents} ServerToAdvisorEvents */
/** @typedef {import('../../common/connection.js').Connection<ServerToAdvisorEvents, AdvisorRequestEvents>} AdvisorConnection */

/**
 * What a chat tab knows of the handoff: the full HandoffView, or (opened from 进行中的会话) the
 * customer and who serves it.
 * @typedef {Partial<HandoffView> & { conversationId?: string, advisorName?: string | null }} ChatHandoff
 */

/**
 * @typedef {object} Session
 * @property {string} token
 * @property {{ id: string, name: string, role: 'advisor' | 'supervisor', branchId: string, allBranches?: boolean }} advisor
 */

/**
 * A reply written here and not yet acknowledged by the server.
 * @typedef {object} PendingReply
 * @property {string} cmid
 * @property {string} text
 * @property {string} createdAt
 * @property {'pending' | 'failed'} state
 * @property {string | null} error
 * @property {boolean} autoRetry
 * @property {boolean} [noRetry]
 * @property {number} attempt
 * @property {number} order
 * @property {boolean} [confirmed] sent anyway after a compliance warning (chat:send confirm)
 */

/**
 * @typedef {object} ChatElements
 * @property {HTMLElement} pane
 * @property {HTMLElement} who
 * @property {HTMLElement} facts
 * @property {HTMLElement} card
 * @property {HTMLElement} client the 客户信息 panel (modules/client-panel.js)
 * @property {HTMLElement} assist
 * @property {HTMLElement} transcript
 * @property {HTMLElement} list
 * @property {HTMLTextAreaElement | null} input
 * @property {HTMLButtonElement | null} send
 * @property {HTMLElement | null} warning
 */

/**
 * @typedef {{ remaining: number, limit: number, windowEndsAt: string | null }} Budget
 * @typedef {{ channel: string, typing: boolean, budget: Budget | null }} Facts
 * @typedef {{ kind: string, text: string, at: string, afterSeq: number }} Notice
 * @typedef {AdvisorWireMessage & { error?: string, recalled?: boolean }} StoredMessage
 * @typedef {{ id: string, kind: 'note' | 'whisper', authorName: string, text: string, createdAt: string, afterSeq: number }} Aside
 */

/**
 * An open chat tab: one the advisor owns ('own') or a read-only one ('watch').
 * @typedef {object} Chat
 * @property {string} conversationId
 * @property {'own' | 'watch'} mode
 * @property {ChatHandoff | null} handoff
 * @property {Map<string, StoredMessage>} messages
 * @property {Map<string, PendingReply>} pending
 * @property {boolean} closed
 * @property {string} closedText
 * @property {number} unread
 * @property {ChatElements | null} els
 * @property {Facts | null} facts chat:channel / channel:budget
 * @property {boolean} factsLoading
 * @property {number} budgetEvents counts channel:budget events, so that an older chat:channel answer does not overwrite a newer budget
 * @property {string} blockShown the send block shown now (a reason, or ''), to notice when the window closes by the clock
 * @property {Notice[]} notices channel notices (channel:session) placed after the message with seq afterSeq
 * @property {Map<string, string>} failReasons delivery:failed reasons that arrived before (or without) the message
 * @property {Set<string>} recalledIds chat:recalled ids that arrived before (or without) the message
 * @property {Map<string, MessageInsight>} insights chat:insight updates by message id
 * @property {Map<string, Aside>} asides internal notes and supervisors' whispers, by id (never the client's)
 * @property {'reply' | 'note'} composeMode what the reply box writes: a reply to the client or an internal note
 * @property {{ busy: string | null, error: string | null, summary: { text: string, source?: string } | null, replies: { list: string[], source?: string } | null }} assist
 * @property {{ on: boolean, sentAt: number }} typing
 * @property {string} draft the unsent reply, kept while another chat is shown
 */

export const state = {
  /** @type {Session | null} */
  session: null,
  /** @type {AdvisorConnection | null} */
  connection: null,
  /** Waiting handoffs by handoffId. @type {Map<string, HandoffView>} */
  queue: new Map(),
  /** Open chats by conversationId. @type {Map<string, Chat>} */
  chats: new Map(),
  /** @type {string[]} */
  tabOrder: [],
  /** @type {string | null} */
  activeId: null,
  /** Handoffs this console is accepting now. @type {Set<string>} */
  acceptInFlight: new Set(),
  /** Chats a person is serving now (chat:active), newest first. @type {ActiveChatView[]} */
  activeChats: [],
  /** 结束会话's wrap-up categories (from `ready`; empty: the defaults). @type {string[]} */
  wrapUpCategories: [],
  /** Orders this console's unacknowledged replies. */
  localOrder: 0,
  attemptCounter: 0,
};

export function isSupervisor() {
  return !!state.session && state.session.advisor.role === 'supervisor';
}

/** Whether the console's socket is connected now. */
export function isConnected() {
  return !!state.connection && state.connection.socket.connected;
}

/**
 * A request on the console's connection (see /common/connection.js): it always resolves, with
 * `{ ok: false, error: 'disconnected' }` when there is no connection.
 * @type {AdvisorConnection['request']}
 */
export const request = (event, ...args) => {
  if (!state.connection)
    return Promise.resolve(/** @type {any} */ ({ ok: false, error: 'disconnected', message: '网络连接已断开，请稍后重试' }));
  return state.connection.request(event, ...args);
};

/** @param {ChatHandoff | null | undefined} handoff */
export function customerName(handoff) {
  return (handoff && handoff.customer && handoff.customer.name) || '访客';
}

/**
 * Redraws and actions other modules ask for without importing the module that does them
 * (set once by main.js).
 */
export const view = {
  renderQueue: () => {},
  renderActive: () => {},
  renderTabs: () => {},
  refreshActive: () => {},
  /** @type {(conversationId: string) => void} */
  activate: () => {},
  /** @type {(conversationId: string) => void} */
  closeTab: () => {},
  /** @type {() => Promise<boolean>} */
  loadOwnChats: () => Promise.resolve(false),
  /** @type {(conversationId: string, handoff: ChatHandoff | null, focus: boolean) => void} */
  watch: () => {},
  /** @type {(chat: Chat) => void} */
  buildPane: () => {},
  /** @type {(chat: Chat, stick: boolean) => void} */
  renderTranscript: () => {},
  /** @type {(chat: Chat, entry: PendingReply) => void} */
  transmitReply: () => {},
  /** @type {(chat: Chat, text: string) => void} */
  markClosed: () => {},
  /** @type {(chat: Chat) => void} */
  renderHeader: () => {},
  /** @type {(chatView: { conversationId: string, handoff?: ChatHandoff | null, messages?: unknown[] }, mode: 'own' | 'watch', focus: boolean) => void} */
  openChat: () => {},
};

/**
 * @param {unknown} m
 * @returns {m is AdvisorWireMessage}
 */
export function isWireMessage(m) {
  const w = /** @type {Partial<AdvisorWireMessage> | null} */ (m);
  return !!w && typeof w.id === 'string' && typeof w.seq === 'number' && typeof w.text === 'string';
}

/**
 * Stores a message, keeping a recall, insight or failure reason that was announced separately.
 * Resolves whether it is new to this chat.
 * @param {Chat} chat
 * @param {unknown} m
 */
export function mergeMessage(chat, m) {
  if (!isWireMessage(m)) return false;
  const isNew = !chat.messages.has(m.id);
  /** @type {StoredMessage} */
  const copy = { ...m };
  if (chat.recalledIds.has(m.id)) copy.recalled = true;
  const insight = chat.insights.get(m.id);
  if (!copy.insight && insight) copy.insight = insight;
  const reason = chat.failReasons.get(m.id);
  if (copy.status === 'failed' && !copy.error && reason) copy.error = reason;
  chat.messages.set(m.id, copy);
  return isNew;
}

/**
 * The seq of the chat's latest stored message (0: none yet).
 * @param {Chat} chat
 */
export function highestSeq(chat) {
  let max = 0;
  chat.messages.forEach((m) => {
    if (m.seq > max) max = m.seq;
  });
  return max;
}
