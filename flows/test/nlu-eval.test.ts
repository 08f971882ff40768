import { TEST_PATH, readJsonl } from '../src/nlu/dataset';
import { loadGeneralProbe, scoreGeneralProbe } from '../src/nlu/general-probe';
import { EMOTIONS, INTENT_IDS } from '../src/nlu/labels';
import { classificationReport, expectedCalibrationError } from '../src/nlu/metrics';
import { Nlu } from '../src/nlu/nlu';
import { DEFAULT_POLICY_PATH, decideForMessage, readPolicy } from '../src/policy';

/**
 * Regression floors on the held-out test split, set a little below the figures measured by
 * `npm run eval` (flows/eval/results.json), so that a real regression fails the build.
 * Escalation is the bot's policy file applied to each message (decideForMessage).
 */
const FLOORS = {
  emotionMacroF1: 0.87, // measured 0.899
  negativeF1: 0.9, // measured 0.924
  intentAccuracy: 0.84, // measured 0.862 (intent model + naive Bayes; KB questions and the training-only supplement as training text)
  escalationRecall: 0.9, // measured 0.915
  // Measured 0.896: emotion alone escalates a message the bot answers only at the policy's
  // answerableEmotionThresholds, chosen on the own train split out of fold (see the README).
  escalationPrecision: 0.85,
  // The intent confidence is calibrated: measured ECE 0.097, mean confidence 0.857 vs accuracy 0.862.
  intentEce: 0.13,
};

describe('test-split quality floors', () => {
  const nlu = Nlu.load();
  const test = readJsonl(TEST_PATH);
  const policy = readPolicy(DEFAULT_POLICY_PATH);
  const results = test.map((u) => {
    const r = nlu.analyze(u.text);
    return { u, r, escalate: decideForMessage(policy, u.text, r).escalate };
  });

  it(`emotion macro-F1 ≥ ${FLOORS.emotionMacroF1}`, () => {
    const rep = classificationReport(
      results.map((x) => x.u.emotion),
      results.map((x) => x.r.emotion),
      EMOTIONS,
    );
    expect(rep.macroF1).toBeGreaterThanOrEqual(FLOORS.emotionMacroF1);
  });

  it(`negative-sentiment F1 ≥ ${FLOORS.negativeF1}`, () => {
    const neg = (e: string) => (e === 'anxious' || e === 'angry' || e === 'sad' ? 'neg' : 'not');
    const rep = classificationReport(
      results.map((x) => neg(x.u.emotion)),
      results.map((x) => (x.r.negative ? 'neg' : 'not')),
    );
    expect(rep.perClass.neg?.f1).toBeGreaterThanOrEqual(FLOORS.negativeF1);
  });

  it(`intent accuracy ≥ ${FLOORS.intentAccuracy}`, () => {
    const rep = classificationReport(
      results.map((x) => x.u.intent),
      results.map((x) => x.r.intent),
      INTENT_IDS,
    );
    expect(rep.accuracy).toBeGreaterThanOrEqual(FLOORS.intentAccuracy);
  });

  it(`intent confidence is calibrated: expected calibration error ≤ ${FLOORS.intentEce}`, () => {
    const items = results.map((x) => ({ confidence: x.r.confidence, correct: x.r.intent === x.u.intent }));
    expect(expectedCalibrationError(items)).toBeLessThanOrEqual(FLOORS.intentEce);
    const mean = items.reduce((s, x) => s + x.confidence, 0) / items.length;
    const accuracy = items.filter((x) => x.correct).length / items.length;
    expect(Math.abs(mean - accuracy)).toBeLessThan(0.06);
  });

  it(`escalation recall ≥ ${FLOORS.escalationRecall} and precision ≥ ${FLOORS.escalationPrecision}`, () => {
    const rep = classificationReport(
      results.map((x) => (x.u.escalate ? 'yes' : 'no')),
      results.map((x) => (x.escalate ? 'yes' : 'no')),
    );
    expect(rep.perClass.yes?.recall).toBeGreaterThanOrEqual(FLOORS.escalationRecall);
    expect(rep.perClass.yes?.precision).toBeGreaterThanOrEqual(FLOORS.escalationPrecision);
  });

  it('every stock-advice request in the test split is caught (the bot must refuse them)', () => {
    const advice = results.filter((x) => x.u.intent === 'stock_advice');
    const caught = advice.filter((x) => x.r.intent === 'stock_advice').length;
    expect(caught / advice.length).toBeGreaterThanOrEqual(0.85);
  });
});

describe('general-domain probe floors (dev half of flows/eval/probe-general.jsonl)', () => {
  // Only the dev half: the locked half is measured by hand before and after a change.
  const score = scoreGeneralProbe(loadGeneralProbe('dev'), (text) => Nlu.load().analyze(text));

  it('emotion macro-F1 ≥ 0.9 and negative F1 ≥ 0.95 on reviews, weibo posts and news comments', () => {
    expect(score.headline.emotionMacroF1).toBeGreaterThanOrEqual(0.9); // measured 0.966
    expect(score.headline.negativeF1).toBeGreaterThanOrEqual(0.95); // measured 0.996
  });
});
