/**
 * What the rules read: one closed chat's transcript, with the bot's insight on client messages,
 * and the facts of its human part. Built from the stored records by load-input.ts; hand-built
 * in the unit tests.
 */
export type Speaker = 'client' | 'bot' | 'advisor' | 'system';

export interface ScoredMessage {
  id: string;
  seq: number;
  from: Speaker;
  text: string;
  /** Epoch milliseconds. */
  at: number;
  /** The bot's reading of a client message (emotion 0–1 intensity), when it has one. */
  insight?: { emotion: string | null; intensity: number | null } | null;
}

export interface ScoringInput {
  messages: ScoredMessage[];
  /** When the advisor accepted the chat (epoch ms), null when no person took it. */
  acceptedAt: number | null;
  /** When the human part ended (epoch ms). */
  closedAt: number | null;
  /** The advisor's wrap-up (服务小结), when one was recorded. */
  wrapUp: unknown;
  /** The client's rating 1–5, when given. */
  satisfaction: number | null;
}

export interface Evidence {
  messageId: string;
  quote: string;
}

/** One item's outcome. `passed: null` = the item does not apply to this chat (left out of the total). */
export interface RuleOutcome {
  passed: boolean | null;
  evidence: Evidence[];
  /** Why, in Chinese, for the supervisor. */
  detail: string;
}
