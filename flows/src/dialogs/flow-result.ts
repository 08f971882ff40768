/** What a finished flow asks the bot to do next. */
export type FlowResult =
  | { outcome: 'done' }
  | { outcome: 'cancelled' }
  | { outcome: 'escalate'; reason: string; summary: string }
  | { outcome: 'appointment'; topic: string; preferredTime: string; contact: string };
