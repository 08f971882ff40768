// @ts-check
/*
 * 快捷回复: typing `/` and a keyword at the start of the reply box lists the canned replies
 * (canned:list: global ones and the branch's); picking one (click, Enter or Tab) puts its text
 * into the box with {客户称呼} and {顾问姓名} filled in, to edit before sending.
 */
import { el } from '../../common/kit.js';
import { fillVariables, matchCanned } from './canned-text.js';
import { request, state } from './state.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('../../../../shared/src/protocol/advisor-service').CannedReplyView} CannedReplyView */

const MAX_SHOWN = 8;
/** `/keyword` at the start of the box (nothing else typed yet). */
const TRIGGER = /^\/(\S*)$/;

/** The canned replies, loaded once per connection. @type {Promise<CannedReplyView[]> | null} */
let loaded = null;

/** Forgets the loaded list (a new connection or account asks again). */
export function forgetCanned() {
  loaded = null;
}

function cannedReplies() {
  if (!loaded) {
    loaded = request('canned:list', {}).then((res) => {
      if (!res.ok) {
        loaded = null;
        return [];
      }
      return Array.isArray(res.items) ? res.items : [];
    });
  }
  return loaded;
}

/**
 * The text with this chat's variables filled.
 * @param {string} text
 * @param {Chat} chat
 */
function fillForChat(text, chat) {
  const client = (chat.handoff && chat.handoff.customer && chat.handoff.customer.name) || '';
  return fillVariables(text, client, state.session ? state.session.advisor.name : '');
}

/**
 * Attaches the `/` menu to a chat's reply box.
 * @param {Chat} chat
 * @param {HTMLTextAreaElement} input
 * @param {(text: string) => void} onPick puts the filled text into the box
 * @returns {{ menu: HTMLElement, onInput: () => void, onKeyDown: (e: KeyboardEvent) => boolean, close: () => void }}
 *   onKeyDown answers true when it used the key (the box must not act on it)
 */
export function cannedMenu(chat, input, onPick) {
  const menu = el('ul', 'canned-menu');
  menu.setAttribute('role', 'listbox');
  menu.setAttribute('aria-label', '快捷回复');
  menu.hidden = true;
  /** @type {CannedReplyView[]} */
  let shown = [];
  let selected = 0;
  let asked = 0;

  function close() {
    menu.hidden = true;
    shown = [];
    input.removeAttribute('aria-activedescendant');
  }

  /** @param {CannedReplyView} item */
  function pick(item) {
    close();
    onPick(fillForChat(item.text, chat));
  }

  function draw() {
    menu.replaceChildren(
      ...shown.map((item, i) => {
        const li = el('li', 'canned-item');
        li.id = 'canned-' + chat.conversationId + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', i === selected ? 'true' : 'false');
        li.appendChild(el('span', 'canned-keyword', '/' + item.keyword));
        li.appendChild(el('span', 'canned-text', fillForChat(item.text, chat)));
        // mousedown: before the box loses its focus.
        li.addEventListener('mousedown', (e) => {
          e.preventDefault();
          pick(item);
        });
        return li;
      }),
    );
    if (!shown.length) menu.appendChild(el('li', 'canned-empty', '没有匹配的快捷回复'));
    menu.hidden = false;
    if (shown.length) input.setAttribute('aria-activedescendant', 'canned-' + chat.conversationId + '-' + selected);
  }

  function onInput() {
    const match = TRIGGER.exec(input.value);
    if (!match || chat.composeMode !== 'reply') {
      close();
      return;
    }
    const ask = ++asked;
    cannedReplies().then((items) => {
      if (ask !== asked || !TRIGGER.test(input.value)) return;
      shown = matchCanned(items, match[1] || '', MAX_SHOWN);
      selected = 0;
      draw();
    });
  }

  /** @param {KeyboardEvent} e */
  function onKeyDown(e) {
    if (menu.hidden) return false;
    if (e.key === 'Escape') {
      close();
      return true;
    }
    if (!shown.length) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      selected = (selected + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
      draw();
      return true;
    }
    if ((e.key === 'Enter' && !e.isComposing) || e.key === 'Tab') {
      const item = shown[selected];
      if (item) pick(item);
      return true;
    }
    return false;
  }

  return { menu, onInput, onKeyDown, close };
}
