/**
 * Events the WeCom / mini-program channels emit to a chat's advisor room
 * (rooms.advisorConversation), next to the console's own ADVISOR_EVENTS.
 */
export const CHANNEL_EVENTS = {
  /** BudgetEvent: what may still be sent to the client (48 h / 5 messages). */
  budget: 'channel:budget',
  /** DeliveryFailedEvent: a stored message could not be delivered; the chat:message with status "failed" follows too. */
  deliveryFailed: 'delivery:failed',
  /** { conversationId, messageId }: the client recalled a message (it stays in the transcript, marked). */
  recalled: 'chat:recalled',
  /** { conversationId, changeType, servicerUserId }: WeCom moved the kf session (native handoff mode). */
  session: 'channel:session',
} as const;

export interface BudgetEvent {
  conversationId: string;
  channel: 'wecom' | 'miniprogram';
  remaining: number;
  limit: number;
  windowEndsAt: string | null;
}

export interface DeliveryFailedEvent {
  conversationId: string;
  messageId: string;
  channel: string;
  /** Chinese, for the advisor. */
  reason: string;
  /** The platform's errcode or fail_type, when there is one. */
  code: number | null;
}
