import type { ConversationDoc, InboundJob } from '@brokerbot/shared';

/** Keys under which the pipeline shares what it already loaded, so no step fetches twice. */
export const TURN = {
  job: Symbol('inboundJob'),
  conversation: Symbol('conversation'),
  /** Why the bot did what it did; stored with the inbound message. */
  decision: Symbol('decision'),
} as const;

export interface TurnDecision {
  action: 'answered' | 'fallback' | 'escalated' | 'relayed' | 'skipped';
  reasons: string[];
  intent?: string;
  confidence?: number;
}

export type { ConversationDoc, InboundJob };
