import { randomUUID } from 'node:crypto';
import { notifyWhisper, type Services, type WhisperMessage } from '@brokerbot/shared';
import type { AdvisorClaims } from './advisor-token';
import { logConversation } from './conversation-log';
import { servedChat } from './transfer';

/**
 * A supervisor's whisper (悄悄话) to the advisor serving a chat: to the owner's and the
 * supervisor's consoles only. It is never stored as a message and never queued for delivery,
 * so no channel can carry it to the client; the conversation log keeps it for review.
 */
export async function whisperToAdvisor(
  deps: Pick<Services, 'db' | 'emitter'>,
  supervisor: AdvisorClaims,
  conversationId: string,
  text: string,
): Promise<WhisperMessage> {
  const conversation = await servedChat(deps, supervisor, conversationId);
  const whisper: WhisperMessage = {
    kind: 'whisper',
    id: `w${randomUUID().replace(/-/g, '')}`,
    conversationId,
    from: 'supervisor',
    authorName: supervisor.name,
    text,
    createdAt: new Date().toISOString(),
  };
  await logConversation(deps, conversationId, supervisor, 'whisper', { to: conversation.advisorId, text, id: whisper.id });
  notifyWhisper(deps.emitter, conversation.advisorId!, supervisor.sub, whisper);
  return whisper;
}
