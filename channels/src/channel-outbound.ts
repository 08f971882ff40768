import { createHash } from 'node:crypto';
import { sendToClient, type ConversationDoc, type MessageDoc, type Services } from '@brokerbot/shared';

/**
 * An id derived from what caused the message (a welcome_code, the client's message id), so that
 * handling the same event twice stores and sends one message. 32 characters of [0-9a-z]: a valid
 * WeCom msgid, as every outbound id must be.
 */
export function derivedMessageId(kind: 'w' | 'n' | 'k', cause: string): string {
  return `${kind}${createHash('sha256').update(cause).digest('hex').slice(0, 31)}`;
}

/**
 * A message the channel itself sends (welcome, "I read text only"): stored like the bot's
 * replies, then delivered by the outbound worker like any other message.
 */
export function sendFromChannel(
  services: Pick<Services, 'db' | 'seq' | 'queues'>,
  conversation: ConversationDoc,
  message: { id: string; text: string; meta?: Record<string, unknown> },
): Promise<MessageDoc> {
  return sendToClient(services, conversation, { ...message, author: { kind: 'bot', name: '智能助手' } });
}
