import type { EmotionTrend, EscalationSignals, NluResult } from '@brokerbot/flows';

/** The NLU's findings that the escalation policy weighs (flows/src/policy/decide.ts). */
export function signalsFrom(nlu: NluResult, trend: EmotionTrend): EscalationSignals {
  return {
    distress: nlu.evidence.distress,
    explicitRequest: nlu.reasons.includes('explicit_request'),
    complaint: nlu.reasons.includes('complaint'),
    highRisk: nlu.reasons.filter((r) => r.startsWith('high_risk_intent:')).map((r) => r.slice('high_risk_intent:'.length)),
    rising: nlu.evidence.trend?.rising ?? false,
    trendLevel: trend.level,
    trendMessages: trend.count,
  };
}
