/**
 * `npm run train [-- <corpora dir>] [--dry-run]`: trains the NLU (--dry-run: figures only, no files).
 *   1. the brokerage classifiers on the own train split → flows/data/nlu/model.json;
 *   2. the emotion model (flows/models/emotion.bin) on the public corpora (default
 *      ../shared/corpora next to the repository; see flows/src/nlu/corpora.ts) plus the own
 *      train split, then its calibration and the escalation thresholds.
 *
 * Data protocol (fixed seeds, so the same corpora give the same files):
 *   training  = SMP2020-EWECT epidemic train + FinFE train + the "tune" half of every dev split
 *               + the own train split (flows/data/nlu/train.jsonl);
 *   calibration and thresholds = 4-fold out-of-fold predictions over that training set;
 *   reported  = the "report" half of every dev split: never trained, calibrated or tuned on.
 * The escalation thresholds are written into flows/data/policy/escalation.json with a note
 * of the data and the false-escalation rate that chose them.
 */
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CORPORA_DIR, devHalves, isEscalationLabel, isNegativeLabel, readCorpora } from '../flows/src/nlu/corpora';
import { corpusFigures, formatCorpusFigures } from '../flows/src/nlu/corpus-eval';
import { TEST_PATH, TRAIN_PATH, readJsonl } from '../flows/src/nlu/dataset';
import { blendedScores, calibratedProbs, readEmotion } from '../flows/src/nlu/emotion-blend';
import { DOMAIN_MODEL_PATH, DomainModel } from '../flows/src/nlu/domain-model';
import { EMOTION_MODEL_PATH, EmotionModel, type TrainingSample } from '../flows/src/nlu/emotion-model';
import {
  CV_FOLDS,
  EMOTION_TRAIN_OPTIONS,
  binaryScore,
  SOURCE_WEIGHTS,
  chooseEmotionThresholds,
  chooseNegativeThreshold,
  fitTemperature,
  fromCorpus,
  fromOwn,
  outOfFoldLogits,
  type LabelledText,
} from '../flows/src/nlu/emotion-training';
import { EMOTIONS } from '../flows/src/nlu/labels';
import { kbUtterances } from '../flows/src/nlu/kb-utterances';
import { loadLexiconData } from '../flows/src/nlu/lexicon';
import { classificationReport } from '../flows/src/nlu/metrics';
import { trainModels } from '../flows/src/nlu/model';
import { MODEL_PATH, writeStoredModels } from '../flows/src/nlu/model-store';
import { Nlu } from '../flows/src/nlu/nlu';
import { Preprocessor } from '../flows/src/nlu/preprocess';
import { DEFAULT_POLICY_PATH, decideForMessage, readPolicy } from '../flows/src/policy';

/**
 * Escalations allowed on neutral/happy texts (out-of-fold) when choosing the thresholds: the
 * target is ≤ 5 %; 4 % leaves a margin for the difference between out-of-fold and new data.
 */
const FALSE_ESCALATION_BUDGET = 0.04;
const SAD_BUDGET = 0.005;
const OLD_WEIGHTS = [0.25, 0.5];
const LEXICON_WEIGHTS = [0, 0.25, 0.5, 1];

const log = (msg: string) => console.log(msg);
const ms = (t0: number) => `${Math.round(performance.now() - t0)} ms`;

