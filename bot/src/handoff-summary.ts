import type { NluResult } from '@brokerbot/flows';
import { maskPII, type MessageDoc } from '@brokerbot/shared';

const EMOTION_ZH: Record<string, string> = { calm: '平静', anxious: '焦虑', angry: '愤怒', sad: '低落', positive: '积极' };

/**
 * The advisor's hand-over note, from rules (an LLM summary can be asked for on top): what the
 * client wants, what the bot already said, and how the client feels and is trending.
 */
export function handoffSummary(nlu: NluResult, text: string, trendLevel: number, recent: MessageDoc[]): string {
  const lastBot = [...recent].reverse().find((m) => m.author.kind === 'bot');
  const lines = [
    `客户诉求：${nlu.intentLabel}——“${maskPII(text).slice(0, 120)}”`,
    `智能助手已答复：${lastBot ? `“${lastBot.text.slice(0, 80)}${lastBot.text.length > 80 ? '…' : ''}”` : '（尚未答复）'}`,
    `情绪：${EMOTION_ZH[nlu.emotion] ?? nlu.emotion}（强度 ${nlu.intensity.toFixed(2)}），近期负面情绪水平 ${trendLevel.toFixed(2)}`,
  ];
  return lines.join('\n');
}
