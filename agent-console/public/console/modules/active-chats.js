// @ts-check
/* 进行中的会话: the chats people serve now in the branches this account may see (chat:active). */
import { el } from '../../common/kit.js';
import { isConnected, request, state, view } from './state.js';
import { button, els, formatWaiting, tierBadge } from './ui.js';

/** @typedef {import('./state.js').ActiveChatView} ActiveChatView */

let loading = false;
let again = false;

/** Asks for the chats in progress; calls while one is on its way are folded into one more. */
export function refreshActive() {
  if (!state.session || !isConnected()) return;
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  const asked = state.connection;
  request('chat:active').then((res) => {
    if (asked !== state.connection) return; // logged out or reconnected meanwhile
    loading = false;
    if (res.ok) {
      state.activeChats = (Array.isArray(res.chats) ? res.chats : []).filter((c) => !!c && typeof c.conversationId === 'string');
      renderActive();
    }
    if (again) {
      again = false;
      refreshActive();
    }
  });
}

export function resetActive() {
  loading = false;
  again = false;
  state.activeChats = [];
}

/**
 * What a read-only tab opened from this list knows about the chat (no handoff summary).
 * @param {ActiveChatView} c
 */
function activeAsHandoff(c) {
  return {
    conversationId: c.conversationId,
    branchId: c.branchId || null,
    customer: c.customer ? { id: c.customer.id, name: c.customer.name, tier: c.customer.tier, phone: null } : null,
    advisorName: c.advisorName || null,
  };
}

/** @param {ActiveChatView} c */
function isMine(c) {
  return !!state.session && c.advisorId === state.session.advisor.id;
}

export function renderActive() {
  const fragment = document.createDocumentFragment();
  state.activeChats.forEach((c) => {
    fragment.appendChild(renderActiveItem(c));
    // An open read-only tab learns who serves the chat now.
    const chat = state.chats.get(c.conversationId);
    if (chat && chat.handoff && c.advisorName && chat.handoff.advisorName !== c.advisorName) {
      const firstServed = !chat.handoff.advisorName;
      chat.handoff.advisorName = c.advisorName;
      // A watched chat someone now serves gets the supervisor's tools (whisper, take-over).
      if (chat.els && firstServed && chat.mode === 'watch') view.buildPane(chat);
      else if (chat.els) view.renderHeader(chat);
    }
  });
  els.activeList.replaceChildren(fragment);
  els.activeCount.textContent = String(state.activeChats.length);
  els.activeEmpty.hidden = state.activeChats.length > 0;
}

/** @param {ActiveChatView} c */
function renderActiveItem(c) {
  const mine = isMine(c);
  const open = state.chats.get(c.conversationId);
  const watching = !mine && !!open && open.mode === 'watch';
  const li = el('li', 'queue-item active-item' + (mine ? ' mine' : ''));
  li.dataset.conversationId = c.conversationId;

  const head = el('div', 'qi-head');
  head.appendChild(el('span', 'qi-name', (c.customer && c.customer.name) || '访客'));
  const badge = c.customer && tierBadge(c.customer.tier);
  if (badge) head.appendChild(badge);
  if (mine) head.appendChild(el('span', 'tag mine', '我的会话'));
  else if (watching) head.appendChild(el('span', 'tag watching', '监听中'));
  li.appendChild(head);

  /** @type {string[]} */
  const meta = [];
  if (c.customer && c.customer.id) meta.push('客户号 ' + c.customer.id);
  if (c.branchId) meta.push('营业部 ' + c.branchId);
  if (meta.length) li.appendChild(el('div', 'qi-meta', meta.join(' · ')));

  const foot = el('div', 'qi-foot');
  const facts = el('div', 'qi-facts');
  const who = el('span', '', '顾问 ');
  who.appendChild(el('span', 'served-by', c.advisorName || '（未知）'));
  facts.appendChild(who);
  if (c.since) {
    const served = el('span', '', '已服务 ');
    const value = el('span', 'served', formatWaiting(c.since));
    value.dataset.since = c.since;
    served.appendChild(value);
    facts.appendChild(served);
  }
  foot.appendChild(facts);
  if (mine) {
    foot.appendChild(
      button('ghost-dark', '打开', () => {
        const chat = state.chats.get(c.conversationId);
        if (chat && !chat.closed) view.activate(c.conversationId);
        else view.loadOwnChats().then(() => view.activate(c.conversationId));
      }),
    );
  } else if (c.mayWatch === false && !watching) {
    // 静默监听 is a supervisor's right unless the branch grants it to advisors (the server decides).
    foot.appendChild(el('span', 'qi-no-watch', '仅督导可监听'));
  } else {
    foot.appendChild(
      button('ghost-dark', watching ? '查看监听' : '静默监听', () => view.watch(c.conversationId, activeAsHandoff(c), true)),
    );
  }
  li.appendChild(foot);
  return li;
}
