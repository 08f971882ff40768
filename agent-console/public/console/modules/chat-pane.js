// @ts-check
/*
 * A chat's pane: header (with the channel facts), the summary card, the assist panel, the
 * transcript, and the reply box (with the send-budget warning) or a read-only note.
 */
import { el, formatTime } from '../../common/kit.js';
import { assistBlockHead, renderAssist } from './assist.js';
import { clientPanelButton, renderClientPanel } from './client-panel.js';
import { applyComposerState, renderChannelFacts, startTyping, stopTyping } from './channel-facts.js';
import { priorityLabel } from './labels.js';
import { endChat } from './close-chat.js';
import { cannedMenu } from './canned.js';
import { addNote } from './notes.js';
import { keepDraft, sendReply } from './replies.js';
import { maySupervise, takeOverButton, whisperBox } from './supervise.js';
import { transferChat } from './transfer.js';
import { customerName, state, view } from './state.js';
import { renderTranscript } from './transcript.js';
import { button, els, reasonChips, tierBadge } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */

/**
 * (Re)builds a chat's pane.
 * @param {Chat} chat
 */
export function buildPane(chat) {
  const old = chat.els;
  const pane = el('section', 'chat-pane');
  pane.dataset.conversationId = chat.conversationId;
  pane.setAttribute('role', 'tabpanel');
  pane.hidden = chat.conversationId !== state.activeId;

  const head = el('div', 'chat-head');
  const who = el('div', 'chat-who');
  const actions = el('div', 'chat-actions');
  head.appendChild(who);
  head.appendChild(actions);
  pane.appendChild(head);

  // The summary card and the assist panel share one scrollable band: the transcript keeps its room.
  // The assist bar first: its buttons stay on screen however long the summary.
  const aids = el('div', 'chat-aids');
  const card = el('div', 'handoff-card');
  const assist = el('section', 'assist');
  assist.setAttribute('aria-label', '智能辅助');
  const client = el('section', 'client-panel');
  client.setAttribute('aria-label', '客户信息');
  client.hidden = true;
  aids.appendChild(assist);
  aids.appendChild(client);
  aids.appendChild(card);
  pane.appendChild(aids);

  const transcript = el('div', 'transcript');
  transcript.setAttribute('role', 'log');
  transcript.setAttribute('aria-label', '聊天记录');
  const list = el('ol', 'transcript-list');
  transcript.appendChild(list);
  pane.appendChild(transcript);

  /** @type {{ input: HTMLTextAreaElement | null, send: HTMLButtonElement | null, warning: HTMLElement | null }} */
  let composer = { input: null, send: null, warning: null };
  actions.appendChild(clientPanelButton(chat));
  if (chat.mode === 'watch') {
    actions.appendChild(el('span', 'readonly-tag', '静默监听 · 只读'));
    // A supervisor's tools once someone serves the chat (not while it waits).
    const served = !chat.closed && maySupervise() && !!chat.handoff && !!chat.handoff.advisorName;
    if (served) actions.appendChild(takeOverButton(chat));
    actions.appendChild(button('ghost-dark', '关闭', () => view.closeTab(chat.conversationId)));
    pane.appendChild(
      el('p', 'pane-note watch', chat.closed ? chat.closedText : '静默监听中：客户看不到您，您在此只能查看，不能发送消息。'),
    );
    if (served) pane.appendChild(whisperBox(chat));
  } else if (chat.closed) {
    actions.appendChild(button('ghost-dark', '关闭标签', () => view.closeTab(chat.conversationId)));
    pane.appendChild(el('p', 'pane-note closed', chat.closedText || '会话已结束。'));
  } else {
    actions.appendChild(
      button('ghost-dark', '转接', (e) => transferChat(chat, /** @type {HTMLButtonElement} */ (e.currentTarget))),
    );
    actions.appendChild(
      button('danger outline', '结束会话', (e) => endChat(chat, /** @type {HTMLButtonElement} */ (e.currentTarget))),
    );
    const built = buildComposer(chat, old && old.input ? old.input.value : chat.draft);
    pane.appendChild(built.warning);
    pane.appendChild(built.form);
    composer = built;
  }

  chat.els = {
    pane,
    who,
    facts: el('div', 'channel-facts'),
    card,
    client,
    assist,
    transcript,
    list,
    input: composer.input,
    send: composer.send,
    warning: composer.warning,
  };
  if (old && old.pane.parentNode) old.pane.replaceWith(pane);
  else els.chatArea.appendChild(pane);
  renderHeader(chat);
  renderAssist(chat);
  renderClientPanel(chat);
  applyComposerState(chat);
  renderTranscript(chat, true);
}

/**
 * The reply box of an own open chat: a reply to the client, or (内部备注) a note for advisors and
 * supervisors only; `/` + keyword offers the canned replies. Above it, the warning shown while
 * sending is not allowed.
 * @param {Chat} chat
 * @param {string} draft
 */
