import type { ConversationLogKind, Services } from '@brokerbot/shared';
import type { AdvisorClaims } from './advisor-token';

/** Records what a person did on a conversation (transfer, take-over, whisper, watch) for review. */
export async function logConversation(
  deps: Pick<Services, 'db'>,
  conversationId: string,
  who: Pick<AdvisorClaims, 'sub' | 'name'>,
  kind: ConversationLogKind,
  detail: Record<string, unknown>,
): Promise<void> {
  await deps.db.ConversationLog.create({
    conversationId,
    kind,
    by: `advisor:${who.sub}`,
    byName: who.name,
    detail,
    at: new Date(),
  });
}
