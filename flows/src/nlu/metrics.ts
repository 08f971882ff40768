/** Classification metrics for the evaluation script and the regression tests. */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  labels: string[];
  /** confusion[gold][predicted] */
  confusion: Record<string, Record<string, number>>;
  perClass: Record<string, ClassMetrics>;
  accuracy: number;
  macroF1: number;
  n: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function classificationReport(
  gold: readonly string[],
  predicted: readonly string[],
  labels?: readonly string[],
): ClassificationReport {
  const all = labels ? [...labels] : [...new Set([...gold, ...predicted])].sort();
  const confusion: Record<string, Record<string, number>> = {};
  for (const g of all) confusion[g] = Object.fromEntries(all.map((p) => [p, 0]));
  let correct = 0;
  gold.forEach((g, i) => {
    const p = predicted[i] ?? '';
    const row = confusion[g] ?? (confusion[g] = {});
    row[p] = (row[p] ?? 0) + 1;
    if (g === p) correct++;
  });
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  let f1Count = 0;
  for (const c of all) {
    const tp = confusion[c]?.[c] ?? 0;
    const support = gold.filter((g) => g === c).length;
    const predictedCount = predicted.filter((p) => p === c).length;
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[c] = { precision: r3(precision), recall: r3(recall), f1: r3(f1), support };
    if (support > 0) {
      f1Sum += f1;
      f1Count++;
    }
  }
  return {
    labels: all,
    confusion,
    perClass,
    accuracy: r3(gold.length ? correct / gold.length : 0),
    macroF1: r3(f1Count ? f1Sum / f1Count : 0),
    n: gold.length,
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

function pad(s: string, n: number): string {
  // Han characters take two columns in a terminal.
  const width = [...s].reduce((w, ch) => w + (/[\u2e80-\uffff]/.test(ch) ? 2 : 1), 0);
  return s + ' '.repeat(Math.max(0, n - width));
}

export function formatReport(title: string, r: ClassificationReport): string {
  const lines = [`${title}  (n=${r.n}, accuracy ${r.accuracy.toFixed(3)}, macro-F1 ${r.macroF1.toFixed(3)})`];
  const w = Math.max(12, ...r.labels.map((l) => l.length + 2));
  lines.push(`${pad('', w)}precision  recall  f1     support`);
  for (const l of r.labels) {
    const m = r.perClass[l];
    if (!m || m.support === 0) continue;
    lines.push(
      `${pad(l, w)}${m.precision.toFixed(3).padEnd(11)}${m.recall.toFixed(3).padEnd(8)}${m.f1.toFixed(3).padEnd(7)}${m.support}`,
    );
  }
  return lines.join('\n');
}

export function formatConfusion(r: ClassificationReport): string {
  const w = Math.max(10, ...r.labels.map((l) => l.length + 1));
  const head = pad('gold\\pred', w) + r.labels.map((l) => l.slice(0, 8).padStart(9)).join('');
  const rows = r.labels.map((g) => pad(g, w) + r.labels.map((p) => String(r.confusion[g]?.[p] ?? 0).padStart(9)).join(''));
  return [head, ...rows].join('\n');
}

/** The most frequent off-diagonal cells, for label sets too large for a full matrix. */
export function topConfusions(r: ClassificationReport, limit = 15): Array<{ gold: string; predicted: string; count: number }> {
  const cells: Array<{ gold: string; predicted: string; count: number }> = [];
  for (const g of r.labels)
    for (const p of r.labels)
      if (g !== p && (r.confusion[g]?.[p] ?? 0) > 0) cells.push({ gold: g, predicted: p, count: r.confusion[g]?.[p] ?? 0 });
  return cells.sort((a, b) => b.count - a.count).slice(0, limit);
}

/** Reliability of a confidence: mean |accuracy − confidence| over 10 equal-width bins, weighted by bin size. */
export function expectedCalibrationError(items: ReadonlyArray<{ confidence: number; correct: boolean }>): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, ok: 0 }));
  for (const x of items) {
    const b = bins[Math.min(9, Math.floor(x.confidence * 10))]!;
    b.n++;
    b.conf += x.confidence;
    b.ok += x.correct ? 1 : 0;
  }
  return bins.reduce((s, b) => s + (b.n ? (b.n / items.length) * Math.abs(b.ok / b.n - b.conf / b.n) : 0), 0);
}

/** Reliability table of a confidence: per 0.1-wide bin, how many, mean confidence, accuracy. */
export function reliabilityBins(
  items: ReadonlyArray<{ confidence: number; correct: boolean }>,
): Array<{ from: number; to: number; n: number; meanConfidence: number; accuracy: number }> {
  const bins = Array.from({ length: 10 }, (_, i) => ({ from: i / 10, to: (i + 1) / 10, n: 0, conf: 0, ok: 0 }));
  for (const x of items) {
    const b = bins[Math.min(9, Math.floor(x.confidence * 10))]!;
    b.n++;
    b.conf += x.confidence;
    b.ok += x.correct ? 1 : 0;
  }
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return bins
    .filter((b) => b.n > 0)
    .map((b) => ({ from: b.from, to: b.to, n: b.n, meanConfidence: r3(b.conf / b.n), accuracy: r3(b.ok / b.n) }));
}