function buildComposer(chat, draft) {
  const warning = el('p', 'budget-warning');
  warning.setAttribute('role', 'alert');
  warning.hidden = true;
  const form = el('form', 'reply');
  const modes = el('div', 'reply-modes');
  modes.setAttribute('role', 'group');
  modes.setAttribute('aria-label', '写给');
  const toClient = button('reply-mode', '回复客户', () => setMode('reply'));
  const toNote = button('reply-mode', '内部备注', () => setMode('note'));
  modes.appendChild(toClient);
  modes.appendChild(toNote);
  const input = el('textarea');
  input.rows = 2;
  input.maxLength = 2000;
  input.value = draft;
  const side = el('div', 'reply-side');
  const send = el('button', 'primary', '发送');
  send.type = 'submit';
  const hint = el('span', 'reply-hint', '客户可见');
  side.appendChild(send);
  side.appendChild(hint);
  const canned = cannedMenu(chat, input, (text) => {
    input.value = text;
    keepDraft(chat, text);
    input.focus();
    input.setSelectionRange(text.length, text.length);
  });
  const box = el('div', 'reply-box');
  box.appendChild(modes);
  box.appendChild(input);
  box.appendChild(canned.menu);
  form.appendChild(box);
  form.appendChild(side);

  /** @param {'reply' | 'note'} mode */
  function showMode(mode) {
    const note = mode === 'note';
    form.classList.toggle('note-mode', note);
    toClient.setAttribute('aria-pressed', note ? 'false' : 'true');
    toNote.setAttribute('aria-pressed', note ? 'true' : 'false');
    input.setAttribute('aria-label', note ? '内部备注' : '回复客户');
    send.textContent = note ? '保存备注' : '发送';
    hint.textContent = note ? '仅顾问和督导可见' : '客户可见';
  }

  /** @param {'reply' | 'note'} mode */
  function setMode(mode) {
    chat.composeMode = mode;
    showMode(mode);
    canned.close();
    if (mode === 'note') stopTyping(chat);
    applyComposerState(chat);
    if (!input.disabled) input.focus();
  }

  function submit() {
    if (chat.composeMode === 'note') {
      const text = input.value.trim();
      if (!text) return;
      addNote(chat, text).then((saved) => {
        if (!saved || input.value.trim() !== text) return;
        input.value = '';
        keepDraft(chat, '');
        view.renderTabs();
      });
      return;
    }
    sendReply(chat);
  }

  input.addEventListener('keydown', (e) => {
    if (canned.onKeyDown(e)) {
      e.preventDefault();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => {
    keepDraft(chat, input.value);
    canned.onInput();
    if (chat.composeMode === 'reply' && input.value.trim()) startTyping(chat);
    else stopTyping(chat);
    view.renderTabs();
  });
  input.addEventListener('blur', () => {
    stopTyping(chat);
    canned.close();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
    input.focus();
  });
  showMode(chat.composeMode);
  return { form, input, send, warning };
}

/**
 * The header (customer, channel facts) and the summary card: the handoff's 转人工摘要, or the
 * 交接摘要 written on request in its place.
 * @param {Chat} chat
 */
export function renderHeader(chat) {
  if (!chat.els) return;
  const h = chat.handoff;
  const who = chat.els.who;
  const line = el('div', 'chat-customer');
  line.appendChild(el('h2', 'chat-customer-name', customerName(h)));
  const badge = h && h.customer && tierBadge(h.customer.tier);
  if (badge) line.appendChild(badge);
  /** @type {string[]} */
  const meta = [];
  if (h && h.customer && h.customer.phone) meta.push(h.customer.phone);
  if (h && h.customer && h.customer.id) meta.push('客户号 ' + h.customer.id);
  if (h && h.branchId) meta.push('营业部 ' + h.branchId);
  if (h && h.createdAt) meta.push('转人工于 ' + formatTime(h.createdAt, { seconds: true }));
  if (chat.mode === 'watch' && h && h.advisorName) meta.push('顾问 ' + h.advisorName + ' 服务中');
  who.replaceChildren(line);
  if (meta.length) who.appendChild(el('div', 'chat-customer-meta', meta.join(' · ')));
  who.appendChild(chat.els.facts);
  renderChannelFacts(chat);

  const card = chat.els.card;
  card.replaceChildren();
  const written = chat.closed ? null : chat.assist.summary;
  // Opened from 进行中的会话: no handoff summary is known for it.
  const handoffKnown = !!h && (!!h.summary || !!h.priority);
  card.hidden = !handoffKnown && !written;
  if (card.hidden) return;
  const priority = h && h.priority ? ' · 优先级 ' + priorityLabel(h.priority) : '';
  if (written) {
    card.classList.add('is-written');
    const head = assistBlockHead('交接摘要', written.source, () => {
      chat.assist.summary = null;
      renderHeader(chat);
    });
    if (priority) head.insertBefore(el('span', 'handoff-card-priority', priority.replace(' · ', '')), head.children[1] || null);
    card.appendChild(head);
    card.appendChild(el('p', 'handoff-summary assist-summary', written.text || '（无摘要）'));
  } else {
    card.classList.remove('is-written');
    card.appendChild(el('p', 'handoff-card-title', '转人工摘要' + priority));
    card.appendChild(el('p', 'handoff-summary', (h && h.summary) || '（无摘要）'));
  }
  if (h && h.transfer)
    card.appendChild(el('p', 'handoff-transfer', '转接自 ' + h.transfer.fromAdvisorName + '：' + h.transfer.note));
  if (h && h.reasons && h.reasons.length) card.appendChild(reasonChips(h.reasons));
}
