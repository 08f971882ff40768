/**
 * Public API of the NLU module (signals only; escalation is flows/src/policy's):
 *   const nlu = Nlu.load();                          // once per process (~0.5 s)
 *   const trend = EmotionTrend.fromJSON(conversation.emotionTrend);
 *   const r = nlu.analyze(text, trend);              // < 1 ms
 *   conversation.emotionTrend = trend.toJSON();
 *   const d = decideForMessage(sharedPolicyStore().current, text, r, { trend, tier, consecutiveMisses });
 *   if (d.escalate) handoff(d.reasons, d.priority);  // from '@brokerbot/flows' (policy)
 *   if (r.intent === 'stock_advice') refuseInvestmentAdvice();
 */
export { Nlu } from './nlu';
export { segment, segmentForSearch } from './segment';
export type { NluEvidence, NluOptions, NluResult } from './nlu';
export { EmotionTrend } from './trend';
export type { EmotionTrendState, TrendSnapshot } from './trend';
export { EMOTIONS, INTENTS, INTENT_IDS, intentLabel, isNegativeEmotion } from './labels';
export type { Emotion, IntentId } from './labels';
export { LARGE_TRANSFER_YUAN } from './escalation-signals';
export type { NluSignals } from './escalation-signals';
export { toCliRecord } from './cli-format';
export { readJsonl, TEST_PATH, type Utterance } from './dataset';
export type { CliRecord } from './cli-format';
export { seededRandom } from './random';
