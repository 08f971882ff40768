/**
 * Conversation states and the transitions allowed between them.
 * bot → queued → human → (bot | closed); after_hours when nobody can take the chat. A chat
 * transferred by its advisor goes back to queued (human → queued); a supervisor taking it over
 * moves it human → human (a new owner).
 */
export const CONVERSATION_STATES = ['bot', 'queued', 'human', 'after_hours', 'closed'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

const ALLOWED: Record<ConversationState, readonly ConversationState[]> = {
  bot: ['queued', 'after_hours', 'closed'],
  queued: ['human', 'bot', 'after_hours', 'closed'],
  human: ['bot', 'closed', 'queued', 'human'],
  after_hours: ['bot', 'queued', 'human', 'closed'],
  closed: ['bot'],
};

export function canTransition(from: ConversationState, to: ConversationState): boolean {
  return ALLOWED[from].includes(to);
}

/** States in which a person (not the bot) is responsible for answering the client. */
export function isHumanOwned(state: ConversationState): boolean {
  return state === 'queued' || state === 'human';
}

export const CHANNELS = ['app', 'wecom', 'miniprogram'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CUSTOMER_TIERS = ['standard', 'gold', 'vip'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];
