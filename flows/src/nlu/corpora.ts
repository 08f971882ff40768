import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NEGATIVE_MASK, maskOf, type LabelMask } from './emotion-model';
import { seededRandom } from './random';

/**
 * The public Chinese sentiment corpora the emotion model is trained on (not in the
 * repository: `../shared/corpora/` next to it, or a path given to `npm run train`). One JSON
 * object a line, {"text", "label"}; see that folder's README.
 *
 *   SMP2020-EWECT (微博情绪分类技术评测, Weibo): angry, fear, sad, happy, neutral, surprise
 *   FinFE (BBT-FinCUGE, retail investors' forum posts): negative, neutral, positive
 *
 * Mapped onto the NLU's emotions: angry → angry, fear → anxious, sad → sad, happy → positive,
 * neutral → calm, surprise → calm or positive (not negative, either is fine); FinFE negative →
 * any of anxious/angry/sad (a label set), neutral → calm, positive → positive.
 */
export const DEFAULT_CORPORA_DIR = path.join(__dirname, '..', '..', '..', '..', 'shared', 'corpora');

export type CorpusId = 'smp-general' | 'smp-epidemic' | 'finfe';
export type Split = 'train' | 'dev';

export interface CorpusText {
  text: string;
  /** The corpus's own label. */
  label: string;
  labels: LabelMask;
  corpus: CorpusId;
  split: Split;
}

export const CORPUS_FILES: ReadonlyArray<{ file: string; corpus: CorpusId; split: Split }> = [
  { file: 'smp2020-ewect-usual_eval_labeled.jsonl', corpus: 'smp-general', split: 'dev' },
  { file: 'smp2020-ewect-virus_train.jsonl', corpus: 'smp-epidemic', split: 'train' },
  { file: 'smp2020-ewect-virus_eval_labeled.jsonl', corpus: 'smp-epidemic', split: 'dev' },
  { file: 'finfe-train_list.jsonl', corpus: 'finfe', split: 'train' },
  { file: 'finfe-eval_list.jsonl', corpus: 'finfe', split: 'dev' },
];

const SMP: Record<string, LabelMask> = {
  angry: maskOf('angry'),
  fear: maskOf('anxious'),
  sad: maskOf('sad'),
  happy: maskOf('positive'),
  neutral: maskOf('calm'),
  surprise: maskOf('calm', 'positive'),
};
const FINFE: Record<string, LabelMask> = {
  negative: NEGATIVE_MASK,
  neutral: maskOf('calm'),
  positive: maskOf('positive'),
};

export function labelMask(corpus: CorpusId, label: string): LabelMask {
  const m = (corpus === 'finfe' ? FINFE : SMP)[label];
  if (m === undefined) throw new Error(`unknown ${corpus} label "${label}"`);
  return m;
}

/** Whether the corpus label is negative (SMP angry/sad/fear, FinFE negative). */
export const isNegativeLabel = (label: string) => ['angry', 'sad', 'fear', 'negative'].includes(label);
/** The escalation target on SMP: angry or fear (a client's anger or anxiety). */
export const isEscalationLabel = (label: string) => label === 'angry' || label === 'fear';

export function readCorpora(dir = DEFAULT_CORPORA_DIR): CorpusText[] {
  if (!existsSync(dir)) throw new Error(`corpora not found at ${dir} (expected the files listed in corpora.ts)`);
  const out: CorpusText[] = [];
  for (const { file, corpus, split } of CORPUS_FILES) {
    const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let row: { text?: unknown; label?: unknown };
      try {
        row = JSON.parse(line) as typeof row;
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON`);
      }
      if (typeof row.text !== 'string' || typeof row.label !== 'string')
        throw new Error(`${file}:${i + 1}: needs text and label`);
      out.push({ text: row.text, label: row.label, labels: labelMask(corpus, row.label), corpus, split });
    });
  }
  return out;
}

/**
 * A seeded half of every dev split, stratified by label: `tune` joins training (and the
 * cross-validated calibration), `report` is never trained or tuned on and gives the dev
 * figures `npm run train` and `npm run eval` print.
 */
export function devHalves(texts: readonly CorpusText[], seed = 20261204): { tune: CorpusText[]; report: CorpusText[] } {
  const tune: CorpusText[] = [];
  const report: CorpusText[] = [];
  const groups = new Map<string, CorpusText[]>();
  for (const t of texts) {
    if (t.split !== 'dev') continue;
    const key = `${t.corpus}/${t.label}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const rand = seededRandom(seed);
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    for (let i = g.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [g[i], g[j]] = [g[j]!, g[i]!];
    }
    const half = Math.floor(g.length / 2);
    tune.push(...g.slice(0, half));
    report.push(...g.slice(half));
  }
  return { tune, report };
}
