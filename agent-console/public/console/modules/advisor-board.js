// @ts-check
/*
 * 顾问状态 (supervisors): every advisor of the branches they see, with status and load, live —
 * `advisors:list` on connect, then `advisor:status` events.
 */
import { byId, el } from '../../common/kit.js';
import { isSupervisor, request } from './state.js';

/** @typedef {import('../../../../shared/src/realtime').AdvisorStatusEvent} AdvisorStatusEvent */

const STATUS_LABELS = { online: '在线', busy: '忙碌', away: '离开' };
const ORDER = { online: 0, busy: 1, away: 2 };

const section = byId('advisors-section');
const list = byId('advisor-list');
const count = byId('advisors-count');
/** @type {Map<string, AdvisorStatusEvent>} */
let advisors = new Map();

function render() {
  const rows = [...advisors.values()].sort(
    (a, b) => ORDER[a.status] - ORDER[b.status] || a.branchId.localeCompare(b.branchId) || a.name.localeCompare(b.name),
  );
  list.replaceChildren(
    ...rows.map((a) => {
      const li = el('li', 'advisor-row status-' + a.status);
      li.dataset.advisorId = a.advisorId;
      li.appendChild(el('span', 'advisor-dot'));
      li.appendChild(el('span', 'advisor-name', a.name));
      li.appendChild(el('span', 'advisor-branch', a.branchId));
      li.appendChild(el('span', 'advisor-status', STATUS_LABELS[a.status] || a.status));
      li.appendChild(el('span', 'advisor-load', a.load + '/' + a.capacity));
      return li;
    }),
  );
  count.textContent = String(rows.filter((a) => a.status === 'online').length);
}

/** On (re)connect: the list, for supervisors. */
export async function loadAdvisors() {
  section.hidden = !isSupervisor();
  if (section.hidden) return;
  const res = await request('advisors:list');
  if (!res.ok) return;
  advisors = new Map((res.advisors || []).map((a) => [a.advisorId, a]));
  render();
}

/** @param {AdvisorStatusEvent} p */
export function onAdvisorBoardStatus(p) {
  if (section.hidden || !p || typeof p.advisorId !== 'string') return;
  advisors.set(p.advisorId, p);
  render();
}

export function resetAdvisors() {
  advisors = new Map();
  section.hidden = true;
  list.replaceChildren();
}
