// @ts-check
/*
 * 智能辅助: a hand-over summary and suggested replies on request (chat:assist). The summary takes
 * the place of the handoff card's 转人工摘要 (one summary on screen, the transcript keeps its
 * room); suggestions are chips that go into the reply box, never straight to the client.
 */
import { el } from '../../common/kit.js';
import { keepDraft } from './replies.js';
import { request, state, view } from './state.js';
import { button } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */

/** @param {string | undefined} source */
export function sourceLabel(source) {
  return source === 'llm' ? 'AI 生成' : '规则生成';
}

/**
 * @param {Chat} chat
 * @param {'summary' | 'replies'} kind
 */
function requestAssist(chat, kind) {
  if (chat.assist.busy) return;
  chat.assist.busy = kind;
  chat.assist.error = null;
  renderAssist(chat);
  request('chat:assist', { conversationId: chat.conversationId, kind }).then((res) => {
    if (state.chats.get(chat.conversationId) !== chat) return;
    chat.assist.busy = null;
    if (!res.ok) chat.assist.error = res.message || '生成失败，请稍后重试';
    else if ('summary' in res) chat.assist.summary = { text: String(res.summary || ''), source: res.source };
    else if ('replies' in res) chat.assist.replies = { list: suggestedReplies(res.replies), source: res.source };
    renderAssist(chat);
    // The summary is shown in the handoff card's place.
    if (kind === 'summary') view.renderHeader(chat);
  });
}

/** @param {unknown} list */
function suggestedReplies(list) {
  return (Array.isArray(list) ? list : []).filter((r) => typeof r === 'string' && r.trim()).slice(0, 3);
}

/** @param {Chat} chat */
export function renderAssist(chat) {
  if (!chat.els) return;
  const box = chat.els.assist;
  box.replaceChildren();
  box.hidden = chat.closed;
  if (box.hidden) return;
  const a = chat.assist;
  const bar = el('div', 'assist-bar');
  bar.appendChild(el('span', 'assist-title', '智能辅助'));
  /** @type {['summary' | 'replies', string][]} */
  const kinds = [
    ['summary', '交接摘要'],
    ['replies', '建议回复'],
  ];
  kinds.forEach(([kind, label]) => {
    const b = button('ghost-dark small', a.busy === kind ? '生成中…' : label, () => requestAssist(chat, kind));
    b.disabled = !!a.busy;
    bar.appendChild(b);
  });
  box.appendChild(bar);
  if (a.busy) {
    const loading = el('p', 'assist-status', a.busy === 'summary' ? '正在生成交接摘要…' : '正在生成建议回复…');
    loading.setAttribute('role', 'status');
    box.appendChild(loading);
  }
  if (a.error) {
    const error = el('p', 'assist-error', a.error);
    error.setAttribute('role', 'alert');
    box.appendChild(error);
  }
  if (a.replies) box.appendChild(renderAssistReplies(chat, a.replies));
}

/**
 * A block's head: title, who wrote it, and × to put it away.
 * @param {string} title
 * @param {string | undefined} source
 * @param {() => void} onClose
 */
export function assistBlockHead(title, source, onClose) {
  const head = el('div', 'assist-block-head');
  head.appendChild(el('span', 'assist-block-title', title));
  head.appendChild(el('span', 'assist-source source-' + (source === 'llm' ? 'llm' : 'rules'), sourceLabel(source)));
  const close = button('tab-close', '×', onClose);
  close.setAttribute('aria-label', '收起' + title);
  close.title = '收起';
  head.appendChild(close);
  return head;
}

/**
 * Suggestions as chips; clicking one puts it into the reply box to edit (never sends it).
 * @param {Chat} chat
 * @param {{ list: string[], source?: string }} r
 */
function renderAssistReplies(chat, r) {
  const block = el('div', 'assist-block');
  block.appendChild(
    assistBlockHead('建议回复', r.source, () => {
      chat.assist.replies = null;
      renderAssist(chat);
    }),
  );
  if (!r.list.length) {
    block.appendChild(el('p', 'assist-status', '暂无建议回复'));
    return block;
  }
  const box = el('div', 'reply-chips');
  r.list.forEach((text) => {
    if (chat.mode === 'own') {
      const chip = button('reply-chip', text, () => putInComposer(chat, text));
      chip.title = '放入回复框编辑';
      box.appendChild(chip);
    } else {
      box.appendChild(el('span', 'reply-chip readonly', text));
    }
  });
  block.appendChild(box);
  return block;
}

/**
 * Into an empty reply box as is; into a draft at the cursor.
 * @param {Chat} chat
 * @param {string} text
 */
function putInComposer(chat, text) {
  const input = chat.els && chat.els.input;
  if (!input) return;
  if (!input.value.trim()) input.value = text;
  else input.setRangeText(text, input.selectionStart, input.selectionEnd, 'end');
  keepDraft(chat, input.value);
  if (!input.disabled) input.focus();
}
