import type { IntentId } from './labels';
import { largestAmount } from './amounts';
import { complaintTerm, distressTerms, explicitRequest, highRiskKeyword } from './signals';

/**
 * What the NLU finds in one message that bears on escalation. It decides nothing: the
 * escalation policy (flows/data/policy/escalation.json, applied by policy/decide.ts via
 * flows/src/policy/message.ts) weighs these signals together with emotion, intensity, trend and tier.
 *
 * These are what the words say; what the intent classifier says (intent, confidence) is weighed
 * by the policy itself (minIntentConfidence), so one meaning per field.
 * As reasons, in this order (NluResult.reasons):
 *   distress:<term>            爆仓, 血本无归, 活不下去 …; 强平/追保 when it is happening
 *   explicit_request           转人工, 人工客服, 真人, 找客服 … (not 不用转人工)
 *   complaint                  投诉/举报/12386/要个说法 …
 *   high_risk_intent:<id>      account_frozen, inheritance_transfer by keyword; large_transfer_failed
 *   prompt_injection           flagged only; the policy ignores it
 */
/** A failed transfer of at least this many yuan is high-risk. */
export const LARGE_TRANSFER_YUAN = 100_000;

export interface SignalInput {
  text: string;
  negative: boolean;
  intent: IntentId;
  intentConfidence: number;
  injection: boolean;
}

export interface NluSignals {
  distress: string[];
  /** The phrase that asked for a person, or null (an intent-only request has no phrase). */
  explicitRequest: string | null;
  humanRequested: boolean;
  complaint: boolean;
  highRisk: string[];
  injection: boolean;
}

export function detectSignals(x: SignalInput): NluSignals {
  const explicit = explicitRequest(x.text);
  const highRisk = new Set<string>();
  const keyword = highRiskKeyword(x.text);
  if (keyword) highRisk.add(keyword);
  if (x.intent === 'transfer_failed' && largestAmount(x.text) >= LARGE_TRANSFER_YUAN) highRisk.add('large_transfer_failed');
  return {
    distress: distressTerms(x.text, x.negative),
    explicitRequest: explicit,
    humanRequested: explicit !== null,
    complaint: complaintTerm(x.text) !== null,
    highRisk: [...highRisk],
    injection: x.injection,
  };
}

export function signalReasons(s: NluSignals): string[] {
  return [
    ...s.distress.map((d) => `distress:${d}`),
    ...(s.humanRequested ? ['explicit_request'] : []),
    ...(s.complaint ? ['complaint'] : []),
    ...s.highRisk.map((r) => `high_risk_intent:${r}`),
    ...(s.injection ? ['prompt_injection'] : []),
  ];
}
