import { statSync } from 'node:fs';
import { devHalves, labelMask, type CorpusText } from '../src/nlu/corpora';
import { readEmotion } from '../src/nlu/emotion-blend';
import { EMOTION_MODEL_PATH, EmotionModel, NEGATIVE_MASK, maskOf, negativeProbability } from '../src/nlu/emotion-model';
import { chooseEmotionThresholds, fitTemperature, probsAt } from '../src/nlu/emotion-training';
import { hashFeatures } from '../src/nlu/hashed-features';
import { withDomainPrior } from '../src/nlu/intent';
import { EMOTIONS, INTENT_IDS } from '../src/nlu/labels';
import { Nlu } from '../src/nlu/nlu';
import { seededRandom } from '../src/nlu/random';

const x = (...strings: string[]) => hashFeatures(strings, 10);

describe('emotion model', () => {
  it('learns from label sets: FinFE "negative" puts its mass on anxious ∪ angry ∪ sad', () => {
    const samples = [
      ...Array.from({ length: 30 }, () => ({ x: x('亏', '惨'), labels: NEGATIVE_MASK, weight: 1 })),
      ...Array.from({ length: 30 }, () => ({ x: x('涨', '好'), labels: maskOf('positive'), weight: 1 })),
    ];
    const m = EmotionModel.train(samples, { bits: 10, epochs: 5, learningRate: 0.3, l2: 0, seed: 1 });
    expect(negativeProbability(m.predict(x('亏', '惨')))).toBeGreaterThan(0.9);
    expect(negativeProbability(m.predict(x('涨', '好')))).toBeLessThan(0.1);
  });

  it('round-trips through its file format with the calibration', () => {
    const m = EmotionModel.train([{ x: x('气'), labels: maskOf('angry'), weight: 1 }], {
      bits: 10,
      epochs: 2,
      learningRate: 0.3,
      l2: 0,
      seed: 1,
    });
    m.temperature = 1.4;
    m.negativeThreshold = 0.37;
    const again = EmotionModel.deserialize(m.serialize());
    expect([...again.logits(x('气'))]).toEqual([...m.logits(x('气'))]);
    expect(again).toMatchObject({ temperature: 1.4, negativeThreshold: 0.37, bits: 10 });
    expect(() => EmotionModel.deserialize(m.serialize().subarray(0, 100))).toThrow();
  });

  it('temperature scaling undoes overconfidence', () => {
    const rand = seededRandom(3);
    const logits: Float64Array[] = [];
    const masks: number[] = [];
    for (let i = 0; i < 2000; i++) {
      // True logits, then sampled labels; the model reports them 3× too sharp.
      const z = Float64Array.from(EMOTIONS, () => rand() * 3);
      const p = probsAt(z, 1);
      let u = rand();
      let k = 0;
      while (k < p.length - 1 && (u -= p[k]!) > 0) k++;
      logits.push(z.map((v) => v * 3));
      masks.push(1 << k);
    }
    expect(fitTemperature(logits, masks)).toBeGreaterThan(2.5);
    expect(fitTemperature(logits, masks)).toBeLessThan(3.5);
  });

  it('chooses the lowest thresholds within the false-escalation budget, other reasons included', () => {
    const readings = Array.from({ length: 100 }, (_, i) => ({ emotion: i % 2 ? 'angry' : 'calm', intensity: i / 100 }));
    const none = readings.map(() => false);
    const t = chooseEmotionThresholds(readings, none, 0.05, 0);
    const escalated = (th: number, other: boolean[]) =>
      readings.filter((r, i) => other[i] || (r.emotion === 'angry' && r.intensity >= th)).length / readings.length;
    expect(escalated(t.angry, none)).toBeLessThanOrEqual(0.05);
    expect(escalated(t.angry - 0.01, none)).toBeGreaterThan(0.05);
    // Texts escalated for other reasons use up the budget: the threshold goes up.
    const some = readings.map((_, i) => i < 3);
    expect(chooseEmotionThresholds(readings, some, 0.05, 0).angry).toBeGreaterThan(t.angry);
  });

  it('reads negative from P(anxious ∪ angry ∪ sad), then the likeliest of the three; intensity is its probability', () => {
    const p = Float64Array.from([0.5, 0.1, 0.25, 0.1, 0.05]);
    expect(readEmotion(p, 0.4)).toMatchObject({ emotion: 'angry', negative: true, intensity: 0.25 });
    expect(readEmotion(p, 0.5)).toMatchObject({ emotion: 'calm', negative: false, intensity: 0 });
  });
});

describe('public corpora', () => {
  it('maps corpus labels onto the NLU emotions (FinFE negative as a label set)', () => {
    expect(labelMask('smp-general', 'fear')).toBe(maskOf('anxious'));
    expect(labelMask('finfe', 'negative')).toBe(NEGATIVE_MASK);
    expect(labelMask('smp-epidemic', 'surprise')).toBe(maskOf('calm', 'positive'));
    expect(() => labelMask('finfe', 'angry')).toThrow(/unknown finfe label/);
  });

  it('halves every dev split the same way on every run, stratified by label', () => {
    const texts: CorpusText[] = Array.from({ length: 40 }, (_, i) => ({
      text: `t${i}`,
      label: i % 4 ? 'neutral' : 'angry',
      labels: 0,
      corpus: 'smp-general',
      split: i < 36 ? 'dev' : 'train',
    }));
    const a = devHalves(texts);
    expect(a).toEqual(devHalves(texts));
    expect(a.tune.length + a.report.length).toBe(36);
    expect(a.report.filter((t) => t.label === 'angry').length).toBe(5);
    expect(new Set([...a.tune, ...a.report].map((t) => t.text)).size).toBe(36);
  });
});

describe('committed models', () => {
  it('are loaded by the NLU, within the size budget', () => {
    const nlu = Nlu.load();
    expect(nlu.emotionModel).not.toBeNull();
    expect(nlu.domainModel).not.toBeNull();
    expect(statSync(EMOTION_MODEL_PATH).size).toBeLessThan(20 * 1024 * 1024);
  });

  it('reads an off-topic post as small talk or unsure; the domain prior lowers the confidence without changing the intent', () => {
    const nlu = Nlu.load();
    // Never a confident brokerage topic (which would start a flow or count as high-risk).
    const offTopic = nlu.analyze('平安归来');
    expect(offTopic.intent === 'chitchat' || offTopic.confidence < 0.3).toBe(true);
    expect(offTopic.reasons).toEqual([]);
    expect(nlu.analyze('两融账户被追保了怎么办').confidence).toBeGreaterThan(0.5);
    const probs = Float64Array.from(INTENT_IDS, (id) => (id === 'margin_call' ? 0.9 : 0.1 / (INTENT_IDS.length - 1)));
    const p = withDomainPrior({ label: 'margin_call', confidence: 0.9, probs }, 0.2, INTENT_IDS);
    expect(p.label).toBe('margin_call');
    expect(p.confidence).toBeCloseTo(0.18, 5);
  });
});
