// @ts-check
/*
 * 结束会话: the advisor picks a wrap-up category (required; the server's list from `ready`) and
 * may add a note; when the client's last message has no reply yet, the server warns
 * (client_unanswered) and the advisor confirms before it closes.
 */
import { byId, el } from '../../common/kit.js';
import { customerName, request, state, view } from './state.js';
import { confirmDialog, toast } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */

/** Used until `ready` names the server's categories (WRAP_UP_CATEGORIES). */
export const DEFAULT_WRAP_UP_CATEGORIES = ['咨询解答', '业务办理', '投诉处理', '风险提示', '其他'];

const dialog = /** @type {HTMLDialogElement} */ (byId('close-dialog'));
const form = /** @type {HTMLFormElement} */ (byId('close-form'));
const text = byId('close-text');
const options = byId('wrap-up-options');
const note = /** @type {HTMLTextAreaElement} */ (byId('wrap-up-note'));
const error = byId('close-error');

/** @returns {string | null} */
function chosenCategory() {
  const checked = /** @type {HTMLInputElement | null} */ (options.querySelector('input[name="wrap-up"]:checked'));
  return checked ? checked.value : null;
}

form.addEventListener('submit', (e) => {
  const submitter = /** @type {HTMLButtonElement | null} */ (e.submitter);
  if (submitter && submitter.value === 'ok' && !chosenCategory()) {
    e.preventDefault();
    error.textContent = '请选择会话小结分类';
    error.hidden = false;
  }
});

/**
 * The wrap-up dialog; resolves the wrap-up, or null when the advisor cancelled.
 * @param {Chat} chat
 * @returns {Promise<{ category: string, note?: string } | null>}
 */
function askWrapUp(chat) {
  return new Promise((resolve) => {
    text.textContent = '确定结束与 ' + customerName(chat.handoff) + ' 的人工服务吗？结束后客户的新消息将由智能助手回复。';
    const categories = state.wrapUpCategories.length ? state.wrapUpCategories : DEFAULT_WRAP_UP_CATEGORIES;
    options.replaceChildren(
      ...categories.map((category) => {
        const label = el('label', 'wrap-up-option');
        const input = el('input');
        input.type = 'radio';
        input.name = 'wrap-up';
        input.value = category;
        label.appendChild(input);
        label.appendChild(document.createTextNode(category));
        return label;
      }),
    );
    note.value = '';
    error.hidden = true;
    dialog.returnValue = '';
    dialog.addEventListener(
      'close',
      () => {
        const category = chosenCategory();
        if (dialog.returnValue !== 'ok' || !category) resolve(null);
        else resolve(note.value.trim() ? { category, note: note.value.trim() } : { category });
      },
      { once: true },
    );
    dialog.showModal();
  });
}

/**
 * @param {Chat} chat
 * @param {HTMLButtonElement} endButton
 */
export async function endChat(chat, endButton) {
  const wrapUp = await askWrapUp(chat);
  if (!wrapUp) return;
  endButton.disabled = true;
  let res = await request('chat:close', { conversationId: chat.conversationId, wrapUp });
  if (!res.ok && res.error === 'client_unanswered') {
    const anyway = await confirmDialog(
      '客户的消息还没有回复',
      res.message || '客户的最后一条消息还没有回复，确认结束会话吗？',
      '仍然结束',
    );
    if (!anyway) {
      endButton.disabled = false;
      return;
    }
    res = await request('chat:close', { conversationId: chat.conversationId, wrapUp, confirm: true });
  }
  if (res.ok) {
    view.markClosed(chat, '会话已结束，客户已收到结束通知。');
    view.refreshActive();
    toast('已结束与 ' + customerName(chat.handoff) + ' 的会话');
    return;
  }
  endButton.disabled = false;
  toast(res.message || '结束会话失败，请重试', 'error');
  if (res.error === 'not_owner') view.markClosed(chat, res.message || '会话已结束。');
}
