/**
 * NLU evaluation on the held-out test split (flows/data/nlu/test.jsonl):
 * per-class precision/recall/F1 and confusion matrices for emotion, negative-vs-not,
 * escalation (yes/no) and intent; the general-domain probe set; load time and per-message
 * latency. Prints tables and writes flows/eval/results.json (committed, reviewable).
 *
 *   npm run eval                         # the report
 *   npm run eval -- --errors             # also list the misclassified test lines
 *   npm run eval -- --natural            # also measure natural's classifiers (pitfalls)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { TEST_PATH, TRAIN_PATH, loadProbe, readJsonl } from '../flows/src/nlu/dataset';
import { EMOTIONS, INTENT_IDS } from '../flows/src/nlu/labels';
import { classificationReport, formatConfusion, formatReport, percentile, topConfusions } from '../flows/src/nlu/metrics';
import { measureNatural } from '../flows/src/nlu/natural-baseline';
import { Nlu } from '../flows/src/nlu/nlu';
import { EVAL_RESULTS_PATH } from '../flows/src/nlu/paths';

const args = new Set(process.argv.slice(2));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Load time in a fresh process: what a bot start-up pays (jieba, lexicon, training). */
function coldLoadMs(): number | null {
  const code = `const t=performance.now();const {Nlu}=require('./flows/src/nlu/nlu');Nlu.load().analyze('你好');process.stdout.write(String(performance.now()-t));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
  const ms = Number(r.stdout.trim());
  return r.status === 0 && Number.isFinite(ms) ? Math.round(ms) : null;
}

function main(): void {
  const train = readJsonl(TRAIN_PATH);
  const test = readJsonl(TEST_PATH);
  const t0 = performance.now();
  const nlu = Nlu.train(train);
  const loadMs = Math.round(performance.now() - t0);

  const results = test.map((u) => ({ u, r: nlu.analyze(u.text) }));
  const emotion = classificationReport(
    results.map((x) => x.u.emotion),
    results.map((x) => x.r.emotion),
    EMOTIONS,
  );
  const negative = classificationReport(
    results.map((x) => (x.u.emotion === 'anxious' || x.u.emotion === 'angry' || x.u.emotion === 'sad' ? 'negative' : 'not_negative')),
    results.map((x) => (x.r.negative ? 'negative' : 'not_negative')),
    ['negative', 'not_negative'],
  );
  const escalation = classificationReport(
    results.map((x) => (x.u.escalate ? 'escalate' : 'no')),
    results.map((x) => (x.r.escalate ? 'escalate' : 'no')),
    ['escalate', 'no'],
  );
  const intent = classificationReport(
    results.map((x) => x.u.intent),
    results.map((x) => x.r.intent),
    INTENT_IDS,
  );

  const probe = loadProbe().map((p) => ({ p, r: nlu.analyze(p.text) }));
  const probeEmotion = classificationReport(
    probe.map((x) => x.p.emotion),
    probe.map((x) => x.r.emotion),
    EMOTIONS,
  );
  const probeNegative = classificationReport(
    probe.map((x) => (x.p.emotion === 'anxious' || x.p.emotion === 'angry' || x.p.emotion === 'sad' ? 'negative' : 'not_negative')),
    probe.map((x) => (x.r.negative ? 'negative' : 'not_negative')),
    ['negative', 'not_negative'],
  );

  // Latency: warm up, then time every test message several times.
  const texts = test.map((u) => u.text);
  for (const t of texts) nlu.analyze(t);
  // Wall time is what a caller waits; on a shared machine it includes time the process was
  // descheduled, so the CPU time of the same calls is reported next to it.
  const times: number[] = [];
  const cpu: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    for (const t of texts) {
      const c = process.cpuUsage();
      const s = performance.now();
      nlu.analyze(t);
      times.push(performance.now() - s);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
    }
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const latency = {
    p50Ms: r3(percentile(times, 0.5)),
    p99Ms: r3(percentile(times, 0.99)),
    maxMs: r3(times[times.length - 1] ?? 0),
    cpuP50Ms: r3(percentile(cpu, 0.5)),
    cpuP99Ms: r3(percentile(cpu, 0.99)),
    samples: times.length,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    cpus: os.cpus().length,
  };
  const coldMs = coldLoadMs();

  console.log(formatReport('EMOTION (test split)', emotion));
  console.log(formatConfusion(emotion));
  console.log();
  console.log(formatReport('NEGATIVE vs NOT (test split)', negative));
  console.log();
  console.log(formatReport('ESCALATION (test split)', escalation));
  console.log(formatConfusion(escalation));
  console.log();
  console.log(formatReport('INTENT (test split)', intent));
  console.log('most frequent intent confusions (gold → predicted):');
  for (const c of topConfusions(intent, 12)) console.log(`  ${c.gold} → ${c.predicted}: ${c.count}`);
  console.log();
  console.log(formatReport('EMOTION (general-domain probe, not brokerage)', probeEmotion));
  console.log(formatReport('NEGATIVE vs NOT (general-domain probe)', probeNegative));
  console.log();
  console.log(`load (train from ${train.length} utterances, in-process): ${loadMs} ms; cold process load + first message: ${coldMs ?? 'n/a'} ms`);
  console.log(
    `latency per message: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms (${latency.samples} calls); CPU time p50 ${latency.cpuP50Ms} ms, p99 ${latency.cpuP99Ms} ms; load average ${latency.loadAverage.join(' ')} on ${latency.cpus} CPUs`,
  );

  if (args.has('--errors')) {
    console.log('\nmisclassified test lines:');
    for (const { u, r } of results) {
      const bad = [u.emotion !== r.emotion ? `emotion ${u.emotion}→${r.emotion}` : '', u.intent !== r.intent ? `intent ${u.intent}→${r.intent}` : '', u.escalate !== r.escalate ? `escalate ${u.escalate}→${r.escalate} [${r.reasons.join(' ')}]` : ''].filter(Boolean);
      if (bad.length) console.log(`  ${u.text}  |  ${bad.join('; ')}  (intensity ${r.intensity})`);
    }
    console.log('\nmisclassified probe lines:');
    for (const { p, r } of probe) if (p.emotion !== r.emotion) console.log(`  ${p.text}  |  ${p.emotion}→${r.emotion} (${r.intensity})`);
  }

  const natural = args.has('--natural') ? measureNatural(train, test, nlu) : undefined;
  if (natural) {
    console.log('\nnatural measurements:');
    console.log(JSON.stringify(natural, null, 2));
  }

  const summary = {
    generatedAt: new Date().toISOString(),
    data: { train: train.length, test: test.length, probe: probe.length },
    emotion,
    negative,
    escalation,
    intent,
    probe: { emotion: probeEmotion, negative: probeNegative },
    headline: {
      emotionMacroF1: emotion.macroF1,
      intentAccuracy: intent.accuracy,
      intentMacroF1: intent.macroF1,
      escalationPrecision: escalation.perClass.escalate?.precision ?? 0,
      escalationRecall: escalation.perClass.escalate?.recall ?? 0,
      negativeF1: negative.perClass.negative?.f1 ?? 0,
      probeEmotionMacroF1: probeEmotion.macroF1,
      probeNegativeAccuracy: probeNegative.accuracy,
    },
    performance: { loadMs, coldLoadMs: coldMs, latency },
    ...(natural ? { natural } : {}),
  };
  mkdirSync(path.dirname(EVAL_RESULTS_PATH), { recursive: true });
  writeFileSync(EVAL_RESULTS_PATH, JSON.stringify(summary, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), EVAL_RESULTS_PATH)}`);
}

main();
