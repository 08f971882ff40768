import { seesBranch, UserError, type ConversationDoc, type Services } from '@brokerbot/shared';
import type { AdvisorClaims } from './advisor-token';
import { logConversation } from './conversation-log';
import { recordAudit } from './records/audit-log';

/**
 * Whether this user may 静默监听 (watch) a chat: the advisor who owns it always; supervisors for
 * the branches they see; other advisors only when their branch grants it (Branch.advisorsMayWatch).
 */
export function mayWatch(
  user: AdvisorClaims,
  conversation: Pick<ConversationDoc, 'advisorId' | 'branchId'>,
  branchGrantsAdvisors: boolean,
): boolean {
  if (conversation.advisorId === user.sub) return true;
  if (!seesBranch(user, conversation.branchId)) return false;
  return user.role === 'supervisor' || branchGrantsAdvisors;
}

/** Checks the right to watch, and logs the watch (not the owner opening their own chat). */
export async function authorizeWatch(deps: Pick<Services, 'db'>, user: AdvisorClaims, conversationId: string): Promise<void> {
  const conversation = (await deps.db.Conversation.findById(conversationId, { advisorId: 1, branchId: 1 }).lean()) as Pick<
    ConversationDoc,
    'advisorId' | 'branchId'
  > | null;
  if (!conversation) throw new UserError('not_visible', '您无权查看这个会话');
  const grants =
    user.role === 'advisor' && conversation.advisorId !== user.sub
      ? ((await deps.db.Branch.findById(user.branchId, { advisorsMayWatch: 1 }).lean())?.advisorsMayWatch ?? false)
      : false;
  if (!mayWatch(user, conversation, grants)) {
    throw new UserError(
      seesBranch(user, conversation.branchId) ? 'forbidden' : 'not_visible',
      seesBranch(user, conversation.branchId) ? '静默监听是督导的权限，本营业部未向顾问开放' : '您无权查看这个会话',
    );
  }
  if (conversation.advisorId !== user.sub) {
    // The conversation's own log shows the watch beside the chat; the audit log answers "who saw which records".
    await logConversation(deps, conversationId, user, 'watch', { advisorId: conversation.advisorId ?? null });
    const watched = { conversationId, branchId: conversation.branchId };
    await recordAudit(deps.db, user, 'watch', watched, { advisorId: conversation.advisorId ?? null });
  }
}
