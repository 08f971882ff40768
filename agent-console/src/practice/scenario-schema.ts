import { z } from 'zod';

/**
 * A practice scenario (智能陪练): who the simulated client is, what they write first, how they
 * react to the advisor and when the practice ends. One JSON file per scenario under
 * agent-console/data/practice/scenarios/ (or PRACTICE_SCENARIOS_DIR), validated at load; a
 * supervisor may also turn a real conversation into one (stored in the database, see
 * from-conversation.ts). The rules of simulated-client.ts read exactly these fields.
 */
export const MOOD_EMOTIONS = ['anxious', 'angry', 'sad'] as const;

const line = z.string().trim().min(1, 'must not be empty').max(300, 'at most 300 characters');
/** Variants of one kind of line; the client uses them in turn. */
const lines = z.array(line).min(1, 'needs at least one line');
const terms = z.array(z.string().trim().min(1)).default([]);

export const scenarioSchema = z
  .object({
    /** Stable id (the file's scenarios are referred to by it). */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'use 2–64 lower-case letters, digits and - (start with a letter or digit)'),
    /** Chinese, shown in the scenario list. */
    title: z.string().trim().min(2).max(60),
    persona: z
      .object({
        /** How the client is addressed (e.g. 刘先生); never a real client's name. */
        name: z.string().trim().min(1).max(20),
        tier: z.enum(['standard', 'gold', 'vip']).default('standard'),
        /** Who they are and what happened, for the advisor's briefing and the LLM (Chinese). */
        background: z.string().trim().min(4).max(500),
        /** The emotion the client shows while upset (the console's insight line). */
        emotion: z.enum(MOOD_EMOTIONS),
      })
      .strict(),
    /** The client's first message. */
    opening: line,
    /** Words that show the advisor is talking about the client's matter (not ignoring it). */
    topicTerms: z.array(z.string().trim().min(1)).min(1, 'needs at least one term'),
    /** Added to the built-in acknowledgement / next-step cues (see simulated-client.ts). */
    acknowledgementTerms: terms,
    nextStepTerms: terms,
    mood: z
      .object({
        /** Upset level at the start: 0 calm … `escalateAt` gone (complaint, leaves). */
        start: z.number().int().min(0).max(9),
        /** Reaching this level ends the practice as escalated. */
        escalateAt: z.number().int().min(2).max(10),
        /** From this level the client needs an acknowledgement before any procedure. */
        needsAcknowledgementFrom: z.number().int().min(1).max(10).default(2),
        /** At or below this level the client counts as calm. */
        calmAt: z.number().int().min(0).max(9).default(1),
      })
      .strict(),
    end: z
      .object({
        /** The practice ends as calmed after this many well-handled turns in a row with the client calm. */
        calmTurns: z.number().int().min(1).max(10).default(2),
        /** The practice ends after this many advisor turns whatever happened. */
        maxTurns: z.number().int().min(2).max(40).default(10),
      })
      .strict(),
    /** What the client writes after each kind of advisor turn (see ReactionKind). */
    lines: z
      .object({
        /** Acknowledged and given concrete next steps, not yet calm. */
        calming: lines,
        /** Acknowledged and given next steps, now calm: a follow-up question or thanks. */
        calm: lines,
        /** Acknowledged, but no next step. */
        acknowledgedOnly: lines,
        /** A procedure while upset, without any acknowledgement. */
        procedureOnly: lines,
        /** Nothing about the client's matter, or no answer at all. */
        ignored: lines,
        /** Investment advice, a price prediction or promised returns (the compliance guardrails). */
        forbidden: lines,
        /** Improper language. */
        rude: lines,
        /** About the matter, but neither empathy nor a concrete step. */
        vague: lines,
        /** The last message when the practice ends calmed. */
        endCalmed: lines,
        /** The last message when the practice ends escalated. */
        endEscalated: lines,
        /** The last message when the turns run out. */
        endMaxTurns: lines,
      })
      .strict(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mood.start >= s.mood.escalateAt)
      ctx.addIssue({ code: 'custom', path: ['mood', 'start'], message: 'must be below mood.escalateAt' });
    if (s.mood.calmAt >= s.mood.escalateAt)
      ctx.addIssue({ code: 'custom', path: ['mood', 'calmAt'], message: 'must be below mood.escalateAt' });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
/** A scenario as written in a file (defaults not yet applied). */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Validation problems of a scenario, one line each ("mood.start: must be below mood.escalateAt"). */
export function scenarioProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
