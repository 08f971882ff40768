// @ts-check
/*
 * 客户信息 (chat:client): who the client is — tier, branch, own advisor (客户经理), masked phone —
 * and their past chats with advisors, each with its wrap-up and rating, shown in the chat's
 * summary band on request.
 */
import { el, formatTime } from '../../common/kit.js';
import { TIER_LABELS } from './labels.js';
import { request, state } from './state.js';
import { button } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('../../../../shared/src/protocol/advisor-service').ClientPanelView} ClientPanelView */

/** Loaded panels by conversation, and which are open. @type {Map<string, ClientPanelView | string>} */
const panels = new Map();
/** @type {Set<string>} */
const open = new Set();

/**
 * The 客户信息 button for a chat's header.
 * @param {Chat} chat
 */
export function clientPanelButton(chat) {
  const b = button('ghost-dark', '客户信息', () => {
    if (open.has(chat.conversationId)) open.delete(chat.conversationId);
    else open.add(chat.conversationId);
    b.setAttribute('aria-expanded', open.has(chat.conversationId) ? 'true' : 'false');
    if (open.has(chat.conversationId) && !panels.has(chat.conversationId)) load(chat);
    renderClientPanel(chat);
  });
  b.setAttribute('aria-expanded', open.has(chat.conversationId) ? 'true' : 'false');
  return b;
}

/** @param {Chat} chat */
async function load(chat) {
  panels.set(chat.conversationId, '加载中…');
  renderClientPanel(chat);
  const res = await request('chat:client', { conversationId: chat.conversationId });
  panels.set(chat.conversationId, res.ok ? res.client : res.message || '客户信息加载失败');
  if (state.chats.get(chat.conversationId) === chat) renderClientPanel(chat);
}

/** @param {string | null | undefined} iso */
function day(iso) {
  return iso ? formatTime(iso, { today: true }) : '';
}

/**
 * Draws (or hides) the panel in the chat's summary band.
 * @param {Chat} chat
 */
export function renderClientPanel(chat) {
  if (!chat.els) return;
  const box = chat.els.client;
  const panel = panels.get(chat.conversationId);
  box.hidden = !open.has(chat.conversationId) || !panel;
  if (box.hidden || !panel) {
    box.replaceChildren();
    return;
  }
  if (typeof panel === 'string') {
    box.replaceChildren(el('p', 'client-panel-status', panel));
    return;
  }
  const facts = [
    panel.name || '客户',
    panel.tier ? TIER_LABELS[panel.tier] || '普通客户' : '',
    panel.branchName || panel.branchId || '',
    panel.ownAdvisorName ? '客户经理 ' + panel.ownAdvisorName : '无专属客户经理',
    panel.phoneMasked || '',
  ].filter((f) => f);
  const title = el('p', 'client-panel-title', '客户信息');
  const line = el('p', 'client-panel-facts', facts.join(' · '));
  const past = el('ul', 'client-past');
  past.setAttribute('aria-label', '历史会话');
  const earlier = panel.past.filter((p) => p.closedAt);
  earlier.forEach((p) => {
    const li = el('li', 'client-past-item');
    li.appendChild(el('span', 'client-past-when', day(p.closedAt)));
    li.appendChild(el('span', '', p.advisorName ? '顾问 ' + p.advisorName : ''));
    li.appendChild(
      el('span', 'client-past-wrapup', p.wrapUp ? p.wrapUp.category + (p.wrapUp.note ? '：' + p.wrapUp.note : '') : '未填小结'),
    );
    const s = p.satisfaction;
    li.appendChild(
      el(
        'span',
        'client-past-rating',
        !s
          ? '未邀评'
          : s.status === 'answered' && s.score
            ? '满意度 ' + s.score + '/5' + (s.comment ? '（' + s.comment + '）' : '')
            : '未评价',
      ),
    );
    past.appendChild(li);
  });
  box.replaceChildren(title, line, earlier.length ? past : el('p', 'client-panel-status', '暂无历史人工会话'));
}
