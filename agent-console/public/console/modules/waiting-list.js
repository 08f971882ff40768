// @ts-check
/* 等待队列: the waiting chats this account may see, offers to this advisor first; 接入 takes one. */
import { el } from '../../common/kit.js';
import { alertAdvisor, setBaseTitle, settleAlert } from './alerts.js';
import { openChat } from './chats.js';
import { PRIORITY_LABELS, priorityLabel } from './labels.js';
import { customerName, isSupervisor, request, state, view } from './state.js';
import { TITLE, button, dismissOffer, els, formatWaiting, keepOffer, reasonChips, tierBadge, toast } from './ui.js';

/** @typedef {import('./state.js').HandoffView} HandoffView */
/** @typedef {import('./state.js').ServerToAdvisorEvents} ServerToAdvisorEvents */

/**
 * Handoffs taken off the waiting list (accepted): final, a handoff never waits again (a transfer
 * makes a new one). Events travel by different paths (the router's queue:added, the accepting
 * gateway's queue:removed), so a stale queue:added or a list read before the removal may arrive
 * after it: they must not bring the chat back.
 * @type {Set<string>}
 */
const removedHandoffs = new Set();

/** @param {HandoffView} v */
function isOfferedToMe(v) {
  return !!state.session && v.status === 'offered' && v.offeredTo === state.session.advisor.id;
}

/**
 * Already taken: accepted (here or elsewhere), or a chat this console owns and has open. An offer
 * or list entry for it that arrives late is stale.
 * @param {HandoffView} view
 */
function isTaken(view) {
  if (removedHandoffs.has(view.handoffId)) return true;
  const chat = state.chats.get(view.conversationId);
  return !!chat && chat.mode === 'own' && !chat.closed;
}

/** @param {HandoffView} view */
export function upsertQueueItem(view) {
  if (!view || !view.handoffId || isTaken(view)) return;
  // The client wrote something more urgent while waiting: the item moves up, and people are told.
  const known = state.queue.get(view.handoffId);
  if (known && view.priority < known.priority) {
    toast(
      '等待中的客户 ' + customerName(view) + ' 情况更紧急（' + (PRIORITY_LABELS[view.priority] || view.priority) + '）',
      'error',
    );
  }
  state.queue.set(view.handoffId, view);
  renderQueue();
}

/** A chat offered to this advisor: on top of the list, with a notice, a sound, the title and a desktop notification. @type {ServerToAdvisorEvents['offer']} */
export function onOffer(offer) {
  if (!offer || !offer.handoffId || isTaken(offer)) return;
  upsertQueueItem(offer);
  keepOffer(offer.handoffId, toast('新会话待接入：' + customerName(offer), 'offer'));
  alertAdvisor('新会话待接入', customerName(offer) + (offer.summary ? '：' + offer.summary : ''), 'offer:' + offer.handoffId);
}

/** @type {ServerToAdvisorEvents['queue:removed']} */
export function onQueueRemoved(p) {
  if (!p) return;
  removedHandoffs.add(p.handoffId);
  dismissOffer(p.handoffId);
  settleAlert('offer:' + p.handoffId);
  if (state.queue.delete(p.handoffId)) renderQueue();
  // Usually an advisor has just taken the chat: it is in progress now.
  view.refreshActive();
}

function sortedQueue() {
  return [...state.queue.values()].sort((a, b) => {
    const offered = (isOfferedToMe(b) ? 1 : 0) - (isOfferedToMe(a) ? 1 : 0);
    if (offered) return offered;
    if (a.priority !== b.priority) return a.priority - b.priority;
    return String(a.createdAt).localeCompare(String(b.createdAt));
  });
}

export function renderQueue() {
  const list = sortedQueue();
  const fragment = document.createDocumentFragment();
  let offers = 0;
  list.forEach((v) => {
    if (isOfferedToMe(v)) offers += 1;
    fragment.appendChild(renderQueueItem(v));
  });
  els.queueList.replaceChildren(fragment);
  els.queueCount.textContent = String(list.length);
  els.queueEmpty.hidden = list.length > 0;
  setBaseTitle((offers ? '(' + offers + ') ' : '') + TITLE);
}

