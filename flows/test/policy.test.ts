import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_POLICY_PATH,
  PolicyStore,
  decide,
  describeHours,
  isOpen,
  nextOpening,
  readPolicy,
  sharedPolicyStore,
  type PolicyInput,
} from '../src/policy';

const policy = readPolicy(DEFAULT_POLICY_PATH);
// Wednesday 2026-11-25 10:00 in Shanghai.
const open = new Date('2026-11-25T02:00:00Z');
const quiet = {
  distress: [],
  explicitRequest: false,
  complaint: false,
  highRisk: [],
  rising: false,
  trendLevel: 0,
  trendMessages: 1,
};
const base: PolicyInput = {
  text: '',
  emotion: 'calm',
  intensity: 0,
  intent: 'chitchat',
  intentConfidence: 0.9,
  signals: quiet,
  tier: 'standard',
  consecutiveMisses: 0,
  now: open,
};

describe('escalation policy', () => {
  it('escalates an explicit request, with the reason', () => {
    const d = decide(policy, {
      ...base,
      text: '帮我转人工',
      intent: 'human_request',
      signals: { ...quiet, explicitRequest: true },
    });
    expect(d).toMatchObject({
      escalate: true,
      reasons: ['explicit_request'],
      priority: policy.priorities.normal,
      afterHours: false,
    });
  });

  it('gives distress terms the highest priority', () => {
    const d = decide(policy, { ...base, text: '两融爆仓了，走投无路', signals: { ...quiet, distress: ['爆仓'] } });
    expect(d.escalate).toBe(true);
    // The NLU's finding plus a term the policy file adds.
    expect(d.reasons).toEqual(['distress:爆仓', 'distress:走投无路']);
    expect(d.priority).toBe(policy.priorities.distress);
  });

  it('escalates anger at its calibrated threshold but not below', () => {
    const t = policy.emotionThresholds.angry;
    expect(decide(policy, { ...base, emotion: 'angry', intensity: t }).reasons).toEqual([`anger:${t.toFixed(2)}`]);
    expect(decide(policy, { ...base, emotion: 'angry', intensity: t - 0.01 }).escalate).toBe(false);
    // The file says which data and false-escalation rate chose the thresholds.
    expect(policy.calibration?.falseEscalationTarget).toBeLessThanOrEqual(0.05);
    expect(policy.calibration?.chosenOn).toMatch(/SMP2020-EWECT/);
  });

  it('holds anger about a matter the bot answers to the higher answerable thresholds', () => {
    const answerable = policy.answerableEmotionThresholds!;
    expect(answerable.angry).toBeGreaterThan(policy.emotionThresholds.angry);
    expect(policy.calibration?.answerable).toMatchObject({ falseEscalationTarget: expect.any(Number) });
    const fee = { ...base, intent: 'commission_fee', inDomain: 0.95, emotion: 'angry' as const };
    const between = policy.emotionThresholds.angry + 0.01;
    expect(decide(policy, { ...fee, intensity: between }).escalate).toBe(false);
    expect(decide(policy, { ...fee, intensity: answerable.angry }).reasons).toEqual([`anger:${answerable.angry.toFixed(2)}`]);
    // Small talk, or a post that is not about the brokerage: the general thresholds.
    expect(decide(policy, { ...fee, intent: 'chitchat', intensity: between }).escalate).toBe(true);
    expect(decide(policy, { ...fee, inDomain: 0.2, intensity: between }).escalate).toBe(true);
  });

  it('escalates a rising trend before any single message crosses the line', () => {
    const level = policy.trend.threshold + 0.02;
    const mild = { ...base, emotion: 'anxious' as const, intensity: policy.emotionThresholds.anxious - 0.1 };
    const d = decide(policy, { ...mild, signals: { ...quiet, trendLevel: level, trendMessages: policy.trend.minMessages } });
    expect(d.reasons).toEqual([`rising_distress:${level.toFixed(2)}`]);
    expect(decide(policy, { ...mild, signals: { ...quiet, trendLevel: level, trendMessages: 1 } }).escalate).toBe(false);
    expect(decide(policy, { ...mild, signals: { ...quiet, rising: true, trendLevel: 0.4 } }).reasons).toEqual([
      'rising_distress:0.40',
    ]);
  });

  it('is more sensitive for VIP clients and serves them first', () => {
    const justBelow = policy.emotionThresholds.anxious - 0.05;
    const vip = decide(policy, { ...base, emotion: 'anxious', intensity: justBelow, tier: 'vip' });
    expect(vip.escalate).toBe(true);
    expect(vip.reasons).toContain('tier:vip');
    expect(vip.priority).toBe(policy.priorities.vip);
    expect(decide(policy, { ...base, emotion: 'anxious', intensity: justBelow }).escalate).toBe(false);
  });

  it('sends complaints and high-risk intents to people', () => {
    expect(decide(policy, { ...base, text: '再不处理我就发律师函' }).reasons).toEqual(['complaint']);
    expect(decide(policy, { ...base, intent: 'account_frozen' }).reasons).toEqual(['high_risk_intent:account_frozen']);
  });

  it('weighs what the intent classifier says only when it is sure enough; words always count', () => {
    const unsure = { ...base, intentConfidence: policy.minIntentConfidence - 0.01 };
    expect(decide(policy, { ...unsure, intent: 'margin_call' }).escalate).toBe(false);
    expect(decide(policy, { ...unsure, intent: 'human_request' }).escalate).toBe(false);
    expect(decide(policy, { ...unsure, intent: 'complaint' }).escalate).toBe(false);
    expect(decide(policy, { ...unsure, intent: 'complaint', signals: { ...quiet, complaint: true } }).reasons).toEqual([
      'complaint',
    ]);
    expect(decide(policy, { ...unsure, signals: { ...quiet, explicitRequest: true } }).reasons).toEqual(['explicit_request']);
    expect(decide(policy, { ...unsure, signals: { ...quiet, highRisk: ['account_frozen'] } }).reasons).toEqual([
      'high_risk_intent:account_frozen',
    ]);
  });

  it('offers a person after repeated misses without escalating', () => {
    expect(decide(policy, { ...base, consecutiveMisses: 1 })).toMatchObject({ escalate: false, offerHuman: true });
    expect(decide(policy, { ...base, consecutiveMisses: 0 }).offerHuman).toBe(false);
  });

  it('marks escalations outside business hours for a call-back', () => {
    const night = new Date('2026-11-25T15:00:00Z'); // 23:00 Shanghai
    expect(decide(policy, { ...base, intent: 'human_request', now: night })).toMatchObject({
      escalate: true,
      afterHours: true,
      anyHour: false,
    });
  });

  it('sends distress to an advisor online at any hour, never to the call-back list', () => {
    const at2244 = new Date('2026-11-25T14:44:00Z'); // 22:44 Shanghai, after hours
    const sunday = new Date('2026-11-29T02:00:00Z');
    for (const now of [at2244, sunday, open]) {
      const d = decide(policy, { ...base, text: '两融要被强平了，血本无归', signals: { ...quiet, distress: ['血本无归'] }, now });
      expect(d).toMatchObject({ escalate: true, afterHours: false, anyHour: true, priority: policy.priorities.distress });
    }
    // A distress term only the policy file knows counts the same.
    expect(decide(policy, { ...base, text: '我真的走投无路了', now: at2244 })).toMatchObject({
      afterHours: false,
      anyHour: true,
    });
    // A complaint at the same hour is still a call-back.
    expect(decide(policy, { ...base, text: '再不处理我就发律师函', now: at2244 })).toMatchObject({
      afterHours: true,
      anyHour: false,
    });
  });
});

