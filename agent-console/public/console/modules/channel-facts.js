// @ts-check
/*
 * What the chat's channel allows: its badge, the send budget (WeCom / mini-program: 48 h, 5
 * messages), the reply box blocked while nothing may be sent; and the channels' events about a
 * chat (delivery failed, recalled, WeCom session changes, the bot's insight on a message).
 */
import { el, pad } from '../../common/kit.js';
import { channelLabel } from './labels.js';
import { customerName, highestSeq, request, state } from './state.js';
import { isNearBottom, renderTranscript } from './transcript.js';
import { toast } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('./state.js').Budget} Budget */
/** @typedef {import('./state.js').ServerToAdvisorEvents} ServerToAdvisorEvents */

export const COMPOSER_PLACEHOLDER = '输入回复，Enter 发送，Shift+Enter 换行';
/** chat:typing true is repeated at most this often while the advisor keeps typing. */
const TYPING_EVERY_MS = 5000;

/**
 * @param {{ remaining?: unknown, limit?: unknown, windowEndsAt?: string | null } | null | undefined} b
 * @returns {Budget | null}
 */
function readBudget(b) {
  if (!b || typeof b.remaining !== 'number' || typeof b.limit !== 'number') return null;
  return { remaining: Math.max(0, b.remaining), limit: b.limit, windowEndsAt: b.windowEndsAt || null };
}

/** @param {Budget} budget */
function windowOpen(budget) {
  return !!budget.windowEndsAt && new Date(budget.windowEndsAt).getTime() > Date.now();
}

/** "11-27 14:05" @param {string} iso */
function formatMinute(iso) {
  const d = new Date(iso);
  return pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}

/**
 * Why nothing may be sent to the client now (WeCom / mini-program limits), or '' when sending is allowed.
 * @param {Chat} chat
 */
export function sendBlockReason(chat) {
  const budget = chat.facts && chat.facts.budget;
  if (!budget) return '';
  if (!windowOpen(budget)) return '客户超过 48 小时未发言，发送窗口已关闭，暂不能发送。请等待客户再次发消息后再回复。';
  if (budget.remaining <= 0)
    return '客户上次发言后已发满 ' + budget.limit + ' 条（平台上限），暂不能发送。请等待客户再次发消息后再回复。';
  return '';
}

/**
 * chat:channel: the chat's channel and send budget, asked when the chat is (re)opened.
 * @param {Chat} chat
 */
export function loadChannelFacts(chat) {
  if (chat.factsLoading) return;
  chat.factsLoading = true;
  const eventsBefore = chat.budgetEvents;
  request('chat:channel', { conversationId: chat.conversationId }).then((res) => {
    chat.factsLoading = false;
    if (state.chats.get(chat.conversationId) !== chat || !res.ok) return;
    // A channel:budget event that arrived meanwhile is newer than this answer.
    const budget = chat.budgetEvents !== eventsBefore && chat.facts ? chat.facts.budget : readBudget(res.budget);
    chat.facts = { channel: res.channel, typing: !!res.typing, budget };
    showChannelFacts(chat);
  });
}

/** @type {ServerToAdvisorEvents['channel:budget']} */
export function onBudget(p) {
  const chat = p && state.chats.get(p.conversationId);
  if (!chat) return;
  chat.budgetEvents += 1;
  const known = chat.facts || { channel: p.channel, typing: false };
  chat.facts = { channel: p.channel || known.channel, typing: known.typing, budget: readBudget(p) };
  showChannelFacts(chat);
}

/** @param {Chat} chat */
function showChannelFacts(chat) {
  if (!chat.els) return;
  renderChannelFacts(chat);
  applyComposerState(chat);
}

/**
 * Header line: channel badge, remaining messages, and until when the client may be written to.
 * @param {Chat} chat
 */
export function renderChannelFacts(chat) {
  if (!chat.els) return;
  const box = chat.els.facts;
  box.replaceChildren();
  const facts = chat.facts;
  if (!facts) return;
  box.appendChild(el('span', 'channel-badge channel-' + facts.channel, channelLabel(facts.channel)));
  const budget = facts.budget;
  if (!budget) return;
  const blocked = !!sendBlockReason(chat);
  const count = el('span', 'budget-count', '剩余可发 ' + budget.remaining + '/' + budget.limit + ' 条');
  count.dataset.state = blocked ? 'blocked' : budget.remaining <= 1 ? 'low' : 'ok';
  box.appendChild(count);
  box.appendChild(
    el(
      'span',
      'budget-window' + (windowOpen(budget) ? '' : ' closed'),
      windowOpen(budget) && budget.windowEndsAt ? '可发送至 ' + formatMinute(budget.windowEndsAt) : '发送窗口已关闭',
    ),
  );
}

/**
 * Disables the reply box, with the reason, while the channel allows nothing to be sent.
 * @param {Chat} chat
 */
