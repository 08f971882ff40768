// @ts-check
/*
 * chat:send's compliance warning (个股推荐, 承诺收益, 价格预测, 不当用语): the advisor sees which
 * rules the text breaks and goes back to edit it, or sends it anyway (the server logs the override).
 */
import { byId, el } from '../../common/kit.js';

const dialog = /** @type {HTMLDialogElement} */ (byId('compliance-dialog'));
const text = byId('compliance-text');
const list = byId('compliance-rules');

/**
 * Resolves true when the advisor chose 仍然发送.
 * @param {string} message the server's words
 * @param {unknown} rules [{ id, label }]
 * @returns {Promise<boolean>}
 */
export function askComplianceOverride(message, rules) {
  return new Promise((resolve) => {
    text.textContent = message || '这条消息可能违反合规要求，请确认后再发送。';
    const labels = (Array.isArray(rules) ? rules : [])
      .map((r) => (r && typeof r.label === 'string' ? r.label : ''))
      .filter((label) => label);
    list.replaceChildren(...labels.map((label) => el('li', '', label)));
    list.hidden = labels.length === 0;
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}
