import { z } from 'zod';

/**
 * Rolling emotional state of one conversation, stored on the conversation document as plain
 * JSON (toJSON / fromJSON). It keeps an exponentially weighted, bias-corrected average of the
 * client's negative intensity (0 for calm or positive messages), the current streak of
 * negative messages and the last few intensities. Rising distress — three or more negative
 * messages in a row at a moderate average, or three strictly rising ones — escalates before
 * any single message crosses the per-message thresholds.
 */
export const TREND_ALPHA = 0.5;
export const TREND_WINDOW = 5;
export const RISING_STREAK = 3;
export const RISING_LEVEL = 0.3;
export const RISING_SLOPE_LAST = 0.45;

const stateSchema = z.object({
  v: z.literal(1),
  sum: z.number().min(0),
  weight: z.number().min(0),
  streak: z.number().int().min(0),
  recent: z.array(z.number().min(0).max(1)).max(TREND_WINDOW),
  count: z.number().int().min(0),
});
export type EmotionTrendState = z.infer<typeof stateSchema>;

export interface TrendSnapshot {
  /** Weighted average negative intensity, 0..1. */
  level: number;
  streak: number;
  rising: boolean;
}

export class EmotionTrend {
  private state: EmotionTrendState;

  constructor(state?: EmotionTrendState) {
    this.state = state ? { ...state, recent: [...state.recent] } : { v: 1, sum: 0, weight: 0, streak: 0, recent: [], count: 0 };
  }

  /** Restores a stored trend; anything invalid (old format, corrupted) starts afresh. */
  static fromJSON(json: unknown): EmotionTrend {
    const parsed = stateSchema.safeParse(json);
    return new EmotionTrend(parsed.success ? parsed.data : undefined);
  }

  toJSON(): EmotionTrendState {
    return { ...this.state, recent: [...this.state.recent] };
  }

  get level(): number {
    return this.state.weight > 0 ? Math.round((this.state.sum / this.state.weight) * 100) / 100 : 0;
  }

  get streak(): number {
    return this.state.streak;
  }

  get count(): number {
    return this.state.count;
  }

  /** Records one client message: its negative intensity (0 when not negative). */
  observe(negativeIntensity: number): TrendSnapshot {
    const x = Math.min(1, Math.max(0, negativeIntensity));
    const s = this.state;
    s.sum = TREND_ALPHA * x + (1 - TREND_ALPHA) * s.sum;
    s.weight = TREND_ALPHA + (1 - TREND_ALPHA) * s.weight;
    s.streak = x > 0 ? s.streak + 1 : 0;
    s.recent = [...s.recent, x].slice(-TREND_WINDOW);
    s.count++;
    const level = this.level;
    const last3 = s.recent.slice(-3);
    const risingSlope =
      last3.length === 3 &&
      last3.every((v, i) => v > 0 && (i === 0 || v > (last3[i - 1] ?? 1))) &&
      (last3[2] ?? 0) >= RISING_SLOPE_LAST;
    const rising = x > 0 && ((s.streak >= RISING_STREAK && level >= RISING_LEVEL) || risingSlope);
    return { level, streak: s.streak, rising };
  }
}
