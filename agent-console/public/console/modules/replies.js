// @ts-check
/*
 * Replies and closing. Advisor replies are idempotent: each has a clientMessageId, kept while
 * unacknowledged and re-sent with the same id after a reconnect. The unsent text of each chat
 * (its draft) is kept while other chats are shown, and across a reload.
 */
import { newMessageId, readSession, writeSession } from '../../common/kit.js';
import { sendBlockReason, stopTyping } from './channel-facts.js';
import { askComplianceOverride } from './compliance.js';
import { isConnected, mergeMessage, request, state, view } from './state.js';
import { renderTranscript } from './transcript.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('./state.js').PendingReply} PendingReply */

const DRAFTS_KEY = 'bb.console.drafts';

/**
 * The draft kept for a chat (this tab's session), '' when none.
 * @param {string} conversationId
 * @returns {string}
 */
export function savedDraft(conversationId) {
  const drafts = readSession(DRAFTS_KEY);
  return drafts && typeof drafts[conversationId] === 'string' ? drafts[conversationId] : '';
}

/**
 * Keeps (or, empty, forgets) a chat's unsent text.
 * @param {Chat} chat
 * @param {string} text
 */
export function keepDraft(chat, text) {
  chat.draft = text;
  const drafts = readSession(DRAFTS_KEY) || {};
  if (text) drafts[chat.conversationId] = text;
  else delete drafts[chat.conversationId];
  writeSession(DRAFTS_KEY, Object.keys(drafts).length ? drafts : null);
}

export function forgetDrafts() {
  writeSession(DRAFTS_KEY, null);
}

/** @param {Chat} chat */
export function sendReply(chat) {
  const input = chat.els && chat.els.input;
  if (chat.mode !== 'own' || chat.closed || !input || sendBlockReason(chat)) return;
  const text = input.value.trim();
  if (!text) return;
  stopTyping(chat);
  /** @type {PendingReply} */
  const entry = {
    cmid: newMessageId('c'),
    text,
    createdAt: new Date().toISOString(),
    state: 'pending',
    error: null,
    autoRetry: true,
    attempt: 0,
    order: ++state.localOrder,
  };
  chat.pending.set(entry.cmid, entry);
  input.value = '';
  keepDraft(chat, '');
  renderTranscript(chat, true);
  transmitReply(chat, entry);
  view.renderTabs();
}

/**
 * @param {Chat} chat
 * @param {PendingReply} entry
 */
export function transmitReply(chat, entry) {
  entry.state = 'pending';
  entry.error = null;
  if (!isConnected()) {
    renderTranscript(chat, false);
    return; // re-sent after reconnecting (resync → flushPending)
  }
  const attempt = ++state.attemptCounter;
  entry.attempt = attempt;
  renderTranscript(chat, false);
  const payload = { conversationId: chat.conversationId, clientMessageId: entry.cmid, text: entry.text };
  request('chat:send', entry.confirmed ? { ...payload, confirm: true } : payload).then((res) => {
    if (entry.attempt !== attempt || chat.pending.get(entry.cmid) !== entry) return;
    if (res.ok) {
      chat.pending.delete(entry.cmid);
      mergeMessage(chat, res.message);
      renderTranscript(chat, false);
      view.renderTabs();
      return;
    }
    if (res.error === 'timeout' || res.error === 'disconnected') {
      // Cut off meanwhile: it stays pending and is re-sent with the same id after reconnecting.
      if (isConnected()) failReply(chat, entry, '发送超时，请重试', true);
      else renderTranscript(chat, false);
      return;
    }
    if (res.error === 'compliance_warning') {
      reviewWarning(chat, entry, res.message || '', res.rules);
      return;
    }
    failReply(chat, entry, res.message || '发送失败，请重试', false);
    if (res.error === 'not_owner') view.markClosed(chat, res.message || '会话已结束。');
  });
}

/**
 * The text breaks a compliance rule and was not sent: the advisor sends it anyway (the same id,
 * confirmed), or takes it back into the reply box to edit it.
 * @param {Chat} chat
 * @param {PendingReply} entry
 * @param {string} message
 * @param {unknown} rules
 */
async function reviewWarning(chat, entry, message, rules) {
  const anyway = await askComplianceOverride(message, rules);
  if (chat.pending.get(entry.cmid) !== entry) return;
  if (anyway && !chat.closed) {
    entry.confirmed = true;
    transmitReply(chat, entry);
    return;
  }
  chat.pending.delete(entry.cmid);
  renderTranscript(chat, false);
  const input = chat.els && chat.els.input;
  if (input) {
    input.value = input.value.trim() ? entry.text + '\n' + input.value : entry.text;
    keepDraft(chat, input.value);
    if (!input.disabled) input.focus();
  }
  view.renderTabs();
}

/**
 * @param {Chat} chat
 * @param {PendingReply} entry
 * @param {string} message
 * @param {boolean} autoRetry
 */
function failReply(chat, entry, message, autoRetry) {
  entry.state = 'failed';
  entry.error = message;
  entry.autoRetry = autoRetry;
  renderTranscript(chat, false);
}

/** @param {Chat} chat */
export function flushPending(chat) {
  [...chat.pending.values()]
    .filter((p) => p.state === 'pending' || p.autoRetry)
    .sort((a, b) => a.order - b.order)
    .forEach((p) => transmitReply(chat, p));
}
