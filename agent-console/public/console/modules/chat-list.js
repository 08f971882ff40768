// @ts-check
/*
 * 我的会话: the open chats as a list (a vertical tab list), each with the client's name, unread
 * count, the last message (or the unsent draft), how long the client has waited for an answer,
 * and the client's emotion as the bot read it.
 */
import { el, formatTime } from '../../common/kit.js';
import { EMOTION_LABELS } from './labels.js';
import { chatSummary } from './chat-summary.js';
import { customerName, state, view } from './state.js';
import { button, els, formatWaiting, tierBadge } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */

export function renderTabs() {
  const fragment = document.createDocumentFragment();
  const me = state.session ? state.session.advisor.name : null;
  let open = 0;
  state.tabOrder.forEach((id) => {
    const chat = state.chats.get(id);
    if (!chat) return;
    if (chat.mode === 'own' && !chat.closed) open += 1;
    fragment.appendChild(renderItem(chat, id === state.activeId, me));
    if (chat.els) chat.els.pane.hidden = id !== state.activeId;
  });
  els.tabs.replaceChildren(fragment);
  els.chatListCount.textContent = String(open);
  const anyVisible = !!state.activeId && state.chats.has(state.activeId);
  els.noChat.hidden = anyVisible;
  els.chatArea.hidden = !anyVisible;
}

/**
 * @param {Chat} chat
 * @param {boolean} selected
 * @param {string | null} me
 */
function renderItem(chat, selected, me) {
  const id = chat.conversationId;
  const s = chatSummary(chat, me, state.activeId);
  const tab = el('div', 'tab chat-item' + (chat.unread > 0 && !selected ? ' has-unread' : ''));
  tab.setAttribute('role', 'tab');
  tab.setAttribute('aria-selected', selected ? 'true' : 'false');
  tab.tabIndex = 0;
  tab.dataset.conversationId = id;

  const head = el('div', 'ci-head');
  head.appendChild(el('span', 'tab-label', customerName(chat.handoff)));
  const badge = chat.handoff && chat.handoff.customer && tierBadge(chat.handoff.customer.tier);
  if (badge) head.appendChild(badge);
  if (chat.mode === 'watch') head.appendChild(el('span', 'tab-kind watch', '监听'));
  if (chat.closed) head.appendChild(el('span', 'tab-kind', '已结束'));
  if (chat.unread > 0 && !selected) {
    const unread = el('span', 'unread', chat.unread > 99 ? '99+' : chat.unread);
    unread.setAttribute('aria-label', chat.unread + ' 条未读');
    head.appendChild(unread);
  }
  if (chat.mode === 'watch' || chat.closed) {
    const x = button('tab-close', '×', (e) => {
      e.stopPropagation();
      view.closeTab(id);
    });
    x.setAttribute('aria-label', '关闭标签');
    x.title = '关闭标签';
    head.appendChild(x);
  }
  tab.appendChild(head);

  const preview = el('div', 'ci-preview' + (s.preview.startsWith('[草稿]') ? ' draft' : ''), s.preview || '暂无消息');
  preview.title = s.preview;
  tab.appendChild(preview);

  const foot = el('div', 'ci-foot');
  if (s.waitingSince) {
    const wait = el('span', 'ci-wait', '');
    wait.appendChild(document.createTextNode('客户已等待 '));
    const value = el('span', 'served', formatWaiting(s.waitingSince));
    value.dataset.since = s.waitingSince;
    wait.appendChild(value);
    foot.appendChild(wait);
  } else if (s.lastAt) {
    foot.appendChild(el('time', 'ci-time', formatTime(s.lastAt)));
  }
  if (s.emotion && EMOTION_LABELS[s.emotion])
    foot.appendChild(el('span', 'ci-emotion emo-' + s.emotion, EMOTION_LABELS[s.emotion]));
  tab.appendChild(foot);

  tab.addEventListener('click', () => view.activate(id));
  tab.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      view.activate(id);
    }
  });
  return tab;
}
