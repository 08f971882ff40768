import { z } from 'zod';
import {
  CANNED_REPLY_SCOPES,
  seesBranch,
  UserError,
  type CannedReplyDoc,
  type CannedReplyView,
  type Services,
} from '@brokerbot/shared';
import { checkAdvisorText, ruleLabels } from './advisor-compliance';
import type { AdvisorClaims } from './advisor-token';

/*
 * Canned replies (快捷回复): global ones for everyone, branch ones for a branch. Advisors list
 * them; supervisors write them (a branch supervisor their branch's, a head-office supervisor
 * also global ones and any branch's). Every saved text passes the compliance check.
 */

type Deps = Pick<Services, 'db'>;

/** The variables the console fills before sending; any other {…} in a text is refused. */
export const CANNED_VARIABLES = ['客户称呼', '顾问姓名'] as const;

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'invalid id');
const trimmed = (max: number, empty: string, long: string) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, empty).max(max, long));

export const cannedRequests = {
  list: z.object({ q: z.string().max(50).optional() }),
  save: z.object({
    id: objectId.optional(),
    keyword: trimmed(20, '关键词不能为空', '关键词不能超过 20 字').pipe(z.string().regex(/^[^\s/]+$/, '关键词不能包含空格或 /')),
    text: trimmed(1000, '回复内容不能为空', '回复内容不能超过 1000 字'),
    scope: z.enum(CANNED_REPLY_SCOPES),
    branchId: z.string().min(1).max(20).optional(),
  }),
  delete: z.object({ id: objectId }),
};

export function toCannedView(doc: CannedReplyDoc): CannedReplyView {
  return {
    id: doc._id.toString(),
    keyword: doc.keyword,
    text: doc.text,
    scope: doc.scope,
    ...(doc.scope === 'branch' && doc.branchId ? { branchId: doc.branchId } : {}),
    updatedAt: new Date((doc as { updatedAt?: Date }).updatedAt ?? Date.now()).toISOString(),
  };
}

/** Global replies, then the caller's branch's (every branch's for accounts that see all), keyword or text matching `q`. */
export async function listCanned(deps: Deps, user: AdvisorClaims, q?: string): Promise<CannedReplyView[]> {
  const [global, branch] = await Promise.all([
    deps.db.CannedReply.find({ scope: 'global' }).lean(),
    deps.db.CannedReply.find(user.allBranches ? { scope: 'branch' } : { scope: 'branch', branchId: user.branchId }).lean(),
  ]);
  const needle = q?.trim().toLowerCase() ?? '';
  return ([...global, ...branch] as CannedReplyDoc[])
    .filter((d) => !needle || d.keyword.toLowerCase().includes(needle) || d.text.toLowerCase().includes(needle))
    .sort((a, b) => (a.scope === b.scope ? a.keyword.localeCompare(b.keyword, 'zh') : a.scope === 'branch' ? -1 : 1))
    .map(toCannedView);
}

function requireSupervisor(user: AdvisorClaims): void {
  if (user.role !== 'supervisor') throw new UserError('forbidden', '只有督导可以维护快捷回复');
}

/** Whether this supervisor may write a reply of this scope and branch. */
function mayManage(user: AdvisorClaims, scope: string, branchId: string | null | undefined): boolean {
  return scope === 'global' ? user.allBranches : seesBranch(user, branchId);
}

/** `compliance_violation` (naming the rules) or `unknown_variable` when the text may not be offered to advisors. */
export function checkCannedText(text: string): void {
  const rules = checkAdvisorText(text);
  if (rules.length > 0) {
    throw new UserError('compliance_violation', `快捷回复未保存：内容违反合规要求（${ruleLabels(rules)}），请修改后再保存`, {
      rules,
    });
  }
  const unknown = [...text.matchAll(/\{([^{}]*)\}/g)]
    .map((m) => m[1]!)
    .filter((v) => !(CANNED_VARIABLES as readonly string[]).includes(v));
  if (unknown.length > 0) {
    throw new UserError(
      'unknown_variable',
      `快捷回复未保存：不认识的变量 {${unknown[0]}}，可用的变量有 ${CANNED_VARIABLES.map((v) => `{${v}}`).join(' ')}`,
    );
  }
}

/** Adds or changes a canned reply (supervisors). */
export async function saveCanned(
  deps: Deps,
  user: AdvisorClaims,
  input: z.infer<typeof cannedRequests.save>,
): Promise<CannedReplyView> {
  requireSupervisor(user);
  const branchId = input.scope === 'branch' ? (input.branchId ?? user.branchId) : null;
  if (!mayManage(user, input.scope, branchId)) {
    throw new UserError(
      'forbidden',
      input.scope === 'global' ? '只有可查看所有营业部的督导可以维护全局快捷回复' : '您不能维护其他营业部的快捷回复',
    );
  }
  if (branchId && !(await deps.db.Branch.exists({ _id: branchId })))
    throw new UserError('invalid_request', `没有营业部 ${branchId}`);
  checkCannedText(input.text);
  const clash = (await deps.db.CannedReply.find({
    keyword: input.keyword,
    scope: input.scope,
    branchId,
  }).lean()) as CannedReplyDoc[];
  if (clash.some((c) => c._id.toString() !== input.id)) {
    throw new UserError('keyword_taken', `关键词“${input.keyword}”已有快捷回复，请换一个或编辑原有的`);
  }
  const fields = { keyword: input.keyword, text: input.text, scope: input.scope, branchId, updatedBy: user.sub };
  if (!input.id) {
    const created = await deps.db.CannedReply.create(fields);
    return toCannedView(created.toObject() as CannedReplyDoc);
  }
  const existing = (await deps.db.CannedReply.findById(input.id).lean()) as CannedReplyDoc | null;
  if (!existing) throw new UserError('not_found', '这条快捷回复不存在或已删除');
  if (!mayManage(user, existing.scope, existing.branchId)) throw new UserError('forbidden', '您不能修改这条快捷回复');
  await deps.db.CannedReply.updateOne({ _id: input.id }, { $set: fields });
  const saved = (await deps.db.CannedReply.findById(input.id).lean()) as CannedReplyDoc;
  return toCannedView(saved);
}

/** Removes a canned reply (supervisors who may manage it). */
export async function deleteCanned(deps: Deps, user: AdvisorClaims, id: string): Promise<{ id: string }> {
  requireSupervisor(user);
  const existing = (await deps.db.CannedReply.findById(id).lean()) as CannedReplyDoc | null;
  if (!existing) throw new UserError('not_found', '这条快捷回复不存在或已删除');
  if (!mayManage(user, existing.scope, existing.branchId)) throw new UserError('forbidden', '您不能删除这条快捷回复');
  await deps.db.CannedReply.deleteOne({ _id: id });
  return { id };
}
