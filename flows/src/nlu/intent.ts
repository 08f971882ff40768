import { contentLength } from './normalize';
import type { IntentId } from './labels';
import type { Prediction } from './text-classifier';
import { argmax } from './sparse';
import { complaintTerm, explicitRequest, negatedRequest, stockAdviceCue } from './signals';

/**
 * Intent decision: the trained classifier, overridden by a few high-precision rules whose
 * misses would be costly — an explicit request for a person (转人工 …), a complaint word,
 * and stock-picking / investment-advice requests, which the bot must detect to refuse.
 */
export interface IntentOutcome {
  intent: IntentId;
  confidence: number;
  /** Which rule decided, when not the classifier. */
  rule?: 'empty' | 'explicit_request' | 'complaint' | 'stock_advice';
}

export function decideIntent(text: string, clf: Prediction<IntentId>, labels: readonly IntentId[]): IntentOutcome {
  const p = (id: IntentId) => clf.probs[labels.indexOf(id)] ?? 0;
  const round = (x: number) => Math.round(x * 100) / 100;
  if (contentLength(text) === 0 && !/[?!]/.test(text)) return { intent: 'chitchat', confidence: 0, rule: 'empty' };
  const complaint = complaintTerm(text);
  if (explicitRequest(text) && !(complaint && clf.label === 'complaint')) {
    return { intent: 'human_request', confidence: round(Math.max(p('human_request'), 0.9)), rule: 'explicit_request' };
  }
  if (complaint && /投诉|举报|12386/.test(complaint) && clf.label !== 'complaint' && p('complaint') >= 0.05) {
    return { intent: 'complaint', confidence: round(Math.max(p('complaint'), 0.75)), rule: 'complaint' };
  }
  if (clf.label === 'human_request' && negatedRequest(text)) {
    // 不用转人工了: the words of a request, negated — take the next best intent.
    const probs = Float64Array.from(clf.probs);
    probs[labels.indexOf('human_request')] = 0;
    const best = argmax(probs);
    return { intent: labels[best] ?? 'acknowledgement', confidence: round(probs[best] ?? 0) };
  }
  // A complaint about advice (客户经理私下给我推荐股票…我要投诉) stays a complaint.
  if (clf.label !== 'stock_advice' && clf.label !== 'complaint' && stockAdviceCue(text)) {
    return { intent: 'stock_advice', confidence: round(Math.max(p('stock_advice'), 0.8)), rule: 'stock_advice' };
  }
  return { intent: clf.label, confidence: round(clf.confidence) };
}

/** Small talk a client shares with anyone: its confidence is not scaled by P(in domain). */
const SOCIAL_INTENTS: ReadonlySet<IntentId> = new Set<IntentId>(['greeting', 'thanks', 'goodbye', 'acknowledgement', 'chitchat']);

/**
 * The classifier's prediction given P(in domain): the same intent, with its probability (and
 * every brokerage intent's) scaled by P(in domain) and the rest given to `chitchat`. A post
 * like 平安归来 keeps the classifier's guess (margin_call) but with a low confidence, so the
 * bot asks instead of starting a flow and the policy does not escalate on it.
 */
export function withDomainPrior(clf: Prediction<IntentId>, inDomain: number, labels: readonly IntentId[]): Prediction<IntentId> {
  const probs = Float64Array.from(clf.probs);
  let moved = 0;
  labels.forEach((l, k) => {
    if (SOCIAL_INTENTS.has(l)) return;
    moved += (probs[k] ?? 0) * (1 - inDomain);
    probs[k] = (probs[k] ?? 0) * inDomain;
  });
  const chitchat = labels.indexOf('chitchat');
  if (chitchat >= 0) probs[chitchat] = (probs[chitchat] ?? 0) + moved;
  return { label: clf.label, confidence: probs[labels.indexOf(clf.label)] ?? 0, probs };
}
