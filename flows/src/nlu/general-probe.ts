import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EMOTIONS, isNegativeEmotion, type Emotion } from './labels';
import { classificationReport, type ClassificationReport } from './metrics';
import { GENERAL_PROBE_PATH } from './paths';

/**
 * The general-domain probe (flows/eval/probe-general.jsonl): hand-written sentences in the
 * style of public Chinese sentiment corpora (shopping/hotel/takeaway reviews, weibo posts,
 * news comments), never trained on. `dev` may be inspected sentence by sentence while
 * improving the lexicon; `locked` is only ever scored as a whole, to estimate how the
 * changes carry over to text nobody tuned against.
 */
export const PROBE_SPLITS = ['dev', 'locked'] as const;
export type ProbeSplit = (typeof PROBE_SPLITS)[number];

const itemSchema = z
  .object({
    text: z.string().min(1),
    emotion: z.enum(EMOTIONS),
    negative: z.boolean(),
    domain: z.string().min(1),
    split: z.enum(PROBE_SPLITS),
    note: z.string().min(1).optional(),
  })
  .strict();
export type GeneralProbeItem = z.infer<typeof itemSchema>;

export function loadGeneralProbe(split?: ProbeSplit, file = GENERAL_PROBE_PATH): GeneralProbeItem[] {
  const items = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const parsed = itemSchema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${path.basename(file)}:${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
  return split ? items.filter((x) => x.split === split) : items;
}

export interface ProbePrediction {
  emotion: Emotion;
  negative: boolean;
}

export interface ProbeScore {
  emotion: ClassificationReport;
  /** Binary negative vs not, from the `negative` field (not from the emotion). */
  negative: ClassificationReport;
  headline: { n: number; emotionMacroF1: number; emotionAccuracy: number; negativeF1: number; negativeAccuracy: number };
  errors: Array<{ item: GeneralProbeItem; predicted: ProbePrediction }>;
}

const polarity = (negative: boolean) => (negative ? 'negative' : 'not_negative');

export function scoreGeneralProbe(items: readonly GeneralProbeItem[], predict: (text: string) => ProbePrediction): ProbeScore {
  const predicted = items.map((x) => predict(x.text));
  const emotion = classificationReport(
    items.map((x) => x.emotion),
    predicted.map((p) => p.emotion),
    EMOTIONS,
  );
  const negative = classificationReport(
    items.map((x) => polarity(x.negative)),
    predicted.map((p) => polarity(p.negative)),
    ['negative', 'not_negative'],
  );
  return {
    emotion,
    negative,
    headline: {
      n: items.length,
      emotionMacroF1: emotion.macroF1,
      emotionAccuracy: emotion.accuracy,
      negativeF1: negative.perClass.negative?.f1 ?? 0,
      negativeAccuracy: negative.accuracy,
    },
    errors: items.flatMap((item, i) => {
      const p = predicted[i]!;
      return p.emotion !== item.emotion || p.negative !== item.negative ? [{ item, predicted: p }] : [];
    }),
  };
}

/** Labels must agree with the CLI contract: negative ⇔ anxious | angry | sad. */
export function inconsistentLabels(items: readonly GeneralProbeItem[]): GeneralProbeItem[] {
  return items.filter((x) => x.negative !== isNegativeEmotion(x.emotion));
}
