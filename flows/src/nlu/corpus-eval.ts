import { isEscalationLabel, isNegativeLabel, type CorpusId, type CorpusText } from './corpora';
import { binaryScore, type BinaryScore } from './emotion-training';
import type { Nlu, NluResult } from './nlu';

/**
 * The figures on a set of labelled public texts, exactly as `npm run -s nlu` would give
 * them (each text a fresh conversation, client of unknown tier, `escalate` from the policy):
 *   negative F1            truth: SMP angry+sad+fear / FinFE negative; predicted: `negative`
 *   escalate F1            truth: SMP angry+fear; predicted: `escalate`
 *   false escalation rate  share of SMP neutral+happy texts with `escalate: true`
 * The decision is passed in, so the NLU does not depend on the policy module.
 */
export interface CorpusFigures {
  corpus: CorpusId;
  n: number;
  negative: BinaryScore;
  /** SMP only. */
  escalate?: BinaryScore;
  /** SMP only: escalate on neutral/happy texts. */
  falseEscalationRate?: number;
  calmTexts?: number;
}

export type EscalationDecider = (text: string, r: NluResult) => { escalate: boolean };

export function corpusFigures(nlu: Nlu, decideEscalation: EscalationDecider, texts: readonly CorpusText[]): CorpusFigures[] {
  const out: CorpusFigures[] = [];
  for (const corpus of ['smp-general', 'smp-epidemic', 'finfe'] as const) {
    const items = texts.filter((t) => t.corpus === corpus);
    if (!items.length) continue;
    const rs = items.map((t) => {
      const text = t.text.trim();
      const r = nlu.analyze(text);
      return { t, r, escalate: decideEscalation(text, r).escalate };
    });
    const figures: CorpusFigures = {
      corpus,
      n: items.length,
      negative: binaryScore(
        rs.map((x) => isNegativeLabel(x.t.label)),
        rs.map((x) => x.r.negative),
      ),
    };
    if (corpus !== 'finfe') {
      figures.escalate = binaryScore(
        rs.map((x) => isEscalationLabel(x.t.label)),
        rs.map((x) => x.escalate),
      );
      const calm = rs.filter((x) => x.t.label === 'neutral' || x.t.label === 'happy');
      figures.calmTexts = calm.length;
      figures.falseEscalationRate = calm.length ? calm.filter((x) => x.escalate).length / calm.length : 0;
    }
    out.push(figures);
  }
  return out;
}

const f3 = (x: number) => x.toFixed(3);

export function formatCorpusFigures(title: string, figures: readonly CorpusFigures[]): string {
  const lines = [
    title,
    '  set            n     negative F1 (P / R)       escalate angry+fear F1 (P / R)   escalate on neutral+happy',
  ];
  for (const f of figures) {
    const neg = `${f3(f.negative.f1)} (${f3(f.negative.precision)} / ${f3(f.negative.recall)})`;
    const esc = f.escalate ? `${f3(f.escalate.f1)} (${f3(f.escalate.precision)} / ${f3(f.escalate.recall)})` : '—';
    const fr = f.falseEscalationRate !== undefined ? `${(f.falseEscalationRate * 100).toFixed(1)} % of ${f.calmTexts}` : '—';
    lines.push(`  ${f.corpus.padEnd(13)} ${String(f.n).padStart(5)}   ${neg.padEnd(24)}  ${esc.padEnd(31)}  ${fr}`);
  }
  return lines.join('\n');
}
