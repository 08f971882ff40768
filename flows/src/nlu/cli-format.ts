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

/** escalate/reasons: the escalation policy's decision (decide() on the policy file). */
export function toCliRecord(r: NluResult): CliRecord {
  return {
    emotion: r.emotion,
    negative: r.negative,
    intensity: r.intensity,
    escalate: r.escalation.escalate,
    reasons: r.escalation.reasons,
    intent: r.intent,
    confidence: r.confidence,
  };
}
