import type { ConversationDoc, InboundJob } from '@brokerbot/shared';
import type { Understanding } from './understanding';

/** Keys under which the pipeline shares what it already loaded, so no step fetches twice. */
export const TURN = {
  job: Symbol('inboundJob'),
  conversation: Symbol('conversation'),
  /** Why the bot did what it did; stored with the inbound message. */
  decision: Symbol('decision'),
  /** What the channel stored with the message (message type, menu click, raw item …). */
  storedMeta: Symbol('storedMeta'),
  /** TurnInputs (memory, tier), read alongside the message so that they cost no extra round trip. */
  inputs: Symbol('turnInputs'),
  /** () => string: the id the turn's next reply will be stored under (a streamed draft carries it). */
  nextReplyId: Symbol('nextReplyId'),
  /** Map<reply id, MessageDoc>: the turn's replies as stored, handed to their delivery jobs. */
  storedReplies: Symbol('storedReplies'),
} as const;

export interface TurnDecision {
  action: 'answered' | 'clarified' | 'fallback' | 'flow' | 'refused_advice' | 'escalated' | 'after_hours' | 'relayed' | 'skipped';
  reasons: string[];
  intent?: string;
  confidence?: number;
  priority?: number;
  /** What the NLU made of the message (emotion, intensity, intent, trend), for review. */
  understanding?: Understanding;
}

export type { ConversationDoc, InboundJob };
