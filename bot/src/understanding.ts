import type { EmotionTrend, NluResult } from '@brokerbot/flows';

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
