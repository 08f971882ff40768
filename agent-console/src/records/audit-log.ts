import { z } from 'zod';
import { UserError, type AuditAction, type AuditEntryView, type Db } from '@brokerbot/shared';
import type { AdvisorClaims } from '../advisor-token';
import { recordsModels, type AuditEntryDoc } from './models';

/**
 * The audit log (审计记录): who opened, reviewed, exported, confirmed, watched, held or purged
 * which conversation's record. Insert-only; a failed audit write fails the request it records
 * (nothing is shown or exported unrecorded).
 */

export const AUDIT_PAGE_SIZE = 50;

const objectId = (what: string) => z.string().regex(/^[0-9a-f]{24}$/, `${what}无效`);
const CURSOR_RE = /^(\d{1,15})\.([0-9a-f]{24})$/;

export const auditListSchema = z
  .object({
    conversationId: objectId('会话编号').optional(),
    advisorId: objectId('顾问编号').optional(),
    before: z.string().regex(CURSOR_RE, '翻页位置无效').optional(),
  })
  .strict();
export type AuditListQuery = z.infer<typeof auditListSchema>;

type Actor = Pick<AdvisorClaims, 'sub' | 'name' | 'role'>;

/** Writes one entry for a person's action on a conversation of `branchId`. */
export async function recordAudit(
  db: Pick<Db, 'connection'>,
  actor: Actor,
  action: AuditAction,
  conversation: { conversationId: string; branchId: string | null | undefined },
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordsModels(db).AuditEntry.create({
    actorId: actor.sub,
    actorName: actor.name,
    role: actor.role,
    action,
    conversationId: conversation.conversationId,
    branchId: conversation.branchId ?? null,
    at: new Date(),
    details,
  });
}

export function toAuditView(e: AuditEntryDoc): AuditEntryView {
  return {
    id: e._id.toString(),
    actorId: e.actorId ?? null,
    actorName: e.actorName,
    role: e.role,
    action: e.action,
    conversationId: e.conversationId,
    branchId: e.branchId ?? null,
    at: new Date(e.at).toISOString(),
    details: (e.details as Record<string, unknown> | null) ?? {},
  };
}

/**
 * Entries newest first, AUDIT_PAGE_SIZE at a time, for supervisors: a branch supervisor sees the
 * entries of their branch only, head office every branch. The filter pushed down is one equality
 * (conversationId, actorId or branchId: each has a lookup index); the rest is applied here.
 */
export async function listAudit(
  db: Pick<Db, 'connection'>,
  user: AdvisorClaims,
  q: AuditListQuery,
): Promise<{ items: AuditEntryView[]; next: string | null }> {
  if (user.role !== 'supervisor') throw new UserError('not_a_supervisor', '只有督导可以查看审计记录');
  const { AuditEntry } = recordsModels(db);
  const filter: Record<string, unknown> = {};
  if (q.conversationId) filter.conversationId = q.conversationId;
  if (q.advisorId) filter.actorId = q.advisorId;
  if (!user.allBranches) filter.branchId = user.branchId;
  if (q.before) {
    const [, ms, id] = CURSOR_RE.exec(q.before)!;
    const at = new Date(Number(ms));
    filter.$or = [{ at: { $lt: at } }, { at, _id: { $lt: id } }];
  }
  const docs = (await AuditEntry.find(filter)
    .sort({ at: -1, _id: -1 })
    .limit(AUDIT_PAGE_SIZE + 1)
    .lean()) as AuditEntryDoc[];
  const page = docs.slice(0, AUDIT_PAGE_SIZE);
  const last = page.at(-1);
  const next = docs.length > AUDIT_PAGE_SIZE && last ? `${new Date(last.at).getTime()}.${last._id.toString()}` : null;
  return { items: page.map(toAuditView), next };
}
