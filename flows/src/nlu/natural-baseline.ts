import { spawnSync } from 'node:child_process';
import BayesClassifier from 'natural/lib/natural/classifiers/bayes_classifier';
import LogisticRegressionClassifier from 'natural/lib/natural/classifiers/logistic_regression_classifier';
import SentimentAnalyzer from 'natural/lib/natural/sentiment/SentimentAnalyzer';
import { WordTokenizer } from 'natural/lib/natural/tokenizers/regexp_tokenizer';
import type { Utterance } from './dataset';
import { EMOTIONS, INTENT_IDS } from './labels';
import { classificationReport, percentile } from './metrics';
import type { Nlu } from './nlu';

/**
 * Measurements of natural's pitfalls on our data, for `npm run eval -- --natural` and the
 * report. They justify what this module uses from natural (TfIdf, on token arrays, with
 * class documents) and what it does not (its classifiers, tokenizers, sentiment analyzer,
 * its top-level entry point).
 */
export interface NaturalMeasurements {
  topLevelRequireStdoutBytes: number;
  wordTokenizerOnChinese: string[];
  bayes: {
    trainMs: number;
    intentAccuracy: number;
    emotionMacroF1: number;
    allZeroScoresOnTest: number;
    /** Whether a long enough message underflowed, and how many tokens it had. */
    allZeroScoresOnLongMessage: boolean;
    longMessageTokens: number;
    longMessageDistinctTokens: number;
    classifyP50Ms: number;
    classifyP99Ms: number;
    /** Share of test predictions that went to the 5 smallest intents vs their gold share. */
    smallClassPredictedShare: number;
    smallClassGoldShare: number;
  };
  logisticRegression: Array<{ docs: number; vocabulary: number; classes: number; trainMs: number }>;
  sentimentAnalyzer: {
    /** The error for language 'Chinese'. */
    chinese: string;
    /** English "not good . good good": negation carries past the full stop. */
    notGoodThenGoodGood: number;
    goodGood: number;
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function tokensOf(nlu: Nlu, text: string): string[] {
  // Our jieba units: natural's own tokenizers return nothing for Chinese.
  return nlu.preprocessor.run(text).units.map((u) => u.text);
}

export function measureNatural(train: readonly Utterance[], test: readonly Utterance[], nlu: Nlu): NaturalMeasurements {
  const banner = spawnSync(process.execPath, ['-e', "require('natural')"], { encoding: 'utf8' });
  const trainTokens = train.map((u) => tokensOf(nlu, u.text));
  const testTokens = test.map((u) => tokensOf(nlu, u.text));

  // BayesClassifier (apparatus underneath), intents and emotions.
  let t = performance.now();
  const bayesIntent = new BayesClassifier();
  train.forEach((u, i) => bayesIntent.addDocument(trainTokens[i] ?? [], u.intent));
  bayesIntent.train();
  const trainMs = performance.now() - t;
  const bayesEmotion = new BayesClassifier();
  train.forEach((u, i) => bayesEmotion.addDocument(trainTokens[i] ?? [], u.emotion));
  bayesEmotion.train();

  const times: number[] = [];
  let allZero = 0;
  const intentPred: string[] = [];
  testTokens.forEach((tokens) => {
    const s = performance.now();
    const cls = bayesIntent.getClassifications(tokens);
    times.push(performance.now() - s);
    if (cls.every((c) => c.value === 0)) allZero++;
    intentPred.push(cls[0]?.label ?? '');
  });
  times.sort((a, b) => a - b);
  const emotionPred = testTokens.map((tokens) => bayesEmotion.classify(tokens));
  // Concatenate test messages until every class scores exactly 0 (linear-space underflow).
  let longTokens: string[] = [];
  let longZero = false;
  for (let n = 4; n <= testTokens.length && !longZero; n *= 2) {
    longTokens = testTokens.slice(0, n).flat();
    longZero = bayesIntent.getClassifications(longTokens).every((c) => c.value === 0);
  }

  const counts = new Map<string, number>();
  for (const u of train) counts.set(u.intent, (counts.get(u.intent) ?? 0) + 1);
  const smallest = new Set(
    [...counts.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, 5)
      .map(([k]) => k),
  );
  const smallPred = intentPred.filter((p) => smallest.has(p)).length / Math.max(1, intentPred.length);
  const smallGold = test.filter((u) => smallest.has(u.intent)).length / Math.max(1, test.length);

  // LogisticRegressionClassifier: dense sylvester matrices, batch gradient descent, one
  // model per class. Timed on small subsets only (the full split would take far too long).
  const lr: NaturalMeasurements['logisticRegression'] = [];
  for (const n of [40, 80, 160]) {
    const subset = train
      .slice(0, 400)
      .filter((_, i) => i % Math.floor(400 / n) === 0)
      .slice(0, n);
    const c = new LogisticRegressionClassifier();
    const vocab = new Set<string>();
    subset.forEach((u) => {
      const tokens = tokensOf(nlu, u.text);
      tokens.forEach((x) => vocab.add(x));
      c.addDocument(tokens, u.emotion);
    });
    t = performance.now();
    c.train();
    lr.push({
      docs: n,
      vocabulary: vocab.size,
      classes: new Set(subset.map((u) => u.emotion)).size,
      trainMs: Math.round(performance.now() - t),
    });
  }

  let chinese = 'supported';
  try {
    new SentimentAnalyzer('Chinese', null, 'afinn');
  } catch (err) {
    chinese = (err as Error).message;
  }
  const english = new SentimentAnalyzer('English', null, 'afinn');

  return {
    sentimentAnalyzer: {
      chinese,
      notGoodThenGoodGood: english.getSentiment(['not', 'good', '.', 'good', 'good']),
      goodGood: english.getSentiment(['good', 'good']),
    },
    topLevelRequireStdoutBytes: Buffer.byteLength(banner.stdout ?? ''),
    wordTokenizerOnChinese: new WordTokenizer().tokenize('我的账户被冻结了怎么办'),
    bayes: {
      trainMs: Math.round(trainMs),
      intentAccuracy: classificationReport(
        test.map((u) => u.intent),
        intentPred,
        INTENT_IDS,
      ).accuracy,
      emotionMacroF1: classificationReport(
        test.map((u) => u.emotion),
        emotionPred,
        EMOTIONS,
      ).macroF1,
      allZeroScoresOnTest: allZero,
      allZeroScoresOnLongMessage: longZero,
      longMessageTokens: longTokens.length,
      longMessageDistinctTokens: new Set(longTokens).size,
      classifyP50Ms: r3(percentile(times, 0.5)),
      classifyP99Ms: r3(percentile(times, 0.99)),
      smallClassPredictedShare: r3(smallPred),
      smallClassGoldShare: r3(smallGold),
    },
    logisticRegression: lr,
  };
}
