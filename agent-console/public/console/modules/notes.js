// @ts-check
/*
 * Internal notes (内部备注, chat:note) and a supervisor's whispers (悄悄话, chat:whisper) in a
 * chat's transcript: for advisors and supervisors only, never sent to the client, shown apart
 * from the messages. They arrive as `chat:message` with `kind: 'note' | 'whisper'`.
 */
import { newMessageId } from '../../common/kit.js';
import { alertAdvisor, pageInView } from './alerts.js';
import { customerName, highestSeq, request, state } from './state.js';
import { renderTranscript } from './transcript.js';
import { toast } from './ui.js';

/** @typedef {import('./state.js').Chat} Chat */
/** @typedef {import('./state.js').Aside} Aside */
/** @typedef {import('../../../../shared/src/realtime').NoteMessage} NoteMessage */
/** @typedef {import('../../../../shared/src/realtime').WhisperMessage} WhisperMessage */

/**
 * @param {unknown} m
 * @returns {m is NoteMessage | WhisperMessage}
 */
export function isAside(m) {
  const k = /** @type {{ kind?: unknown, id?: unknown } | null} */ (m);
  return !!k && (k.kind === 'note' || k.kind === 'whisper') && typeof k.id === 'string';
}

/**
 * Keeps a note or whisper (once, by id); a whisper is placed after the messages seen so far.
 * @param {Chat} chat
 * @param {NoteMessage | WhisperMessage} m
 * @returns {boolean} whether it is new
 */
function keepAside(chat, m) {
  if (chat.asides.has(m.id)) return false;
  /** @type {Aside} */
  const aside = {
    id: m.id,
    kind: m.kind,
    authorName: m.authorName || '',
    text: m.text,
    createdAt: m.createdAt,
    afterSeq: m.kind === 'note' ? m.afterSeq : highestSeq(chat),
  };
  chat.asides.set(m.id, aside);
  return true;
}

/**
 * A live note or whisper for an open chat.
 * @param {NoteMessage | WhisperMessage} m
 */
export function onAside(m) {
  const chat = state.chats.get(m.conversationId);
  if (!chat || !keepAside(chat, m)) return;
  renderTranscript(chat, true);
  if (m.kind === 'whisper' && chat.mode === 'own' && !(chat.conversationId === state.activeId && pageInView()))
    alertAdvisor('督导悄悄话', customerName(chat.handoff) + '：' + m.text, 'whisper:' + chat.conversationId);
}

/**
 * The chat's notes so far (chat:notes), asked when it is (re)opened.
 * @param {Chat} chat
 */
export async function loadNotes(chat) {
  const res = await request('chat:notes', { conversationId: chat.conversationId });
  if (!res.ok || state.chats.get(chat.conversationId) !== chat) return;
  let added = false;
  (res.notes || []).forEach((n) => {
    if (isAside(n) && keepAside(chat, n)) added = true;
  });
  if (added) renderTranscript(chat, false);
}

/**
 * Adds an internal note; resolves false (the text stays in the box) when it failed.
 * @param {Chat} chat
 * @param {string} text
 */
export async function addNote(chat, text) {
  const res = await request('chat:note', { conversationId: chat.conversationId, clientMessageId: newMessageId('n'), text });
  if (!res.ok) {
    toast(res.message || '备注保存失败，请重试', 'error');
    return false;
  }
  if (isAside(res.note) && keepAside(chat, res.note)) renderTranscript(chat, true);
  return true;
}
