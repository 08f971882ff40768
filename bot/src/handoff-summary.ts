import type { NluResult } from '@brokerbot/flows';
import { maskPII, type MessageDoc } from '@brokerbot/shared';

const EMOTION_ZH: Record<string, string> = { calm: '平静', anxious: '焦虑', angry: '愤怒', sad: '低落', positive: '积极' };

/** How many of the client's latest messages the note quotes. */
export const QUOTED_CLIENT_MESSAGES = 3;

export interface HandoffNoteInput {
  nlu: NluResult;
  /** The message that escalated (for a flow's escalation, with the flow's finding appended). */
  text: string;
  /** Its stored id, to find it among `recent` (it is stored before the bot's turn). */
  messageId?: string;
  trendLevel: number;
  /** The conversation's latest messages, oldest first (may include the escalating one). */
  recent: MessageDoc[];
  /** What the bot tells the client as it hands over (its answer to the escalating message). */
  reply?: string | null;
}

const quote = (text: string, max = 80) => {
  const t = maskPII(text).replace(/\s+/g, ' ').trim();
  return `“${t.length > max ? `${t.slice(0, max)}…` : t}”`;
};

/**
 * The advisor's hand-over note on the waiting card, from rules (an LLM summary can be asked for
 * on top): what the client wants, the client's own latest messages (so a question written
 * before 转人工 is on the card), what the bot answered to them — its answer to each, and what it
 * told the client on handing over, never an older message that answered something else — and
 * how the client feels and is trending.
 */
export function handoffSummary(input: HandoffNoteInput): string {
  const { nlu, text, trendLevel, recent } = input;
  const isCurrent = (m: MessageDoc) => input.messageId !== undefined && String(m._id) === input.messageId;
  const clientMessages = recent.filter((m) => m.author.kind === 'client' && !isCurrent(m));
  const earlier = clientMessages.slice(-(QUOTED_CLIENT_MESSAGES - 1));
  // The bot's answer to a client message: its first message after it, before the client wrote again.
  const answerTo = (m: MessageDoc): MessageDoc | null => {
    const at = recent.indexOf(m);
    for (const next of recent.slice(at + 1)) {
      if (next.author.kind === 'client') return null;
      if (next.author.kind === 'bot') return next;
    }
    return null;
  };
  const answers = earlier
    .map((m) => ({ asked: m, answer: answerTo(m) }))
    .filter((a): a is { asked: MessageDoc; answer: MessageDoc } => a.answer !== null)
    .map((a) => `此前对${quote(a.asked.text, 30)}答复${quote(a.answer.text)}`);
  const now = input.reply ? [`本条答复${quote(input.reply)}`] : [];
  const said = [...earlier.map((m) => quote(m.text)), quote(text, 120)];
  const lines = [
    `客户诉求：${nlu.intentLabel}——${quote(text, 120)}`,
    `客户最近说：${said.join('｜')}`,
    `智能助手已答复：${[...now, ...answers].join('；') || '（尚未答复）'}`,
    `情绪：${EMOTION_ZH[nlu.emotion] ?? nlu.emotion}（强度 ${nlu.intensity.toFixed(2)}），近期负面情绪水平 ${trendLevel.toFixed(2)}`,
  ];
  return lines.join('\n');
}
