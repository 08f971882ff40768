// @ts-check
/*
 * The open chats: those the advisor owns ('own') and read-only ones ('watch'), opened, merged
 * with live messages, closed, and switched between. Chats watched before a reload, and the chat
 * that was shown, come back after it.
 */
import { readSession, writeSession } from '../../common/kit.js';
import { alertAdvisor, pageInView, settleAlert } from './alerts.js';
import { buildPane, renderHeader } from './chat-pane.js';
import { loadChannelFacts } from './channel-facts.js';
import { forgetMediaFiles } from './media.js';
import { isAside, loadNotes, onAside } from './notes.js';
import { savedDraft } from './replies.js';
import { customerName, isSupervisor, mergeMessage, request, state, view } from './state.js';
import { isNearBottom, renderTranscript } from './transcript.js';
import { dismissOffer, toast } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('./state.js').ChatHandoff} ChatHandoff */
/** @typedef {import('./state.js').ServerToAdvisorEvents} ServerToAdvisorEvents */

export const WATCH_KEY = 'bb.console.watching';
export const ACTIVE_KEY = 'bb.console.active';

/**
 * The chat's tab, created when it is not open yet; an own chat replaces a read-only one.
 * @param {string} conversationId
 * @param {'own' | 'watch'} mode
 * @param {ChatHandoff | null} handoff
 */
export function ensureChat(conversationId, mode, handoff) {
  let chat = state.chats.get(conversationId);
  if (chat) {
    if (handoff) chat.handoff = handoff;
    if (mode === 'own' && chat.mode !== 'own') {
      chat.mode = 'own';
      chat.closed = false;
      buildPane(chat);
    }
    return chat;
  }
  chat = {
    conversationId,
    mode,
    handoff,
    messages: new Map(),
    pending: new Map(),
    closed: false,
    closedText: '',
    unread: 0,
    els: null,
    facts: null,
    factsLoading: false,
    budgetEvents: 0,
    blockShown: '',
    notices: [],
    failReasons: new Map(),
    recalledIds: new Set(),
    insights: new Map(),
    asides: new Map(),
    composeMode: 'reply',
    assist: { busy: null, error: null, summary: null, replies: null },
    typing: { on: false, sentAt: 0 },
    draft: mode === 'own' ? savedDraft(conversationId) : '',
  };
  state.chats.set(conversationId, chat);
  state.tabOrder.push(conversationId);
  buildPane(chat);
  saveWatching();
  return chat;
}

/**
 * Opens (or refreshes) a chat with what the server sent: its handoff and recent messages.
 * @param {{ conversationId: string, handoff?: ChatHandoff | null, messages?: unknown[] }} chatView
 * @param {'own' | 'watch'} mode
 * @param {boolean} focus
 */
export function openChat(chatView, mode, focus) {
  const chat = ensureChat(chatView.conversationId, mode, chatView.handoff || null);
  if (mode === 'own' && chat.closed) {
    chat.closed = false;
    buildPane(chat);
  }
  (chatView.messages || []).forEach((m) => mergeMessage(chat, m));
  renderHeader(chat);
  renderTranscript(chat, true);
  if (focus) activate(chat.conversationId);
  else view.renderTabs();
  // Asked at every (re)open: budget events and notes missed while disconnected are not replayed.
  if (!chat.closed) loadChannelFacts(chat);
  loadNotes(chat);
}

/**
 * 静默监听: a read-only live view of a chat.
 * @param {string} conversationId
 * @param {ChatHandoff | null} handoff
 * @param {boolean} focus
 */
export function watch(conversationId, handoff, focus) {
  const existing = state.chats.get(conversationId);
  if (existing && focus) activate(conversationId);
  request('chat:watch', { conversationId }).then((res) => {
    if (existing && !state.chats.has(conversationId)) {
      // The tab was closed while this request was on its way: stop the live messages again.
      if (res.ok) request('chat:unwatch', { conversationId });
      return;
    }
    if (!res.ok) {
      toast(res.message || '无法打开该会话', 'error');
      const chat = state.chats.get(conversationId);
      if (chat && chat.mode === 'watch' && res.error !== 'disconnected' && res.error !== 'timeout')
        markClosed(chat, res.message || '无法查看该会话。');
      return;
    }
    openChat({ conversationId, handoff, messages: res.messages }, (existing && existing.mode) || 'watch', focus);
    view.renderQueue();
    view.renderActive();
  });
}

function saveWatching() {
  /** @type {{ conversationId: string, handoff: ChatHandoff | null }[]} */
  const list = [];
  state.chats.forEach((c) => {
    if (c.mode === 'watch') list.push({ conversationId: c.conversationId, handoff: c.handoff });
  });
  writeSession(WATCH_KEY, list.length ? list : null);
}

/** Chats watched before a reload, opened again (re-watched once connected). */
export function reopenWatched() {
  const watching = readSession(WATCH_KEY);
  if (!Array.isArray(watching)) return;
  watching.forEach((w) => {
    if (w && typeof w.conversationId === 'string') ensureChat(w.conversationId, 'watch', w.handoff || null);
  });
}

/**
 * A live message: stored, counted as unread when the advisor is not looking at its chat, and
 * announced (sound, title, notification) when it is the client's.
 * @type {ServerToAdvisorEvents['chat:message']}
 */
export function onChatMessage(m) {
  if (isAside(m)) {
    onAside(m);
    return;
  }
  const chat = m && state.chats.get(m.conversationId);
  if (!chat) return;
  const follow = isNearBottom(chat);
  const isNew = mergeMessage(chat, m);
  if (isNew && m.from === 'client') {
    const looking = chat.conversationId === state.activeId && pageInView();
    if (chat.conversationId !== state.activeId) chat.unread += 1;
    if (!looking && chat.mode === 'own' && !chat.closed)
      alertAdvisor('客户新消息', customerName(chat.handoff) + '：' + m.text, chat.conversationId);
  }
  renderTranscript(chat, follow);
  if (isNew) view.renderTabs();
}

