// @ts-check
/* Rendering helpers: the page's fixed elements, buttons, chips, toasts and the confirm dialog. */
import { byId, el, pad } from '../../common/kit.js';
import { TIER_LABELS, reasonInfo } from './labels.js';

export const TITLE = '顾问工作台';

/** The page's fixed elements (index.html). */
export const els = {
  loginView: byId('login-view'),
  loginForm: byId('login-form'),
  username: /** @type {HTMLInputElement} */ (byId('username')),
  password: /** @type {HTMLInputElement} */ (byId('password')),
  loginError: byId('login-error'),
  loginButton: /** @type {HTMLButtonElement} */ (byId('login-button')),
  appView: byId('app-view'),
  connStatus: byId('conn-status'),
  meName: byId('me-name'),
  meRole: byId('me-role'),
  meBranch: byId('me-branch'),
  logout: byId('logout'),
  queueCount: byId('queue-count'),
  queueScope: byId('queue-scope'),
  queueList: byId('queue-list'),
  queueEmpty: byId('queue-empty'),
  activeCount: byId('active-count'),
  activeScope: byId('active-scope'),
  activeList: byId('active-list'),
  activeEmpty: byId('active-empty'),
  tabs: byId('tabs'),
  chatListCount: byId('chat-list-count'),
  chatArea: byId('chat-area'),
  noChat: byId('no-chat'),
  noChatText: byId('no-chat-text'),
  toasts: byId('toasts'),
  confirmDialog: /** @type {HTMLDialogElement} */ (byId('confirm-dialog')),
  confirmTitle: byId('confirm-title'),
  confirmText: byId('confirm-text'),
  confirmOk: byId('confirm-ok'),
  mediaViewer: /** @type {HTMLDialogElement} */ (byId('media-viewer')),
  mediaViewerImage: /** @type {HTMLImageElement} */ (byId('media-viewer-image')),
};

/**
 * @param {string} className
 * @param {string | null} text
 * @param {(e: MouseEvent) => void} [onClick]
 */
export function button(className, text, onClick) {
  const b = el('button', className, text);
  b.type = 'button';
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

/**
 * "12 秒", "3 分 05 秒", "1 小时 02 分" since `iso`.
 * @param {string | undefined} iso
 */
export function formatWaiting(iso) {
  const since = new Date(iso || '').getTime();
  if (isNaN(since)) return '';
  const s = Math.max(0, Math.floor((Date.now() - since) / 1000));
  if (s < 60) return s + ' 秒';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' 分 ' + pad(s % 60) + ' 秒';
  return Math.floor(m / 60) + ' 小时 ' + pad(m % 60) + ' 分';
}

/** @param {string[] | undefined} reasons */
export function reasonChips(reasons) {
  const box = el('div', 'chips');
  (reasons || []).forEach((r) => {
    const info = reasonInfo(r);
    box.appendChild(el('span', 'chip reason-' + info.kind, info.label));
  });
  return box;
}

/** @param {string | undefined} tier */
export function tierBadge(tier) {
  return tier && TIER_LABELS[tier] ? el('span', 'tier tier-' + tier, TIER_LABELS[tier]) : null;
}

/** Toasts shown at once at most; older ones leave early so that the strip never grows tall. */
const MAX_TOASTS = 3;

/**
 * A notice in the toast strip (below the workspace, never over it), gone after 4 s (errors 6 s).
 * @param {string} text
 * @param {'error' | 'offer'} [kind]
 */
export function toast(text, kind) {
  const t = el('div', 'toast' + (kind ? ' ' + kind : ''), text);
  t.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  els.toasts.appendChild(t);
  while (els.toasts.children.length > MAX_TOASTS) els.toasts.firstElementChild?.remove();
  setTimeout(() => t.remove(), kind === 'error' ? 6000 : 4000);
  return t;
}

/** Offer notices by handoffId, dismissed as soon as the chat is taken. @type {Map<string, HTMLElement>} */
const offerToasts = new Map();

/** @param {string} handoffId @param {HTMLElement} notice */
export function keepOffer(handoffId, notice) {
  dismissOffer(handoffId);
  offerToasts.set(handoffId, notice);
}

/** @param {string} handoffId */
export function dismissOffer(handoffId) {
  const t = offerToasts.get(handoffId);
  if (t) t.remove();
  offerToasts.delete(handoffId);
}

/**
 * Resolves true when the user confirms (custom modal, not window.confirm).
 * @param {string} title
 * @param {string} text
 * @param {string} [okText] the confirming button's words
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, text, okText = '确认结束') {
  return new Promise((resolve) => {
    const dialog = els.confirmDialog;
    els.confirmTitle.textContent = title;
    els.confirmText.textContent = text;
    els.confirmOk.textContent = okText;
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}
