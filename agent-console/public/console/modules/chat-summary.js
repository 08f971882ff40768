// @ts-check
/*
 * What 我的会话 says about a chat — the last message or the unsent draft, since when the client has
 * waited for an answer, the emotion the bot last read — decided from the chat's state alone
 * (no DOM, no I/O; unit-tested in agent-console/test/console-decisions.test.ts).
 */

/** @typedef {import('./state.js').Chat} Chat */

/** @type {Record<string, string>} */
const AUTHOR_LABELS = { client: '客户', bot: '助手', advisor: '顾问', system: '系统' };

/**
 * The chat's messages by seq.
 * @param {Pick<Chat, 'messages'>} chat
 */
function byOrder(chat) {
  return [...chat.messages.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * What the list says about a chat; pure, from the chat's state.
 * @param {Pick<Chat, 'conversationId' | 'messages' | 'pending' | 'draft' | 'closed'>} chat
 * @param {string | null} myName the advisor's name (their own messages read 我)
 * @param {string | null} activeId the chat on screen (its draft is in the box, not the list)
 * @returns {{ preview: string, waitingSince: string | null, lastAt: string | null, emotion: string | null }}
 */
export function chatSummary(chat, myName, activeId) {
  const list = byOrder(chat);
  const pending = [...chat.pending.values()].sort((a, b) => a.order - b.order);
  const last = list[list.length - 1];
  const lastPending = pending[pending.length - 1];
  let preview = '';
  if (chat.draft && chat.conversationId !== activeId) preview = '[草稿] ' + chat.draft;
  else if (lastPending) preview = '我：' + lastPending.text;
  else if (last) {
    const who = last.from === 'advisor' && myName && last.authorName === myName ? '我' : AUTHOR_LABELS[last.from] || '';
    preview = (who ? who + '：' : '') + (last.text || (last.media ? '[文件]' : ''));
  }
  // The client waits since their first message after the last answer (bot or advisor).
  let waitingSince = null;
  if (!lastPending && !chat.closed) {
    for (const m of [...list].reverse()) {
      if (m.from !== 'client') break;
      waitingSince = m.createdAt;
    }
  }
  let emotion = null;
  for (const m of [...list].reverse()) {
    const insight = m.from === 'client' ? m.insight : null;
    if (insight && insight.emotion) {
      emotion = insight.emotion;
      break;
    }
  }
  return { preview: preview.replace(/\s+/g, ' ').trim(), waitingSince, lastAt: last ? last.createdAt : null, emotion };
}
