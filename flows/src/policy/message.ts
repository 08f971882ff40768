import type { NluResult } from '../nlu/nlu';
import type { EmotionTrend } from '../nlu/trend';
import { decide, type EscalationSignals, type PolicyDecision, type PolicyInput } from './decide';
import type { EscalationPolicy } from './schema';

/**
 * Where the policy meets the NLU's signals. Every `escalate` — the bot's, the `npm run -s nlu`
 * CLI's, the evaluation's — is decideForMessage() on a policy file, so a threshold edited in
 * flows/data/policy/escalation.json changes all of them alike. The NLU has no thresholds and
 * imports nothing from here.
 */
type Analysed = Pick<NluResult, 'emotion' | 'intensity' | 'intent' | 'confidence' | 'signals' | 'evidence'>;

/** The policy's view of an analysed message (trend: the conversation's, already updated). */
export function escalationSignals(nlu: Analysed, trend?: EmotionTrend): EscalationSignals {
  return {
    distress: nlu.signals.distress,
    explicitRequest: nlu.signals.humanRequested,
    complaint: nlu.signals.complaint,
    highRisk: nlu.signals.highRisk,
    rising: nlu.evidence.trend?.rising ?? false,
    trendLevel: trend?.level ?? 0,
    trendMessages: trend?.count ?? 0,
  };
}

export interface MessageContext {
  trend?: EmotionTrend;
  tier?: PolicyInput['tier'];
  /** Bot answers in a row that did not help, before this message. */
  consecutiveMisses?: number;
  /** Only decides `afterHours`; an after-hours handoff is still an escalation. */
  now?: Date;
}

export function decideForMessage(
  policy: EscalationPolicy,
  text: string,
  nlu: Analysed,
  ctx: MessageContext = {},
): PolicyDecision {
  return decide(policy, {
    text,
    emotion: nlu.emotion,
    intensity: nlu.intensity,
    intent: nlu.intent,
    intentConfidence: nlu.confidence,
    ...(nlu.evidence.inDomain !== undefined ? { inDomain: nlu.evidence.inDomain } : {}),
    signals: escalationSignals(nlu, ctx.trend),
    tier: ctx.tier ?? null,
    consecutiveMisses: ctx.consecutiveMisses ?? 0,
    now: ctx.now ?? new Date(),
  });
}
