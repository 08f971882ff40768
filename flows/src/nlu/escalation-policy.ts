import type { Emotion } from './labels';
import { isHighRiskIntent, type IntentId } from './labels';
import { largestAmount } from './amounts';
import { complaintTerm, distressTerms, explicitRequest, highRiskKeyword } from './signals';

/**
 * Escalation reasons, machine-readable and in priority order:
 *   distress:<term>            爆仓, 血本无归, 活不下去 …; 强平/追保 when it is happening
 *   explicit_request           转人工, 人工客服, 真人, 找客服 … (not 不用转人工)
 *   complaint                  complaint intent or 投诉/举报/12386 …
 *   anger:0.82 | anxiety:0.75 | sadness:0.9   per-message intensity over a threshold
 *   rising_distress            the conversation trend (see trend.ts)
 *   high_risk_intent:<id>      account_frozen, inheritance_transfer, large_transfer_failed
 *   prompt_injection           flagged only: it never escalates by itself
 */
export const THRESHOLDS = { angry: 0.75, anxious: 0.8, sad: 0.85 } as const;
/** Without an explicit phrase, the intent model must be this sure that a person is wanted. */
export const HUMAN_REQUEST_CONFIDENCE = 0.6;
/** A failed transfer of at least this many yuan is high-risk. */
export const LARGE_TRANSFER_YUAN = 100_000;

export type Priority = 'distress' | 'complaint' | 'normal';

export interface EscalationInput {
  text: string;
  emotion: Emotion;
  negative: boolean;
  intensity: number;
  intent: IntentId;
  intentConfidence: number;
  rising: boolean;
  injection: boolean;
}

export interface EscalationOutcome {
  escalate: boolean;
  reasons: string[];
  priority: Priority;
  distress: string[];
  explicitRequest: string | null;
}

const REASON_NAME: Partial<Record<Emotion, string>> = { angry: 'anger', anxious: 'anxiety', sad: 'sadness' };

export function decideEscalation(x: EscalationInput): EscalationOutcome {
  const reasons: string[] = [];
  const distress = distressTerms(x.text, x.negative);
  for (const d of distress) reasons.push(`distress:${d}`);
  const explicit = explicitRequest(x.text);
  if (explicit || (x.intent === 'human_request' && x.intentConfidence >= HUMAN_REQUEST_CONFIDENCE))
    reasons.push('explicit_request');
  const complaint = x.intent === 'complaint' || complaintTerm(x.text) !== null;
  if (complaint) reasons.push('complaint');
  const threshold = (THRESHOLDS as Partial<Record<Emotion, number>>)[x.emotion];
  const name = REASON_NAME[x.emotion];
  if (threshold !== undefined && name && x.intensity >= threshold) reasons.push(`${name}:${x.intensity.toFixed(2)}`);
  if (x.rising) reasons.push('rising_distress');
  const risk = new Set<string>();
  if (isHighRiskIntent(x.intent)) risk.add(x.intent);
  const keyword = highRiskKeyword(x.text);
  if (keyword) risk.add(keyword);
  if (x.intent === 'transfer_failed' && largestAmount(x.text) >= LARGE_TRANSFER_YUAN) risk.add('large_transfer_failed');
  for (const r of risk) reasons.push(`high_risk_intent:${r}`);
  const escalate = reasons.length > 0;
  if (x.injection) reasons.push('prompt_injection');
  const priority: Priority = distress.length ? 'distress' : complaint ? 'complaint' : 'normal';
  return { escalate, reasons, priority, distress, explicitRequest: explicit };
}
