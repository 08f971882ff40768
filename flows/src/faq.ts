import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const faqFileSchema = z.object({
  note: z.string().optional(),
  entries: z
    .array(
      z.object({
        id: z.string().min(1),
        question: z.string().min(1),
        keywords: z.array(z.string().min(1)).min(1),
        answer: z.string().min(1),
      }),
    )
    .min(1),
});
export type FaqEntry = z.infer<typeof faqFileSchema>['entries'][number];

export interface FaqMatch {
  entry: FaqEntry;
  /** 0..1: share of the best keyword's length in the message, boosted by further hits. */
  confidence: number;
  matched: string[];
}

export const DEFAULT_FAQ_PATH = path.join(__dirname, '..', 'data', 'faq.json');

/** Keyword retrieval over the operator-editable FAQ file. */
export class FaqIndex {
  private constructor(readonly entries: FaqEntry[]) {}

  static fromFile(file = DEFAULT_FAQ_PATH): FaqIndex {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const parsed = faqFileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`FAQ file ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return new FaqIndex(parsed.data.entries);
  }

  match(text: string): FaqMatch | null {
    let best: FaqMatch | null = null;
    for (const entry of this.entries) {
      const matched = entry.keywords.filter((k) => text.includes(k));
      if (matched.length === 0) continue;
      const longest = Math.max(...matched.map((k) => k.length));
      const confidence = Math.min(1, 0.5 + (0.5 * longest) / Math.max(4, text.length) + 0.1 * (matched.length - 1));
      if (!best || confidence > best.confidence) best = { entry, confidence, matched };
    }
    return best;
  }
}
