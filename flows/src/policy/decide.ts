import type { CustomerTier } from '@brokerbot/shared';
import { isOpen } from './business-hours';
import type { EscalationPolicy } from './schema';

/** What the bot knows about one client message when it decides whether a person should take over. */
export interface PolicyInput {
  text: string;
  emotion: 'calm' | 'anxious' | 'angry' | 'sad' | 'positive';
  intensity: number;
  intent: string;
  /** The conversation's rolling negative-emotion level after this message (0..1). */
  trend: number;
  /** How many client messages the trend has seen. */
  trendMessages: number;
  tier: CustomerTier | null;
  /** Bot answers in a row that did not help (fallbacks), before this message. */
  consecutiveMisses: number;
  now: Date;
}

export interface PolicyDecision {
  escalate: boolean;
  /** Machine-readable, stored with the message and the handoff: why. */
  reasons: string[];
  priority: number;
  /** Escalation requested while no advisor is on duty: take a message and call back. */
  afterHours: boolean;
  /** Not an escalation yet, but the bot should offer a person (repeated misses). */
  offerHuman: boolean;
}

function matched(text: string, terms: string[]): string[] {
  return terms.filter((t) => text.includes(t));
}

/**
 * The escalation policy, applied. Pure: the same input and policy always give the same
 * decision, so every decision can be explained from what is stored with it.
 */
export function decide(policy: EscalationPolicy, input: PolicyInput): PolicyDecision {
  const p = policy.priorities;
  const reasons: string[] = [];
  let priority = p.normal;
  const raise = (to: number) => (priority = Math.min(priority, to));

  const distress = matched(input.text, policy.distressTerms);
  if (distress.length) {
    reasons.push(...distress.map((t) => `distress:${t}`));
    raise(p.distress);
  }
  if (matched(input.text, policy.explicitRequestTerms).length || input.intent === 'human_request') reasons.push('explicit_request');
  const complaint = matched(input.text, policy.complaintTerms);
  if (complaint.length || input.intent === 'complaint') {
    reasons.push('complaint');
    raise(p.complaint);
  }
  if (policy.highRiskIntents.includes(input.intent) && input.intent !== 'complaint') reasons.push(`high_risk_intent:${input.intent}`);

  const discount = input.tier === 'vip' ? policy.vipEmotionThresholdDiscount : 0;
  if (input.emotion === 'anxious' || input.emotion === 'angry' || input.emotion === 'sad') {
    const threshold = policy.emotionThresholds[input.emotion] - discount;
    if (input.intensity >= threshold) {
      reasons.push(`${input.emotion}:${input.intensity.toFixed(2)}`);
      raise(p.negative_emotion);
    }
  }
  if (input.trendMessages >= policy.trend.minMessages && input.trend >= policy.trend.threshold - discount) {
    reasons.push(`rising_distress:${input.trend.toFixed(2)}`);
    raise(p.negative_emotion);
  }

  const escalate = reasons.length > 0;
  if (escalate && input.tier === 'vip') {
    reasons.push('tier:vip');
    raise(p.vip);
  }
  return {
    escalate,
    reasons,
    priority,
    afterHours: escalate && !isOpen(policy.businessHours, input.now),
    offerHuman: !escalate && input.consecutiveMisses + 1 >= policy.missesBeforeOfferingHuman,
  };
}
