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

  it('escalates anger above its threshold but not below', () => {
    expect(decide(policy, { ...base, emotion: 'angry', intensity: 0.8 }).reasons).toEqual(['anger:0.80']);
    expect(decide(policy, { ...base, emotion: 'angry', intensity: 0.7 }).escalate).toBe(false);
  });

  it('escalates a rising trend before any single message crosses the line', () => {
    const d = decide(policy, {
      ...base,
      emotion: 'anxious',
      intensity: 0.5,
      signals: { ...quiet, trendLevel: 0.62, trendMessages: 3 },
    });
    expect(d.reasons).toEqual(['rising_distress:0.62']);
    expect(
      decide(policy, { ...base, emotion: 'anxious', intensity: 0.5, signals: { ...quiet, trendLevel: 0.62, trendMessages: 1 } })
        .escalate,
    ).toBe(false);
    expect(
      decide(policy, { ...base, emotion: 'anxious', intensity: 0.5, signals: { ...quiet, rising: true, trendLevel: 0.4 } })
        .reasons,
    ).toEqual(['rising_distress:0.40']);
  });

  it('is more sensitive for VIP clients and serves them first', () => {
    const vip = decide(policy, { ...base, emotion: 'anxious', intensity: 0.7, tier: 'vip' });
    expect(vip.escalate).toBe(true);
    expect(vip.reasons).toContain('tier:vip');
    expect(vip.priority).toBe(policy.priorities.vip);
    expect(decide(policy, { ...base, emotion: 'anxious', intensity: 0.7 }).escalate).toBe(false);
  });

  it('sends complaints and high-risk intents to people', () => {
    expect(decide(policy, { ...base, text: '再不处理我就发律师函' }).reasons).toEqual(['complaint']);
    expect(decide(policy, { ...base, intent: 'account_frozen' }).reasons).toEqual(['high_risk_intent:account_frozen']);
  });

  it('offers a person after repeated misses without escalating', () => {
    expect(decide(policy, { ...base, consecutiveMisses: 1 })).toMatchObject({ escalate: false, offerHuman: true });
    expect(decide(policy, { ...base, consecutiveMisses: 0 }).offerHuman).toBe(false);
  });

  it('marks escalations outside business hours for a call-back', () => {
    const night = new Date('2026-11-25T15:00:00Z'); // 23:00 Shanghai
    expect(decide(policy, { ...base, intent: 'human_request', now: night })).toMatchObject({ escalate: true, afterHours: true });
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