function main(): void {
  const dryRun = process.argv.includes('--dry-run');
  const dir = path.resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? DEFAULT_CORPORA_DIR);
  const t0 = performance.now();

  // 1. Brokerage classifiers (own data only).
  const own = readJsonl(TRAIN_PATH);
  if (!dryRun) writeStoredModels(trainModels(new Preprocessor(loadLexiconData()), own));
  log(`brokerage classifiers: ${own.length} utterances → ${path.relative(process.cwd(), MODEL_PATH)} (${ms(t0)})`);
  const base = Nlu.train(own);

  // 2. Emotion model.
  const corpora = readCorpora(dir);
  const { tune, report } = devHalves(corpora);
  const training: LabelledText[] = [
    ...corpora.filter((t) => t.split === 'train').map(fromCorpus),
    ...tune.map(fromCorpus),
    ...own.map(fromOwn),
  ];
  log(
    `corpora from ${dir}: ${corpora.length} texts; training ${training.length} (own ${own.length}), report halves ${report.length}`,
  );
  const bits = EMOTION_TRAIN_OPTIONS.bits;
  const t1 = performance.now();
  const inputs = training.map((t) => base.emotionInputs(t.text, bits));
  const samples: TrainingSample[] = training.map((t, i) => ({
    x: inputs[i]!.features,
    labels: t.labels,
    weight: SOURCE_WEIGHTS[t.source],
  }));
  log(`features: ${ms(t1)}`);

  const t2 = performance.now();
  const oof = outOfFoldLogits(samples);
  log(`${CV_FOLDS}-fold out-of-fold predictions: ${ms(t2)}`);
  // Calibration uses the public texts only: the lexicon + classifier posterior of an own
  // utterance comes from a classifier trained on it.
  const pub = training.map((t, i) => i).filter((i) => training[i]!.source !== 'own');
  const masks = pub.map((i) => samples[i]!.labels);
  let best = { w: 0, lw: 0, t: 1, nll: Infinity };
  const weightOf = (i: number, w: number, lw: number) => w + (inputs[i]!.negation ? lw : 0);
  for (const [w, lw] of OLD_WEIGHTS.flatMap((w) => LEXICON_WEIGHTS.map((lw) => [w, lw] as const))) {
    const scores = pub.map((i) => blendedScores(oof[i]!, inputs[i]!.oldProbs, weightOf(i, w, lw)));
    const t = fitTemperature(scores, masks);
    const nll =
      scores.reduce((s, z, j) => {
        const p = calibratedProbs(z, t);
        let inSet = 0;
        for (let k = 0; k < EMOTIONS.length; k++) if (masks[j]! & (1 << k)) inSet += p[k]!;
        return s - Math.log(Math.max(inSet, 1e-12));
      }, 0) / scores.length;
    log(`  blend weight ${w} (+${lw} with a negated sentiment word): temperature ${t}, out-of-fold NLL ${nll.toFixed(4)}`);
    if (nll < best.nll) best = { w, lw, t, nll };
  }
  const probs = pub.map((i) =>
    calibratedProbs(blendedScores(oof[i]!, inputs[i]!.oldProbs, weightOf(i, best.w, best.lw)), best.t),
  );
  const negativeThreshold = chooseNegativeThreshold(probs, masks);

  // 2b. In-domain detector: own utterances + knowledge-base questions vs general Weibo posts.
  const t4 = performance.now();
  const inTexts = [...own.map((u) => u.text), ...kbUtterances().map((k) => k.text)];
  const outTexts = training.filter((t) => t.source.startsWith('smp')).map((t) => t.text);
  const domain = DomainModel.train(
    inTexts.map((t) => base.emotionInputs(t, bits).features),
    outTexts.map((t) => base.emotionInputs(t, bits).features),
    bits,
  );
  domain.provenance = {
    inDomain: `own train split + knowledge-base questions (${inTexts.length})`,
    outOfDomain: `SMP2020-EWECT train + tune halves (${outTexts.length})`,
  };
  log(`in-domain detector: ${inTexts.length} in / ${outTexts.length} out (${ms(t4)})`);

  // Thresholds for the policy's false-escalation target on neutral/happy SMP texts, counting
  // the policy's other reasons too (decided with the emotion thresholds out of reach).
  const calmSmp = pub
    .map((i, j) => ({ t: training[i]!, p: probs[j]! }))
    .filter((x) => x.t.source.startsWith('smp') && (x.t.label === 'neutral' || x.t.label === 'happy'));
  const signalsOnly = base.withModels(null, domain);
  const noEmotion = { ...readPolicy(DEFAULT_POLICY_PATH), emotionThresholds: { anxious: 2, angry: 2, sad: 2 } };
  const other = calmSmp.map((x) => {
    const text = x.t.text.trim();
    return decideForMessage(noEmotion, text, signalsOnly.analyze(text)).escalate;
  });
  // Each SMP corpus (general Weibo, epidemic Weibo) must stay within the budget on its own.
  const perCorpus = (['smp-general', 'smp-epidemic'] as const).map((corpus) => {
    const idx = calmSmp.map((_, i) => i).filter((i) => calmSmp[i]!.t.source === corpus);
    return chooseEmotionThresholds(
      idx.map((i) => readEmotion(calmSmp[i]!.p, negativeThreshold)),
      idx.map((i) => other[i]!),
      FALSE_ESCALATION_BUDGET,
      SAD_BUDGET,
    );
  });
  const thresholds = {
    anxious: Math.max(...perCorpus.map((t) => t.anxious)),
    angry: Math.max(...perCorpus.map((t) => t.angry)),
    sad: Math.max(...perCorpus.map((t) => t.sad)),
  };
  log(
    `calibration: blend weight ${best.w} (+${best.lw} with a negated sentiment word), temperature ${best.t}, negative when P(neg) ≥ ${negativeThreshold}`,
  );
  // The same figures out of fold on the training side (emotion-triggered escalation only).
  for (const corpus of ['smp-general', 'smp-epidemic', 'finfe'] as const) {
    const idx = pub.map((i, j) => ({ t: training[i]!, p: probs[j]! })).filter((x) => x.t.source === corpus);
    const readings = idx.map((x) => readEmotion(x.p, negativeThreshold));
    const neg = binaryScore(
      idx.map((x) => isNegativeLabel(x.t.label)),
      readings.map((r) => r.negative),
    );
    const esc = binaryScore(
      idx.map((x) => isEscalationLabel(x.t.label)),
      readings.map((r) => (r.emotion === 'angry' || r.emotion === 'anxious') && r.intensity >= thresholds.angry),
    );
    log(
      `  out of fold, ${corpus} (${idx.length}): negative F1 ${neg.f1.toFixed(3)}${corpus === 'finfe' ? '' : `, escalate (emotion only) F1 ${esc.f1.toFixed(3)}`}`,
    );
  }
  log(
    `escalation thresholds (≤ ${FALSE_ESCALATION_BUDGET * 100} % escalations for any reason, ≤ ${SAD_BUDGET * 100} % for sadness, on each SMP corpus's out-of-fold neutral/happy texts (${calmSmp.length}; per corpus ${JSON.stringify(perCorpus)}); ${((other.filter(Boolean).length / calmSmp.length) * 100).toFixed(1)} % escalate for other reasons): ${JSON.stringify(thresholds)}`,
  );

  const t3 = performance.now();
  const model = EmotionModel.train(samples, EMOTION_TRAIN_OPTIONS);
  model.oldWeight = best.w;
  model.lexiconWeight = best.lw;
  model.temperature = best.t;
  model.negativeThreshold = negativeThreshold;
  log(`final fit: ${ms(t3)}`);

  // 4. Policy thresholds.
  const policyPath = DEFAULT_POLICY_PATH;
  const raw = JSON.parse(readFileSync(policyPath, 'utf8')) as Record<string, unknown>;
  raw.emotionThresholds = thresholds;
  raw.calibration = {
    chosenOn: `${CV_FOLDS}-fold out-of-fold predictions of the emotion model on its training set; neutral+happy texts of SMP2020-EWECT (epidemic train + tune half of both dev splits; ${calmSmp.length} texts), each of general and epidemic Weibo within the budget, counting every escalation reason`,
    falseEscalationTarget: 0.05,
    budgetUsed: { anyReason: FALSE_ESCALATION_BUDGET, sadness: SAD_BUDGET },
    intensity:
      'calibrated probability of the reported emotion (flows/models/emotion.bin, temperature scaling of the blended scores)',
    model: path.relative(path.join(__dirname, '..'), EMOTION_MODEL_PATH),
  };
  const policy = { ...readPolicy(policyPath), emotionThresholds: thresholds };
  if (!dryRun) writeFileSync(policyPath, JSON.stringify(raw, null, 2) + '\n');

  // 5. Report halves with the shipped model and policy, through analyze() + decideForMessage().
  const nlu = base.withModels(model, domain);
  const figures = corpusFigures(nlu, (text, r) => decideForMessage(policy, text, r), report);
  log(formatCorpusFigures('\nDEV FIGURES (report halves of the dev splits: never trained, calibrated or tuned on)', figures));
  const ownTest = readJsonl(TEST_PATH);
  const emo = classificationReport(
    ownTest.map((u) => u.emotion),
    ownTest.map((u) => nlu.analyze(u.text).emotion),
    EMOTIONS,
  );
  const intentAcc = ownTest.filter((u) => nlu.analyze(u.text).intent === u.intent).length / ownTest.length;
  log(
    `own test split (${ownTest.length}): emotion macro-F1 ${emo.macroF1.toFixed(3)}, accuracy ${emo.accuracy.toFixed(3)}; intent accuracy ${intentAcc.toFixed(3)}`,
  );

  model.provenance = {
    corpora: 'SMP2020-EWECT (usual dev, virus train + dev) and BBT-FinCUGE FinFE (train + dev), see README',
    protocol:
      'trained on train splits + tune halves of the dev splits + own train split; calibrated on 4-fold out-of-fold predictions; figures on the report halves',
    options: EMOTION_TRAIN_OPTIONS,
    sourceWeights: SOURCE_WEIGHTS,
    trainingTexts: training.length,
    devFigures: figures,
  };
  if (dryRun) return log(`--dry-run: nothing written (${ms(t0)})`);
  mkdirSync(path.dirname(EMOTION_MODEL_PATH), { recursive: true });
  model.save();
  domain.save();
  log(
    `wrote ${path.relative(process.cwd(), EMOTION_MODEL_PATH)} (${(statSync(EMOTION_MODEL_PATH).size / 1048576).toFixed(1)} MiB), ${path.relative(process.cwd(), DOMAIN_MODEL_PATH)} (${(statSync(DOMAIN_MODEL_PATH).size / 1048576).toFixed(1)} MiB) and the thresholds in ${path.relative(process.cwd(), policyPath)}; total ${ms(t0)}`,
  );
}

main();
