import { statSync } from 'node:fs';
import { EMOTION_MODEL_PATH } from '../src/nlu/emotion-model';
import { DOMAIN_MODEL_PATH } from '../src/nlu/domain-model';
import { chooseAnswerableThreshold } from '../src/nlu/emotion-training';
import { hashFeatures } from '../src/nlu/hashed-features';
import { INTENT_MODEL_PATH, IntentModel, combineIntent, fitIntentTemperature } from '../src/nlu/intent-model';
import { INTENT_IDS } from '../src/nlu/labels';
import { Nlu } from '../src/nlu/nlu';
import { seededRandom } from '../src/nlu/random';

const x = (...strings: string[]) => hashFeatures(strings, 10);
const opts = { bits: 10, epochs: 8, learningRate: 0.5, l2: 0, seed: 1 };

describe('intent model', () => {
  it('learns intents from hashed features and round-trips through its file format', () => {
    const X = [...Array.from({ length: 20 }, () => x('开', '户')), ...Array.from({ length: 20 }, () => x('销', '户'))];
    const y = [...X.slice(0, 20).map(() => 'open_account' as const), ...X.slice(20).map(() => 'close_account' as const)];
    const m = IntentModel.train(X, y, opts);
    const uniform = new Float64Array(INTENT_IDS.length).fill(1 / INTENT_IDS.length);
    expect(m.combine(m.logits(x('开', '户')), uniform).label).toBe('open_account');
    expect(m.combine(m.logits(x('销', '户')), uniform).label).toBe('close_account');
    m.nbWeight = 0.5;
    m.temperature = 1.7;
    const again = IntentModel.deserialize(m.serialize());
    expect([...again.logits(x('销', '户'))]).toEqual([...m.logits(x('销', '户'))]);
    expect(again).toMatchObject({ nbWeight: 0.5, temperature: 1.7, bits: 10 });
    expect(() => IntentModel.deserialize(m.serialize().subarray(0, 50))).toThrow();
  });

  it('averaging fits on several SGD orders gives one model of the same size, scoring as their mean', () => {
    const rand = seededRandom(3);
    const groups = [
      { intent: 'open_account' as const, words: ['开', '户'] },
      { intent: 'transfer_failed' as const, words: ['转', '账', '失', '败'] },
      { intent: 'password_reset' as const, words: ['密', '码'] },
    ];
    const noise = ['的', '了', '吗', '我'];
    const X = Array.from({ length: 60 }, (_, i) => x(...groups[i % 3]!.words, ...noise.filter(() => rand() < 0.5)));
    const y = X.map((_, i) => groups[i % 3]!.intent);
    const single = [1, 2, 3].map((seed) => IntentModel.train(X, y, { ...opts, seed }));
    const avg = IntentModel.train(X, y, { ...opts, seed: 1, average: 3 });
    expect(avg.weights.length).toBe(single[0]!.weights.length);
    const probe = x('转', '账', '失', '败');
    const mean = single
      .map((m) => m.logits(probe))
      .reduce((s, l) => s.map((v, k) => v + l[k]! / 3), new Float64Array(INTENT_IDS.length));
    avg.logits(probe).forEach((v, k) => expect(v).toBeCloseTo(mean[k]!, 4));
    expect(avg.combine(avg.logits(probe), new Float64Array(INTENT_IDS.length).fill(1 / INTENT_IDS.length)).label).toBe(
      'transfer_failed',
    );
  });

  it('the naive-Bayes posterior can overrule a weak regression vote', () => {
    const logits = new Float64Array(INTENT_IDS.length);
    logits[INTENT_IDS.indexOf('etf')] = 0.3;
    const nb = new Float64Array(INTENT_IDS.length).fill(0.01);
    nb[INTENT_IDS.indexOf('dividend')] = 0.6;
    expect(combineIntent(logits, nb, 1, 1).label).toBe('dividend');
    expect(combineIntent(logits, nb, 0, 1).label).toBe('etf');
  });

  it('temperature scaling makes an overconfident classifier honest', () => {
    const rand = seededRandom(4);
    const scores: Float64Array[] = [];
    const gold: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const z = Float64Array.from(INTENT_IDS, () => rand() * 2);
      const e = z.map((v) => Math.exp(v));
      const s = e.reduce((a, b) => a + b, 0);
      let u = rand() * s;
      let k = 0;
      while (k < e.length - 1 && (u -= e[k]!) > 0) k++;
      scores.push(z.map((v) => v * 4));
      gold.push(k);
    }
    const t = fitIntentTemperature(scores, gold);
    expect(t).toBeGreaterThan(3.3);
    expect(t).toBeLessThan(4.7);
  });
});

describe('answerable-message threshold', () => {
  it('is the lowest whose false escalations stay within the budget', () => {
    // 100 calm-labelled utterances with intensities 0.00 … 0.99; 1 escalates for another reason.
    const intensities = Array.from({ length: 100 }, (_, i) => i / 100);
    const at = (t: number) => intensities.map((v, i) => i === 0 || v >= t);
    const t = chooseAnswerableThreshold(at, 0.05, 0.5);
    expect(t).toBe(0.96); // 0.96 … 0.99 plus the other one: 5 %
    expect(chooseAnswerableThreshold(at, 0.2, 0.9)).toBe(0.9); // never below `from`
    expect(chooseAnswerableThreshold(() => intensities.map(() => true), 0.05)).toBe(1);
  });
});

describe('committed intent model', () => {
  it('is loaded by the NLU, and all model files stay within 20 MB', () => {
    expect(Nlu.load().intentModel).not.toBeNull();
    const total = [EMOTION_MODEL_PATH, DOMAIN_MODEL_PATH, INTENT_MODEL_PATH].reduce((s, f) => s + statSync(f).size, 0);
    expect(total).toBeLessThan(20 * 1024 * 1024);
  });

  it('answers the questions a client types with a confident intent, and is unsure on small talk', () => {
    const nlu = Nlu.load();
    for (const [text, intent] of [
      ['怎么开户', 'open_account'],
      ['银证转账怎么操作？', 'bank_transfer'],
      ['新股申购中签了怎么缴款？', 'ipo_subscription'],
    ] as const) {
      const r = nlu.analyze(text);
      expect(r.intent).toBe(intent);
      expect(r.confidence).toBeGreaterThan(0.5);
    }
    // An off-topic post: small talk, or a brokerage topic with a low confidence (the bot asks).
    const offTopic = nlu.analyze('平安归来');
    expect(offTopic.intent === 'chitchat' || offTopic.confidence < 0.3).toBe(true);
  });
});
