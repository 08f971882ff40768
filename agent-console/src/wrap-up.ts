import { UserError, type MessageDoc } from '@brokerbot/shared';

/*
 * Closing a chat (结束会话): the wrap-up the advisor must give, and the warning when the client's
 * last message has no reply. Pure decisions; handoff-service.ts's closeChat applies them.
 */

export interface WrapUpInput {
  category?: string;
  note?: string;
}

export const MAX_WRAP_UP_NOTE = 500;

/** The wrap-up to store, or `wrap_up_required` when the category is missing or not one of `categories`. */
export function checkWrapUp(wrapUp: WrapUpInput | undefined, categories: readonly string[]): { category: string; note: string } {
  const category = wrapUp?.category?.trim() ?? '';
  if (!category || !categories.includes(category)) {
    throw new UserError('wrap_up_required', `请选择会话小结分类（${categories.join('、')}）后再结束会话`, {
      categories: [...categories],
    });
  }
  return { category, note: (wrapUp?.note ?? '').trim().slice(0, MAX_WRAP_UP_NOTE) };
}

const recalled = (m: MessageDoc) => Boolean((m.meta as { recalled?: unknown } | null)?.recalled);

/**
 * The client's last message when no advisor reply came after it (the chat would end with the
 * client's question open), else null. Recalled client messages do not count; neither do the
 * bot's or the system's messages (a holding text is no answer), nor an advisor message that was
 * not delivered.
 */
export function unansweredClientMessage(messages: readonly MessageDoc[]): MessageDoc | null {
  const ordered = [...messages].sort((a, b) => a.seq - b.seq);
  const lastClient = ordered.filter((m) => m.direction === 'in' && !recalled(m)).at(-1);
  if (!lastClient) return null;
  const answered = ordered.some((m) => m.seq > lastClient.seq && m.author.kind === 'advisor' && m.status !== 'failed');
  return answered ? null : lastClient;
}

/** The `client_unanswered` warning: the advisor resends chat:close with `confirm: true` to close anyway. */
export function unansweredWarning(last: MessageDoc): UserError {
  const quoted = last.text.length > 40 ? `${last.text.slice(0, 40)}…` : last.text;
  return new UserError('client_unanswered', `客户的最后一条消息还没有回复：“${quoted}”。确认不回复就结束会话吗？`, {
    lastClientMessage: { id: last.channelMessageId, text: last.text, createdAt: new Date(last.createdAt).toISOString() },
  });
}