describe('business hours', () => {
  const h = policy.businessHours;
  it('knows open and closed times in Shanghai, holidays included', () => {
    expect(isOpen(h, open)).toBe(true);
    expect(isOpen(h, new Date('2026-11-29T02:00:00Z'))).toBe(false); // Sunday
    expect(isOpen(h, new Date('2026-10-01T02:00:00Z'))).toBe(false); // National Day
    expect(isOpen(h, new Date('2026-11-25T00:29:00Z'))).toBe(false); // 08:29
    expect(isOpen(h, new Date('2026-11-25T00:30:00Z'))).toBe(true); // 08:30
  });
  it('finds the next opening', () => {
    expect(nextOpening(h, new Date('2026-11-25T15:00:00Z')).toISOString()).toBe('2026-11-26T00:30:00.000Z');
    expect(describeHours(h)).toBe('周一至周六 08:30-21:00（法定节假日除外）');
  });
});

describe('PolicyStore', () => {
  it('is one watched store per file and process, with a listener per user', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    const file = path.join(dir, 'escalation.json');
    writeFileSync(file, readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
    const store = sharedPolicyStore(file);
    expect(sharedPolicyStore(path.join(dir, '.', 'escalation.json'))).toBe(store);
    expect(sharedPolicyStore(DEFAULT_POLICY_PATH)).not.toBe(store);
    const heard: unknown[] = [];
    const unsubscribe = store.subscribe((e) => heard.push(e));
    expect(store.reload()).toBe(true);
    unsubscribe();
    expect(store.reload()).toBe(true);
    expect(heard).toEqual([{ version: store.current.version, previous: store.current.version }]);
    store.close();
  });

  it('reloads a valid edit and keeps the old policy on a bad one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    const file = path.join(dir, 'escalation.json');
    const original = JSON.parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
    writeFileSync(file, JSON.stringify(original));
    const events: unknown[] = [];
    const store = new PolicyStore(file, (e) => events.push(e));
    writeFileSync(
      file,
      JSON.stringify({ ...original, version: 'v2', emotionThresholds: { ...original.emotionThresholds, angry: 0.9 } }),
    );
    expect(store.reload()).toBe(true);
    expect(store.current.version).toBe('v2');
    writeFileSync(file, JSON.stringify({ ...original, version: 'v3', emotionThresholds: { angry: 2 } }));
    expect(store.reload()).toBe(false);
    expect(store.current.version).toBe('v2');
    expect(String((events[1] as { error: Error }).error.message)).toContain('emotionThresholds');
  });
});
