import {
  DEFAULT_POLICY_PATH,
  PolicyStore,
  decide,
  type EscalationPolicy,
  type EscalationSignals,
  type PolicyDecision,
  type PolicyInput,
} from '../policy';
import type { NluResult } from './nlu';
import type { EmotionTrend } from './trend';

/**
 * Where the NLU meets the escalation policy. Every `escalate` — the bot's, NluResult's, the
 * `npm run -s nlu` CLI's, the evaluation's — comes from decide() on a policy file, so a
 * threshold edited in flows/data/policy/escalation.json changes all of them alike. The NLU
 * has no thresholds of its own.
 */
export type PolicySource = () => EscalationPolicy;

let store: PolicyStore | null = null;

/**
 * The bot's policy file (ESCALATION_POLICY_PATH, else the bundled one), read on first use and
 * reloaded on change like the bot's own store; an invalid edit keeps the previous policy.
 */
export const defaultPolicySource: PolicySource = () => {
  store ??= new PolicyStore(process.env.ESCALATION_POLICY_PATH || DEFAULT_POLICY_PATH).watch();
  return store.current;
};

type Analysed = Pick<NluResult, 'emotion' | 'intensity' | 'intent' | 'signals' | 'evidence'>;

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
    signals: escalationSignals(nlu, ctx.trend),
    tier: ctx.tier ?? null,
    consecutiveMisses: ctx.consecutiveMisses ?? 0,
    now: ctx.now ?? new Date(),
  });
}
