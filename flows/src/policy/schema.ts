import { z } from 'zod';

const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'use HH:MM (24 h; 24:00 = end of day)');

/** The escalation policy file (flows/data/policy/escalation.json), validated on every load. */
export const policySchema = z.object({
  version: z.string().min(1),
  reviewedBy: z.string().min(1),
  note: z.string().optional(),
  explicitRequestTerms: z.array(z.string().min(1)),
  distressTerms: z.array(z.string().min(1)),
  complaintTerms: z.array(z.string().min(1)),
  highRiskIntents: z.array(z.string().min(1)),
  /** Intent-derived reasons (human_request, complaint, high-risk intents) need this confidence. */
  minIntentConfidence: z.number().min(0).max(1).default(0.5),
  emotionThresholds: z.object({
    anxious: z.number().min(0).max(1),
    angry: z.number().min(0).max(1),
    sad: z.number().min(0).max(1),
  }),
  /**
   * Thresholds for a message the bot answers: about the brokerage's services (the NLU's
   * P(in domain) ≥ 0.5) with a brokerage-topic intent (not small talk, human_request or
   * complaint; see policy/decide.ts isAnswerable). Anger or worry about a matter the bot answers
   * (fees, a transfer, a locked password) escalates by itself only at these — the higher of
   * these and emotionThresholds applies — and the trend rule still escalates if it goes on.
   * Chosen by `npm run train` on the own train split (out of fold) for a stated false-escalation
   * rate (calibration.answerable). Absent: emotionThresholds apply to every message.
   */
  answerableEmotionThresholds: z
    .object({ anxious: z.number().min(0).max(1), angry: z.number().min(0).max(1), sad: z.number().min(0).max(1) })
    .optional(),
  vipEmotionThresholdDiscount: z.number().min(0).max(0.5),
  trend: z.object({ threshold: z.number().min(0).max(1), minMessages: z.number().int().min(1) }),
  /** How emotionThresholds were chosen (written by `npm run train`): data and false-escalation rate. */
  calibration: z
    .object({ chosenOn: z.string().min(1), falseEscalationTarget: z.number().min(0).max(1) })
    .passthrough()
    .optional(),
  missesBeforeOfferingHuman: z.number().int().min(1),
  /** Told to clients in distress when no advisor may be reachable at once (the bot's holding answer). */
  hotline: z.string().min(1).default('400-000-0000（7×24小时）'),
  priorities: z.object({
    distress: z.number().int().min(1),
    vip: z.number().int().min(1),
    complaint: z.number().int().min(1),
    negative_emotion: z.number().int().min(1),
    normal: z.number().int().min(1),
  }),
  businessHours: z.object({
    timezone: z.string().min(1),
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    weekdays: z.array(z.number().int().min(1).max(7)),
    open: hhmm,
    close: hhmm,
    closedDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
  }),
});
export type EscalationPolicy = z.infer<typeof policySchema>;
