import type { EmotionTrend, NluResult } from '@brokerbot/flows';
import { insightOf, type MessageDoc } from '@brokerbot/shared';

/** What the NLU made of a client's message, as stored with it (meta.understanding) and shown to advisors. */
export interface Understanding {
  emotion: string;
  intensity: number;
  intent: string;
  intentLabel: string;
  confidence: number;
  trend: number;
  nluReasons: string[];
}

export function understandingOf(nlu: NluResult, trend: EmotionTrend | null): Understanding {
  return {
    emotion: nlu.emotion,
    intensity: nlu.intensity,
    intent: nlu.intent,
    intentLabel: nlu.intentLabel,
    confidence: nlu.confidence,
    trend: trend?.level ?? 0,
    nluReasons: nlu.reasons,
  };
}

/**
 * The intents the bot stored with a client's earlier messages, newest first, leaving out the
 * message in hand (`exceptMessageId`: its understanding is not stored yet).
 */
export function intentsNewestFirst(recent: readonly MessageDoc[], exceptMessageId: string): string[] {
  return recent
    .filter((m) => m.direction === 'in' && m._id.toString() !== exceptMessageId)
    .reverse()
    .map((m) => insightOf(m.meta)?.intent)
    .filter((i): i is string => typeof i === 'string');
}