export function applyComposerState(chat) {
  const reason = sendBlockReason(chat);
  chat.blockShown = reason;
  if (!chat.els || !chat.els.input || !chat.els.send || !chat.els.warning) return;
  if (chat.composeMode === 'note') {
    // An internal note reaches no channel: the client's send budget does not apply.
    chat.els.warning.hidden = true;
    chat.els.input.disabled = false;
    chat.els.send.disabled = false;
    chat.els.input.placeholder = '内部备注：仅顾问和督导可见，客户看不到';
    return;
  }
  chat.els.warning.textContent = reason;
  chat.els.warning.hidden = !reason;
  chat.els.input.disabled = !!reason;
  chat.els.send.disabled = !!reason;
  chat.els.input.placeholder = reason ? '暂不能发送：请等待客户再次发消息' : COMPOSER_PLACEHOLDER;
  if (reason) stopTyping(chat);
}

/** Every second: a send window that closed by the clock blocks the reply box without any event. */
export function refreshSendBlocks() {
  state.chats.forEach((chat) => {
    if (chat.facts && chat.facts.budget && sendBlockReason(chat) !== chat.blockShown) showChannelFacts(chat);
  });
}

// ---------------------------------------------------------------- typing

/**
 * chat:typing true while the advisor writes, repeated at most every TYPING_EVERY_MS.
 * @param {Chat} chat
 */
export function startTyping(chat) {
  const now = Date.now();
  if (chat.typing.on && now - chat.typing.sentAt < TYPING_EVERY_MS) return;
  chat.typing.on = true;
  chat.typing.sentAt = now;
  emitTyping(chat, true);
}

/** @param {Chat} chat */
export function stopTyping(chat) {
  if (!chat.typing.on) return;
  chat.typing.on = false;
  emitTyping(chat, false);
}

/** @param {Chat} chat @param {boolean} typing */
function emitTyping(chat, typing) {
  if (!state.connection || chat.mode !== 'own' || chat.closed) return;
  // The ack ({ ok, supported }) does not matter: channels without an indicator just say so.
  state.connection.send('chat:typing', { conversationId: chat.conversationId, typing });
}

// ---------------------------------------------------------------- channel events

/** @type {ServerToAdvisorEvents['delivery:failed']} */
export function onDeliveryFailed(p) {
  const chat = p && state.chats.get(p.conversationId);
  if (!chat || typeof p.messageId !== 'string') return;
  const reason = String(p.reason || '消息未送达客户');
  chat.failReasons.set(p.messageId, reason);
  const m = chat.messages.get(p.messageId);
  if (m && (m.status !== 'failed' || !m.error)) {
    chat.messages.set(p.messageId, { ...m, status: 'failed', error: m.error || reason });
    renderTranscript(chat, false);
  }
  toast('发给 ' + customerName(chat.handoff) + ' 的消息未送达：' + reason, 'error');
}

/** The bot finished reading a client message: its emotion, intent and what it did. @type {ServerToAdvisorEvents['chat:insight']} */
export function onInsight(p) {
  const chat = p && state.chats.get(p.conversationId);
  if (!chat || typeof p.messageId !== 'string' || !p.insight) return;
  chat.insights.set(p.messageId, p.insight);
  const m = chat.messages.get(p.messageId);
  if (m) {
    chat.messages.set(p.messageId, { ...m, insight: p.insight });
    renderTranscript(chat, false);
  }
}

/** @type {ServerToAdvisorEvents['chat:recalled']} */
export function onRecalled(p) {
  const chat = p && state.chats.get(p.conversationId);
  if (!chat || typeof p.messageId !== 'string') return;
  chat.recalledIds.add(p.messageId);
  const m = chat.messages.get(p.messageId);
  if (m) {
    chat.messages.set(p.messageId, { ...m, recalled: true });
    renderTranscript(chat, false);
  }
}

/**
 * What WeCom's session_status_change means (change_type 1–4, see WECOM.md) in words.
 * @param {number} changeType
 * @param {string | null} servicer
 */
function sessionNoticeText(changeType, servicer) {
  const who = servicer ? '接待人员 ' + servicer : '接待人员';
  switch (changeType) {
    case 1:
      return '企业微信：' + who + ' 已从接待池接入该会话';
    case 2:
      return servicer ? '企业微信：会话已转接给' + who : '企业微信：会话已被转接';
    case 3:
      return '企业微信：会话已在企业微信中结束';
    case 4:
      return '企业微信：' + who + ' 重新接入了该会话';
    default:
      return '企业微信：会话接待状态已变更（类型 ' + changeType + '）';
  }
}

/** @type {ServerToAdvisorEvents['channel:session']} */
export function onSessionChanged(p) {
  const chat = p && state.chats.get(p.conversationId);
  if (!chat) return;
  chat.notices.push({
    kind: 'channel-session',
    text: sessionNoticeText(Number(p.changeType), p.servicerUserId || null),
    at: new Date().toISOString(),
    afterSeq: highestSeq(chat),
  });
  renderTranscript(chat, isNearBottom(chat));
}
