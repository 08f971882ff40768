import type { CustomerTier } from '@brokerbot/shared';
import { isOpen } from './business-hours';
import type { EscalationPolicy } from './schema';

/** The NLU's findings about one message that bear on escalation (see flows/src/nlu). */
export interface EscalationSignals {
  /** Distress terms the NLU found, negation-aware (没有爆仓 is not distress). */
  distress: string[];
  explicitRequest: boolean;
  complaint: boolean;
  /** High-risk intents or situations (account_frozen, large_transfer_failed …). */
  highRisk: string[];
  /** The NLU's trend rule fired (a streak of negative messages, or a steep rise). */
  rising: boolean;
  /** The conversation's rolling negative-emotion level after this message (0..1). */
  trendLevel: number;
  /** How many client messages the trend has seen. */
  trendMessages: number;
}

export interface PolicyInput {
  text: string;
  emotion: 'calm' | 'anxious' | 'angry' | 'sad' | 'positive';
  intensity: number;
  intent: string;
  /** The intent classifier's calibrated confidence in `intent` (0..1). */
  intentConfidence: number;
  /** P(the message is about the brokerage's services), from the NLU's in-domain detector; absent: unknown (taken as 1). */
  inDomain?: number;
  signals: EscalationSignals;
  tier: 'standard' | 'gold' | 'vip' | CustomerTier | null;
  /** Bot answers in a row that did not help (fallbacks), before this message. */
  consecutiveMisses: number;
  now: Date;
}

export interface PolicyDecision {
  escalate: boolean;
  /** Machine-readable, stored with the message and the handoff: why. */
  reasons: string[];
  priority: number;
  /**
   * Escalation requested outside business hours: take a message and call back. Never for
   * distress: that goes to whichever advisor is online at any hour (the router offers it to
   * online advisors only), and the bot's holding answer says what to do meanwhile.
   */
  afterHours: boolean;
  /** Distress: offered to an online advisor now, whatever the hours (see afterHours). */
  anyHour: boolean;
  /** Not an escalation yet, but the bot should offer a person (repeated misses). */
  offerHuman: boolean;
}

const EMOTION_REASON = { anxious: 'anxiety', angry: 'anger', sad: 'sadness' } as const;

/** Intents that are not a matter the bot answers (small talk), or that escalate by themselves. */
const NOT_ANSWERED: ReadonlySet<string> = new Set([
  'greeting',
  'thanks',
  'goodbye',
  'acknowledgement',
  'chitchat',
  'human_request',
  'complaint',
]);

/**
 * Whether the message is a matter the bot answers (or asks which topic with its menu): about the
 * brokerage's services (P(in domain) ≥ 0.5) and its intent a brokerage topic, not small talk.
 */
export function isAnswerable(input: Pick<PolicyInput, 'intent' | 'inDomain'>): boolean {
  return (input.inDomain ?? 1) >= 0.5 && !NOT_ANSWERED.has(input.intent);
}

/** The emotion threshold that applies: the higher answerableEmotionThresholds when the bot answers the matter. */
export function emotionThreshold(policy: EscalationPolicy, emotion: 'anxious' | 'angry' | 'sad', answerable: boolean): number {
  const general = policy.emotionThresholds[emotion];
  const a = policy.answerableEmotionThresholds;
  return a && answerable ? Math.max(general, a[emotion]) : general;
}

function matched(text: string, terms: string[]): string[] {
  return terms.filter((t) => text.includes(t));
}

/**
 * The escalation policy, applied to the NLU's signals. Pure: the same input and policy always
 * give the same decision, so every decision can be explained from what is stored with it.
 */
export function decide(policy: EscalationPolicy, input: PolicyInput): PolicyDecision {
  const p = policy.priorities;
  const s = input.signals;
  const reasons: string[] = [];
  let priority = p.normal;
  const raise = (to: number) => (priority = Math.min(priority, to));

  const distress = [...new Set([...s.distress, ...matched(input.text, policy.distressTerms)])];
  if (distress.length) {
    reasons.push(...distress.map((t) => `distress:${t}`));
    raise(p.distress);
  }
  // What the intent classifier says counts only when it is sure enough (words always count).
  const intent = input.intentConfidence >= policy.minIntentConfidence ? input.intent : null;
  if (s.explicitRequest || intent === 'human_request' || matched(input.text, policy.explicitRequestTerms).length)
    reasons.push('explicit_request');
  if (s.complaint || intent === 'complaint' || matched(input.text, policy.complaintTerms).length) {
    reasons.push('complaint');
    raise(p.complaint);
  }
  const risks = new Set([
    ...s.highRisk,
    ...(intent && policy.highRiskIntents.includes(intent) && intent !== 'complaint' ? [intent] : []),
  ]);
  for (const r of risks) reasons.push(`high_risk_intent:${r}`);

  const vip = input.tier === 'vip';
  const discount = vip ? policy.vipEmotionThresholdDiscount : 0;
  if (input.emotion === 'anxious' || input.emotion === 'angry' || input.emotion === 'sad') {
    if (input.intensity >= emotionThreshold(policy, input.emotion, isAnswerable(input)) - discount) {
      reasons.push(`${EMOTION_REASON[input.emotion]}:${input.intensity.toFixed(2)}`);
      raise(p.negative_emotion);
    }
  }
  if (s.rising || (s.trendMessages >= policy.trend.minMessages && s.trendLevel >= policy.trend.threshold - discount)) {
    reasons.push(`rising_distress:${s.trendLevel.toFixed(2)}`);
    raise(p.negative_emotion);
  }

  const escalate = reasons.length > 0;
  if (escalate && vip) {
    reasons.push('tier:vip');
    raise(p.vip);
  }
  const anyHour = distress.length > 0;
  return {
    escalate,
    reasons,
    priority,
    afterHours: escalate && !anyHour && !isOpen(policy.businessHours, input.now),
    anyHour,
    offerHuman: !escalate && input.consecutiveMisses + 1 >= policy.missesBeforeOfferingHuman,
  };
}
