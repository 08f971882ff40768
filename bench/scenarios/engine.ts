import { performance } from 'node:perf_hooks';
import {
  DEFAULT_POLICY_PATH,
  EmotionTrend,
  KnowledgeBase,
  Nlu,
  decide,
  readPolicy,
  readJsonl,
  TEST_PATH,
} from '@brokerbot/flows';
import { roundSummary, summarize, type Summary } from '../stats';

/**
 * The bot's own work per message, in this process, without the network or the database:
 * NLU (segmentation, emotion, intent, trend), the escalation policy and knowledge-base retrieval,
 * over the NLU test split. Start-up: model and knowledge-base load times.
 */
export interface EngineResult {
  nluLoadMs: number;
  kbLoadMs: number;
  messages: number;
  nluMs: Summary;
  kbMs: Summary;
  /** NLU + policy + retrieval: the decision part of a turn (the turn also reads and writes the database). */
  decisionMs: Summary;
}

export function measureEngine(rounds = 5): EngineResult {
  let t = performance.now();
  const nlu = Nlu.load();
  const nluLoadMs = performance.now() - t;
  t = performance.now();
  const kb = KnowledgeBase.load();
  const kbLoadMs = performance.now() - t;
  const policy = readPolicy(DEFAULT_POLICY_PATH);
  const texts = readJsonl(TEST_PATH).map((u) => u.text);
  const nluMs: number[] = [];
  const kbMs: number[] = [];
  const decisionMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const trend = new EmotionTrend();
    for (const text of texts) {
      const a = performance.now();
      const understood = nlu.analyze(text, trend);
      const b = performance.now();
      decide(policy, {
        text,
        emotion: understood.emotion,
        intensity: understood.intensity,
        intent: understood.intent,
        intentConfidence: understood.confidence,
        signals: {
          distress: understood.evidence.distress,
          explicitRequest: false,
          complaint: false,
          highRisk: [],
          rising: false,
          trendLevel: trend.level,
          trendMessages: trend.count,
        },
        tier: 'standard',
        consecutiveMisses: 0,
        now: new Date(),
      });
      const c = performance.now();
      kb.answer(text);
      const d = performance.now();
      if (r > 0) {
        // the first round warms the JIT and caches
        nluMs.push(b - a);
        kbMs.push(d - c);
        decisionMs.push(d - a);
      }
    }
  }
  return {
    nluLoadMs: Math.round(nluLoadMs),
    kbLoadMs: Math.round(kbLoadMs),
    messages: nluMs.length,
    nluMs: roundSummary(summarize(nluMs), 3),
    kbMs: roundSummary(summarize(kbMs), 3),
    decisionMs: roundSummary(summarize(decisionMs), 3),
  };
}

export function renderEngine(e: EngineResult): string {
  const row = (name: string, s: Summary) =>
    `  ${name.padEnd(34)} ${String(s.p50).padStart(7)} ${String(s.p99).padStart(7)} ${String(s.max).padStart(7)}`;
  return [
    `Bot engine in-process, no network, no database (${e.messages} messages of the NLU test split; targets: NLU p99 ≤ 1 ms)`,
    `  start-up: NLU model ${e.nluLoadMs} ms, knowledge base ${e.kbLoadMs} ms`,
    `  ${''.padEnd(34)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)}`,
    row('NLU (segment, emotion, intent)', e.nluMs),
    row('knowledge-base retrieval', e.kbMs),
    row('NLU + policy + retrieval', e.decisionMs),
  ].join('\n');
}
