import type { NluResult } from './nlu';

/** The one-line JSON contract of `npm run -s nlu`: exactly these keys, in this order. */
export interface CliRecord {
  emotion: NluResult['emotion'];
  negative: boolean;
  intensity: number;
  escalate: boolean;
  reasons: string[];
  intent: string;
  confidence: number;
}

export function toCliRecord(r: NluResult): CliRecord {
  return {
    emotion: r.emotion,
    negative: r.negative,
    intensity: r.intensity,
    escalate: r.escalate,
    reasons: r.reasons,
    intent: r.intent,
    confidence: r.confidence,
  };
}
