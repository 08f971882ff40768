import type { NluResult } from './nlu';

/** The policy's decision for the line (flows/src/policy decideForMessage), structurally. */
export interface CliDecision {
  escalate: boolean;
  reasons: string[];
}

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

/** escalate/reasons: the escalation policy's decision (decideForMessage on the policy file). */
export function toCliRecord(r: NluResult, decision: CliDecision): CliRecord {
  return {
    emotion: r.emotion,
    negative: r.negative,
    intensity: r.intensity,
    escalate: decision.escalate,
    reasons: decision.reasons,
    intent: r.intent,
    confidence: r.confidence,
  };
}
