import { z } from 'zod';

/**
 * The inspection scorecard (agent-console/data/quality/scorecard.json, or QUALITY_SCORECARD_PATH),
 * validated on every load. Each item is one rule over a closed chat's transcript and the bot's
 * per-message insight; its `kind` picks the rule (see rules.ts) and carries that rule's settings.
 */
export const SEVERITIES = ['critical', 'major', 'minor'] as const;
export type Severity = (typeof SEVERITIES)[number];

const terms = z.array(z.string().min(1)).min(1, 'needs at least one term');
const label = z.string().min(1).max(40);

const base = {
  /** Stable id: confirmations and statistics are kept per item id. */
  id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'use lower-case letters, digits and _ (start with a letter)'),
  /** Chinese, shown to supervisors. */
  label,
  severity: z.enum(SEVERITIES),
  /** Share of the total; an item that does not apply to a chat is left out of it. */
  weight: z.number().min(0).max(100),
};

export const itemSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...base,
      kind: z.literal('risk_disclosure'),
      /** Topic label (两融 …) → terms that mean the topic was discussed, by the client or the advisor. */
      topics: z.record(z.string().min(1), terms),
      /** Terms of which one in an advisor's message counts as a risk disclosure. */
      disclosureTerms: terms,
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('guardrails'),
      /**
       * The bot's own guardrail families applied to the advisor's words (flows/src/compliance):
       * `advice` (individual security recommendations), `promise` (promised returns),
       * `prediction` (price predictions).
       */
      families: z.array(z.enum(['advice', 'promise', 'prediction'])).min(1),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('improper_language'),
      /**
       * Words to flag besides the console's own 不当用语 rule (agent-console/src/advisor-compliance.ts,
       * applied to what advisors write), e.g. a branch's own list. Default: none.
       */
      extraTerms: z.array(z.string().min(1)).default([]),
    })
    .strict(),
  z.object({ ...base, kind: z.literal('first_response'), withinSeconds: z.number().int().min(1).max(3600) }).strict(),
  z.object({ ...base, kind: z.literal('unanswered'), withinSeconds: z.number().int().min(1).max(86_400) }).strict(),
  z
    .object({
      ...base,
      kind: z.literal('empathy'),
      /** Emotions (the bot's insight) that call for an acknowledgement. */
      emotions: z.array(z.enum(['anxious', 'angry', 'sad'])).min(1),
      /** Intensity from which the emotion counts (0–1). */
      minIntensity: z.number().min(0).max(1).default(0),
      /** Terms of which one must be in the advisor's first answer after that message. */
      acknowledgementTerms: terms,
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('emotion_trend'),
      /** The end may be at most this much more negative than the start (0–1). */
      tolerance: z.number().min(0).max(1).default(0),
    })
    .strict(),
  z.object({ ...base, kind: z.literal('wrap_up') }).strict(),
  z
    .object({
      ...base,
      kind: z.literal('satisfaction'),
      /** Passed when the client's rating (1–5) is at least this; not applicable when none was given. */
      minScore: z.number().min(1).max(5),
    })
    .strict(),
  z
    .object({
      ...base,
      kind: z.literal('llm'),
      /** The yes/no question put to the model about the advisor's handling (Chinese). */
      question: z.string().min(4).max(300),
    })
    .strict(),
]);
export type ScorecardItem = z.infer<typeof itemSchema>;

export const scorecardSchema = z
  .object({
    /** Named in every score; raise it with every edit (a changed file under the same version is refused). */
    version: z.string().regex(/^[0-9A-Za-z._-]{1,40}$/, 'use 1–40 letters, digits, ., _ or -'),
    reviewedBy: z.string().min(1),
    note: z.string().optional(),
    items: z.array(itemSchema).min(1, 'needs at least one item'),
  })
  .strict()
  .superRefine((card, ctx) => {
    const seen = new Set<string>();
    card.items.forEach((item, i) => {
      if (seen.has(item.id))
        ctx.addIssue({ code: 'custom', path: ['items', i, 'id'], message: `duplicate item id "${item.id}"` });
      seen.add(item.id);
    });
    if (card.items.every((i) => i.weight === 0))
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'at least one item needs a weight above 0' });
  });
export type Scorecard = z.infer<typeof scorecardSchema>;
