// @ts-check
/*
 * A supervisor's tools on a chat they watch (静默监听): a whisper (悄悄话, chat:whisper) the
 * serving advisor alone sees, and taking the chat over (接管, chat:takeover), after which the
 * supervisor serves the client here.
 */
import { el } from '../../common/kit.js';
import { onAside } from './notes.js';
import { customerName, request, state, view } from './state.js';
import { button, confirmDialog, toast } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */

/**
 * The whisper box, for a watched chat someone serves.
 * @param {Chat} chat
 */
export function whisperBox(chat) {
  const form = el('form', 'reply whisper-box');
  const input = el('textarea');
  input.rows = 2;
  input.maxLength = 1000;
  input.placeholder = '悄悄话：只有服务该会话的顾问能看到，客户看不到';
  input.setAttribute('aria-label', '悄悄话');
  const side = el('div', 'reply-side');
  const send = el('button', 'primary', '发送悄悄话');
  send.type = 'submit';
  side.appendChild(send);
  side.appendChild(el('span', 'reply-hint', '仅顾问可见'));
  form.appendChild(input);
  form.appendChild(side);
  const submit = () => {
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
    request('chat:whisper', { conversationId: chat.conversationId, text }).then((res) => {
      send.disabled = false;
      if (!res.ok) {
        toast(res.message || '悄悄话发送失败，请重试', 'error');
        return;
      }
      input.value = '';
      if (res.whisper) onAside(res.whisper);
    });
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  return form;
}

/**
 * 接管会话: the supervisor takes the chat; the advisor's console drops it, the client is told.
 * @param {Chat} chat
 */
export function takeOverButton(chat) {
  const b = button('danger outline', '接管会话', async () => {
    const serving = chat.handoff && chat.handoff.advisorName ? '顾问 ' + chat.handoff.advisorName : '当前顾问';
    const ok = await confirmDialog(
      '接管会话',
      '确定接管与 ' + customerName(chat.handoff) + ' 的会话吗？' + serving + ' 将不再服务该客户，客户会收到通知。',
      '确认接管',
    );
    if (!ok) return;
    b.disabled = true;
    const res = await request('chat:takeover', { conversationId: chat.conversationId });
    if (!res.ok) {
      b.disabled = false;
      toast(res.message || '接管失败，请重试', 'error');
      return;
    }
    view.openChat(res.chat, 'own', true);
    view.refreshActive();
    toast('已接管与 ' + customerName(chat.handoff) + ' 的会话');
  });
  return b;
}

/** Whether this console may whisper to and take over a watched chat. */
export function maySupervise() {
  return !!state.session && state.session.advisor.role === 'supervisor';
}
