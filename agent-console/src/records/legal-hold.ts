import { z } from 'zod';
import { isDuplicateKey, UserError, type Db, type LegalHoldView } from '@brokerbot/shared';
import type { AdvisorClaims } from '../advisor-token';
import { recordAudit } from './audit-log';
import { recordsModels, type LegalHoldDoc, type LegalHoldKind } from './models';

/**
 * Legal holds (法律保全): a supervisor keeps a conversation past the retention period, e.g. for a
 * dispute or a regulator's inquiry. Stored as an insert-only log (see legalHoldSchema): the next
 * version wins by a unique-index insert, so two supervisors acting at once, or a supervisor and the
 * retention purge, never both succeed on a stale read (FerretDB's conditional updates are not atomic).
 */

const objectId = (what: string) => z.string().regex(/^[0-9a-f]{24}$/, `${what}无效`);

export const legalHoldSchema = z
  .object({
    conversationId: objectId('会话编号'),
    hold: z.boolean({ required_error: '请说明是保全还是解除保全', invalid_type_error: 'hold 必须是 true 或 false' }),
    reason: z
      .string({ required_error: '请填写保全或解除的原因' })
      .transform((s) => s.trim())
      .pipe(z.string().min(2, '请填写保全或解除的原因（至少 2 个字）').max(200, '原因不能超过 200 字')),
  })
  .strict();

/** The latest entry of a conversation's hold log, or null when it has none. */
export async function latestHoldEntry(db: Pick<Db, 'connection'>, conversationId: string): Promise<LegalHoldDoc | null> {
  const [latest] = (await recordsModels(db)
    .LegalHold.find({ conversationId })
    .sort({ version: -1 })
    .limit(1)
    .lean()) as LegalHoldDoc[];
  return latest ?? null;
}

export function toHoldView(latest: LegalHoldDoc | null): LegalHoldView {
  if (!latest || latest.kind !== 'hold') {
    return {
      held: false,
      reason: latest?.reason ?? '',
      byName: latest?.byName ?? null,
      at: latest ? new Date(latest.at).toISOString() : null,
    };
  }
  return { held: true, reason: latest.reason ?? '', byName: latest.byName ?? null, at: new Date(latest.at).toISOString() };
}

export async function holdStatus(db: Pick<Db, 'connection'>, conversationId: string): Promise<LegalHoldView> {
  return toHoldView(await latestHoldEntry(db, conversationId));
}

/**
 * Appends the next entry of the hold log. Resolves with the stored entry, or null when another
 * writer took that version first (the caller reads again).
 */
export async function appendHoldEntry(
  db: Pick<Db, 'connection'>,
  after: LegalHoldDoc | null,
  entry: Omit<LegalHoldDoc, 'version' | 'at'>,
): Promise<LegalHoldDoc | null> {
  const doc: LegalHoldDoc = { ...entry, version: (after?.version ?? 0) + 1, at: new Date() } as LegalHoldDoc;
  try {
    await recordsModels(db).LegalHold.create(doc);
    return doc;
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
}

/** Places or lifts a hold on a visible conversation (supervisors); audited as `legal_hold`. */
export async function setLegalHold(
  db: Db,
  user: AdvisorClaims,
  conversation: { conversationId: string; branchId: string | null },
  input: { hold: boolean; reason: string },
): Promise<LegalHoldView> {
  await recordsModels(db).ready;
  for (let attempt = 0; attempt < 3; attempt++) {
    const latest = await latestHoldEntry(db, conversation.conversationId);
    if (latest?.kind === 'purge') throw new UserError('purged', '该会话已超过保存期限，正在清除，无法保全');
    const held = latest?.kind === 'hold';
    if (held === input.hold) {
      throw new UserError(input.hold ? 'already_held' : 'not_held', input.hold ? '该会话已在保全中' : '该会话未被保全');
    }
    const kind: LegalHoldKind = input.hold ? 'hold' : 'release';
    const stored = await appendHoldEntry(db, latest, {
      conversationId: conversation.conversationId,
      kind,
      reason: input.reason,
      byId: user.sub,
      byName: user.name,
      branchId: conversation.branchId,
    });
    if (!stored) continue;
    await recordAudit(db, user, 'legal_hold', conversation, { hold: input.hold, reason: input.reason });
    return toHoldView(stored);
  }
  throw new UserError('conflict', '其他人正在修改该会话的保全状态，请刷新后重试');
}