/** @param {HandoffView} v */
function renderQueueItem(v) {
  const offered = isOfferedToMe(v);
  const li = el('li', 'queue-item' + (offered ? ' offered' : ''));
  li.dataset.handoffId = v.handoffId;
  if (offered) li.appendChild(el('div', 'offer-flag', '新会话待接入'));

  const head = el('div', 'qi-head');
  head.appendChild(el('span', 'qi-name', customerName(v)));
  const badge = v.customer && tierBadge(v.customer.tier);
  if (badge) head.appendChild(badge);
  li.appendChild(head);

  /** @type {string[]} */
  const meta = [];
  if (v.customer && v.customer.phone) meta.push(v.customer.phone);
  if (v.customer && v.customer.id) meta.push('客户号 ' + v.customer.id);
  if (state.session && state.session.advisor.allBranches && v.branchId) meta.push('营业部 ' + v.branchId);
  if (meta.length) li.appendChild(el('div', 'qi-meta', meta.join(' · ')));
  if (v.transfer) li.appendChild(el('p', 'qi-transfer', '转接自 ' + v.transfer.fromAdvisorName + '：' + v.transfer.note));
  if (v.summary) li.appendChild(el('p', 'qi-summary', v.summary));
  if (v.reasons && v.reasons.length) li.appendChild(reasonChips(v.reasons));

  const foot = el('div', 'qi-foot');
  const facts = el('div', 'qi-facts');
  const pr = el('span', '', '优先级：');
  pr.appendChild(el('span', 'priority p' + v.priority, priorityLabel(v.priority)));
  facts.appendChild(pr);
  const wait = el('span', '', '已等待 ');
  const waitValue = el('span', 'wait', formatWaiting(v.createdAt));
  waitValue.dataset.since = v.createdAt;
  wait.appendChild(waitValue);
  facts.appendChild(wait);
  foot.appendChild(facts);

  if (isSupervisor()) {
    foot.appendChild(
      button('ghost-dark', state.chats.has(v.conversationId) ? '查看监听' : '静默监听', () =>
        view.watch(v.conversationId, v, true),
      ),
    );
  } else {
    const accept = button('primary', '接入', () => acceptHandoff(v, accept));
    if (state.acceptInFlight.has(v.handoffId)) {
      accept.disabled = true;
      accept.textContent = '接入中…';
    }
    foot.appendChild(accept);
  }
  li.appendChild(foot);
  return li;
}

/**
 * @param {HandoffView} v
 * @param {HTMLButtonElement} acceptButton
 */
function acceptHandoff(v, acceptButton) {
  if (state.acceptInFlight.has(v.handoffId)) return;
  state.acceptInFlight.add(v.handoffId);
  acceptButton.disabled = true;
  acceptButton.textContent = '接入中…';
  request('chat:accept', { handoffId: v.handoffId }).then((res) => {
    state.acceptInFlight.delete(v.handoffId);
    dismissOffer(v.handoffId);
    if (res.ok) {
      settleAlert('offer:' + v.handoffId);
      removedHandoffs.add(v.handoffId);
      state.queue.delete(v.handoffId);
      renderQueue();
      openChat(res.chat, 'own', true);
      view.refreshActive();
      return;
    }
    toast(res.message || '接入失败，请重试', 'error');
    if (res.error === 'not_available') state.queue.delete(v.handoffId);
    renderQueue();
    if (res.error === 'not_available') refreshQueue();
  });
}

/** The whole waiting list again (after a reconnect, or when the list here was stale). */
export async function refreshQueue() {
  const res = await request('queue:list');
  if (!res.ok) return res;
  state.queue = new Map();
  (res.items || []).forEach((v) => {
    if (v && v.handoffId && !removedHandoffs.has(v.handoffId)) state.queue.set(v.handoffId, v);
  });
  renderQueue();
  return res;
}