/**
 * @param {Chat} chat
 * @param {string} text
 */
export function markClosed(chat, text) {
  chat.closed = true;
  chat.closedText = text;
  chat.pending.forEach((p) => {
    if (p.state === 'pending') {
      p.state = 'failed';
      p.error = '会话已结束，未发送';
      p.noRetry = true;
    }
  });
  buildPane(chat);
  view.renderTabs();
}

/** @param {string} conversationId */
export function closeTab(conversationId) {
  const chat = state.chats.get(conversationId);
  if (!chat) return;
  if (chat.mode === 'own' && !chat.closed) return;
  // No more live messages for this chat on this socket (the server never drops a chat the
  // advisor still owns, and a closed own chat has usually been left already).
  request('chat:unwatch', { conversationId });
  state.chats.delete(conversationId);
  state.tabOrder = state.tabOrder.filter((id) => id !== conversationId);
  if (chat.els) chat.els.pane.remove();
  forgetMediaFiles(chat);
  saveWatching();
  if (state.activeId === conversationId) {
    state.activeId = null;
    writeSession(ACTIVE_KEY, null);
    const last = state.tabOrder.at(-1);
    if (last) activate(last);
    else view.renderTabs();
  } else view.renderTabs();
  view.renderQueue();
  view.renderActive();
}

/** @param {string} conversationId */
export function activate(conversationId) {
  const chat = state.chats.get(conversationId);
  if (!chat) return;
  state.activeId = conversationId;
  writeSession(ACTIVE_KEY, conversationId);
  chat.unread = 0;
  view.renderTabs();
  renderTranscript(chat, true);
  if (chat.els && chat.els.input && !chat.els.input.disabled) chat.els.input.focus();
}

/** Shows the tab that was open before (reload or reconnect), else the first one. */
export function restoreActive() {
  if (state.activeId && state.chats.has(state.activeId)) activate(state.activeId);
  else if (state.tabOrder[0]) activate(state.tabOrder[0]);
  else view.renderTabs();
}

/**
 * The chats this advisor owns (chat:list, which also puts this socket in their rooms), merged
 * into the open tabs. The server reads the transcript just before joining the rooms, so a
 * second pass picks up anything written in between. Resolves false if the list failed.
 * @returns {Promise<boolean>}
 */
export async function loadOwnChats() {
  const found = await listOwnChats();
  if (found > 0) return (await listOwnChats()) >= 0;
  return found >= 0;
}

/**
 * One chat:list: resolves the number of chats owned now, or -1 if the request failed.
 * @returns {Promise<number>}
 */
async function listOwnChats() {
  const res = await request('chat:list');
  if (!res.ok) {
    if (res.error !== 'disconnected') toast(res.message || '会话列表加载失败', 'error');
    return -1;
  }
  const owned = new Set();
  (res.chats || []).forEach((c) => {
    if (!c || typeof c.conversationId !== 'string') return;
    owned.add(c.conversationId);
    openChat(c, 'own', false);
  });
  // Chats this console had open that are no longer ours (ended elsewhere).
  state.chats.forEach((chat) => {
    if (chat.mode === 'own' && !chat.closed && !owned.has(chat.conversationId)) markClosed(chat, '会话已结束。');
  });
  return owned.size;
}

/**
 * This advisor accepted a chat (here or in another tab): open it here too, once.
 * @type {ServerToAdvisorEvents['chat:opened']}
 */
export function onChatOpened(chatView) {
  if (!chatView || typeof chatView.conversationId !== 'string' || isSupervisor()) return;
  const handoffId = chatView.handoff && chatView.handoff.handoffId;
  const existing = state.chats.get(chatView.conversationId);
  const wasOpen = !!existing && existing.mode === 'own' && !existing.closed;
  if (handoffId) {
    dismissOffer(handoffId);
    settleAlert('offer:' + handoffId);
    if (state.queue.delete(handoffId)) view.renderQueue();
  }
  // Take the focus only when nothing else is on screen; the accepting tab focuses it itself.
  openChat(chatView, 'own', !state.activeId || !state.chats.has(state.activeId));
  view.refreshActive();
  // Accepted elsewhere: this socket is not in the chat's room yet; chat:list puts it there.
  if (!wasOpen && !(handoffId && state.acceptInFlight.has(handoffId))) {
    loadOwnChats();
    if (state.activeId !== chatView.conversationId) toast('已在其他窗口接入：' + customerName(chatView.handoff));
  }
}

/**
 * Ended elsewhere (another tab, WeCom, a transfer or a take-over).
 * @type {ServerToAdvisorEvents['chat:closed']}
 */
export function onChatClosed(p) {
  view.refreshActive();
  const chat = p && state.chats.get(p.conversationId);
  if (!chat || chat.closed) return;
  const why =
    p.reason === 'transferred'
      ? '会话已转接给其他顾问。'
      : p.reason === 'taken_over'
        ? '督导已接管该会话。'
        : chat.mode === 'watch'
          ? '顾问已结束人工服务。'
          : '会话已结束。';
  markClosed(chat, why);
  if (p.reason === 'taken_over' && chat.mode === 'own') toast('督导已接管与 ' + customerName(chat.handoff) + ' 的会话', 'error');
  // Ended in another tab of this advisor: this tab stops receiving the chat too.
  if (chat.mode === 'own') request('chat:unwatch', { conversationId: chat.conversationId });
}
