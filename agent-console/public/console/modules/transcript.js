// @ts-check
/* A chat's transcript: stored messages by seq, channel notices between them, then this console's unacknowledged replies. */
import { el, formatTime } from '../../common/kit.js';
import { renderInsight } from './labels.js';
import { renderMedia } from './media.js';
import { customerName, isConnected, state, view } from './state.js';
import { button } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('./state.js').StoredMessage} StoredMessage */
/** @typedef {import('./state.js').PendingReply} PendingReply */

/** @param {Chat} chat */
export function isNearBottom(chat) {
  if (!chat.els) return true;
  const t = chat.els.transcript;
  return t.scrollHeight - t.scrollTop - t.clientHeight < 80;
}

export function renderAllChats() {
  state.chats.forEach((chat) => renderTranscript(chat, false));
}

/**
 * Stored messages by seq, then this console's unacknowledged replies in writing order.
 * @param {Chat} chat
 * @param {boolean} stick scroll to the newest message
 */
export function renderTranscript(chat, stick) {
  if (!chat.els) return;
  const follow = stick || isNearBottom(chat);
  const list = [...chat.messages.values()].sort((a, b) => a.seq - b.seq);
  const fragment = document.createDocumentFragment();
  // Between the messages: channel notices, internal notes and whispers, each after the message it followed.
  /** @type {{ afterSeq: number, at: string, node: () => HTMLElement }[]} */
  const between = [
    ...chat.notices.map((n) => ({ afterSeq: n.afterSeq, at: n.at, node: () => renderNotice(n) })),
    ...[...chat.asides.values()].map((a) => ({ afterSeq: a.afterSeq, at: a.createdAt, node: () => renderAside(a) })),
  ].sort((a, b) => a.afterSeq - b.afterSeq || String(a.at).localeCompare(String(b.at)));
  list.forEach((m) => {
    while (between.length && /** @type {{ afterSeq: number }} */ (between[0]).afterSeq < m.seq) {
      const aside = between.shift();
      if (aside) fragment.appendChild(aside.node());
    }
    fragment.appendChild(renderMessage(chat, m, null));
  });
  between.forEach((b) => fragment.appendChild(b.node()));
  [...chat.pending.values()]
    .sort((a, b) => a.order - b.order)
    .forEach((p) => {
      const shown = {
        from: 'advisor',
        authorName: state.session ? state.session.advisor.name : '',
        text: p.text,
        createdAt: p.createdAt,
      };
      fragment.appendChild(renderMessage(chat, /** @type {StoredMessage} */ (shown), p));
    });
  chat.els.list.replaceChildren(fragment);
  if (follow) chat.els.transcript.scrollTop = chat.els.transcript.scrollHeight;
}

/**
 * @param {Chat} chat
 * @param {StoredMessage} m
 * @param {PendingReply | null} pending
 */
function renderMessage(chat, m, pending) {
  const li = el('li', 'tmsg from-' + m.from);
  li.dataset.from = m.from;
  const author = el('div', 'tmsg-author');
  if (m.from === 'client') {
    author.appendChild(el('span', 'author-badge client', '客户'));
    author.appendChild(el('span', '', customerName(chat.handoff)));
  } else if (m.from === 'bot') {
    author.appendChild(el('span', 'author-badge bot', '智能助手'));
    author.appendChild(el('span', '', '机器人自动回复'));
  } else if (m.from === 'advisor') {
    author.appendChild(el('span', 'author-badge advisor', '顾问'));
    const mine = state.session && m.authorName === state.session.advisor.name;
    author.appendChild(el('span', '', (m.authorName || '') + (mine ? '（我）' : '')));
  } else {
    author.appendChild(el('span', '', '系统消息'));
  }
  li.appendChild(author);
  li.appendChild(el('div', 'tbubble', m.text));
  if (m.media) li.appendChild(renderMedia(m.media));
  if (m.menu && m.menu.length) li.appendChild(renderMenu(m.menu));
  if (m.from === 'client' && m.insight) li.appendChild(renderInsight(m.insight));
  const meta = el('div', 'tmsg-meta');
  if (!pending) {
    renderStoredMeta(li, meta, m);
  } else if (pending.state === 'failed') {
    li.classList.add('is-failed');
    meta.appendChild(el('span', 'tmsg-state failed', '发送失败：' + (pending.error || '请重试')));
    if (!pending.noRetry && !chat.closed) meta.appendChild(button('link-retry', '重试', () => view.transmitReply(chat, pending)));
  } else {
    li.classList.add('is-pending');
    meta.appendChild(el('span', 'tmsg-state', isConnected() ? '发送中…' : '等待网络恢复后发送'));
  }
  li.appendChild(meta);
  return li;
}

/**
 * A stored message's time, and whether it failed to reach the client or the client recalled it.
 * @param {HTMLElement} li
 * @param {HTMLElement} meta
 * @param {StoredMessage} m
 */
function renderStoredMeta(li, meta, m) {
  meta.appendChild(el('time', '', formatTime(m.createdAt, { seconds: true })));
  if (m.status === 'failed') {
    li.classList.add('is-failed');
    meta.appendChild(el('span', 'tmsg-state failed', '发送失败：' + (m.error || '消息未送达客户')));
  }
  if (m.recalled) {
    // Kept visible: the record stays for compliance, the mark says the client took it back.
    li.classList.add('is-recalled');
    meta.appendChild(el('span', 'tmsg-state recalled', '客户已撤回'));
  }
}

/**
 * The bot's clarifying menu as the client saw it (read-only here).
 * @param {{ label: string }[]} menu
 */
function renderMenu(menu) {
  const box = el('div', 'tmenu');
  box.appendChild(el('p', 'tmenu-title', '客户可点选：'));
  const list = el('ol', 'tmenu-list');
  menu.forEach((choice) => {
    if (choice && typeof choice.label === 'string') list.appendChild(el('li', '', choice.label));
  });
  box.appendChild(list);
  return box;
}

/**
 * A channel notice (channel:session) between the messages.
 * @param {import('./state.js').Notice} notice
 */
function renderNotice(notice) {
  const li = el('li', 'tnotice');
  li.dataset.kind = notice.kind;
  li.appendChild(el('span', 'tnotice-text', notice.text));
  li.appendChild(el('time', '', formatTime(notice.at, { seconds: true })));
  return li;
}

/**
 * An internal note or a supervisor's whisper: for advisors and supervisors, never the client.
 * @param {import('./state.js').Aside} aside
 */
function renderAside(aside) {
  const li = el('li', 'taside ' + aside.kind);
  li.dataset.kind = aside.kind;
  const head = el('div', 'taside-head');
  head.appendChild(el('span', 'taside-badge', aside.kind === 'note' ? '内部备注' : '督导悄悄话'));
  head.appendChild(el('span', '', aside.authorName));
  head.appendChild(el('span', 'taside-hidden', '客户不可见'));
  head.appendChild(el('time', '', formatTime(aside.createdAt, { seconds: true })));
  li.appendChild(head);
  li.appendChild(el('div', 'taside-text', aside.text));
  return li;
}
