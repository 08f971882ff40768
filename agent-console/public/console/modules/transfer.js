// @ts-check
/*
 * 转接 (chat:transfer): the advisor hands a chat to a skill group, a colleague serving now, or
 * any other advisor of the branch, with a note the receiver reads with the offer. The chat then
 * leaves this console (chat:closed with reason 'transferred').
 */
import { byId, el } from '../../common/kit.js';
import { customerName, request, state, view } from './state.js';
import { toast } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('../../../../shared/src/protocol/advisor-routing').TransferTarget} TransferTarget */

/** The skills chats are routed by (agent-console/data/routing/skills.json). */
export const TRANSFER_SKILLS = ['两融', '期权', '开户', '港股通', '投诉处理'];

const dialog = /** @type {HTMLDialogElement} */ (byId('transfer-dialog'));
const form = /** @type {HTMLFormElement} */ (byId('transfer-form'));
const text = byId('transfer-text');
const skill = /** @type {HTMLSelectElement} */ (byId('transfer-skill'));
const advisor = /** @type {HTMLSelectElement} */ (byId('transfer-advisor'));
const note = /** @type {HTMLTextAreaElement} */ (byId('transfer-note'));
const error = byId('transfer-error');

function chosenKind() {
  const checked = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="transfer-to"]:checked'));
  return checked ? checked.value : 'skill';
}

/** @returns {TransferTarget | null} */
function chosenTarget() {
  const kind = chosenKind();
  if (kind === 'advisor') return advisor.value ? { advisorId: advisor.value } : null;
  if (kind === 'branch') return state.session ? { branchId: state.session.advisor.branchId } : null;
  return skill.value ? { skill: skill.value } : null;
}

form.addEventListener('submit', (e) => {
  const submitter = /** @type {HTMLButtonElement | null} */ (e.submitter);
  if (!submitter || submitter.value !== 'ok') return;
  const problem = !chosenTarget() ? '请选择转接对象' : !note.value.trim() ? '请填写转接说明，方便接收的顾问了解情况' : '';
  if (problem) {
    e.preventDefault();
    error.textContent = problem;
    error.hidden = false;
  }
});
// Choosing in a list picks its option too.
skill.addEventListener('change', () => check('skill'));
advisor.addEventListener('change', () => check('advisor'));

/** @param {string} kind */
function check(kind) {
  const radio = /** @type {HTMLInputElement | null} */ (form.querySelector(`input[name="transfer-to"][value="${kind}"]`));
  if (radio) radio.checked = true;
}

/**
 * Colleagues serving chats now (from 进行中的会话), the ones this advisor can name.
 * @returns {{ id: string, name: string }[]}
 */
function colleagues() {
  const me = state.session ? state.session.advisor.id : '';
  /** @type {Map<string, string>} */
  const byId = new Map();
  state.activeChats.forEach((c) => {
    if (c.advisorId && c.advisorId !== me && c.advisorName) byId.set(c.advisorId, c.advisorName);
  });
  return [...byId].map(([id, name]) => ({ id, name }));
}

/**
 * Asks where to, then transfers.
 * @param {Chat} chat
 * @param {HTMLButtonElement} transferButton
 */
export function transferChat(chat, transferButton) {
  text.textContent = '将与 ' + customerName(chat.handoff) + ' 的会话转接出去，客户会收到通知，无需重复描述问题。';
  skill.replaceChildren(...TRANSFER_SKILLS.map((s) => Object.assign(el('option', '', s), { value: s })));
  const people = colleagues();
  advisor.replaceChildren(
    ...(people.length
      ? people.map((p) => Object.assign(el('option', '', p.name), { value: p.id }))
      : [Object.assign(el('option', '', '（暂无其他在岗顾问）'), { value: '' })]),
  );
  advisor.disabled = people.length === 0;
  byId('transfer-branch-label').textContent =
    '本营业部其他顾问' + (state.session ? '（' + state.session.advisor.branchId + '）' : '');
  check('skill');
  note.value = '';
  error.hidden = true;
  dialog.returnValue = '';
  dialog.addEventListener(
    'close',
    () => {
      // Named only while open: a closed dialog's words do not label anything on the page.
      byId('transfer-branch-label').textContent = '';
      const to = chosenTarget();
      if (dialog.returnValue !== 'ok' || !to) return;
      transferButton.disabled = true;
      request('chat:transfer', { conversationId: chat.conversationId, to, note: note.value.trim() }).then((res) => {
        if (!res.ok) {
          transferButton.disabled = false;
          toast(res.message || '转接失败，请重试', 'error');
          return;
        }
        view.markClosed(chat, '会话已转接给其他顾问。');
        view.refreshActive();
        toast('已转接与 ' + customerName(chat.handoff) + ' 的会话');
      });
    },
    { once: true },
  );
  dialog.showModal();
}
