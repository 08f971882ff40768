// @ts-check
/*
 * Small helpers shared by the build-free pages (/app/, /console/), as an ES module served at
 * /common/kit.js. (/common/page-kit.js puts the same functions on window.PageKit for the
 * console's classic scripts.)
 */

/**
 * The element with this id; a page that lacks one of its own elements is a bug, said at once.
 * @template {HTMLElement} [E=HTMLElement]
 * @param {string} id
 * @returns {E}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing`);
  return /** @type {E} */ (node);
}

/**
 * A new element; `text` is written with textContent, never as HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** @param {number} n */
export function pad(n) {
  return (n < 10 ? '0' : '') + n;
}

/**
 * "14:05" for today ("今天 14:05" with options.today, "14:05:09" with options.seconds),
 * "11-27 14:05" for another day; '' for an unreadable date.
 * @param {string | number | Date} iso
 * @param {{ today?: boolean, seconds?: boolean }} [options]
 */
export function formatTime(iso, options) {
  const opts = options || {};
  const d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  const hm = pad(d.getHours()) + ':' + pad(d.getMinutes()) + (opts.seconds ? ':' + pad(d.getSeconds()) : '');
  if (d.toDateString() === new Date().toDateString()) return (opts.today ? '今天 ' : '') + hm;
  return pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + hm;
}

/**
 * A value kept in sessionStorage (a reload stays where it was); null when absent or unreadable.
 * @param {string} key
 * @returns {any}
 */
export function readSession(key) {
  try {
    const raw = window.sessionStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

/**
 * Keeps a value in sessionStorage; null removes it. Storage full or disabled only loses reload recovery.
 * @param {string} key
 * @param {unknown} value
 */
export function writeSession(key, value) {
  try {
    if (value === null || value === undefined) window.sessionStorage.removeItem(key);
    else window.sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* the page still works, only without reload recovery */
  }
}

/**
 * A clientMessageId ([A-Za-z0-9_-], ≤ 64 characters), unique per message; `prefix` names the page.
 * @param {string} prefix
 */
export function newMessageId(prefix) {
  const bytes = new Uint8Array(9);
  window.crypto.getRandomValues(bytes);
  const hex = Array.from(bytes, (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
  return prefix + Date.now().toString(36) + '-' + hex;
}
