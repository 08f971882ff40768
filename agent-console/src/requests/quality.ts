import { z } from 'zod';
import {
  QUALITY_VERDICTS,
  UserError,
  visibleBranchFilter,
  type QualityItemResult,
  type QualityScoreDoc,
} from '@brokerbot/shared';
import type { AdvisorClaims } from '../advisor-token';
import { confirmationsOf, latestScore, newestScore, queueScoring, storeConfirmation, toResult } from '../quality/quality-records';
import { recordAudit } from '../records/audit-log';
import type { FeatureRequests, RequestContext } from './index';

/**
 * 智能质检 on /advisor: the latest automatic result of a conversation, a supervisor's confirmation
 * or override of an item, a re-score on request, and the branches the account may filter by.
 * Supervisors only, within their branch scope.
 */
const objectId = (what: string) => z.string().regex(/^[0-9a-f]{24}$/, `${what}无效`);

export const qualityRequestSchemas = {
  result: z.object({ conversationId: objectId('会话编号') }).strict(),
  confirm: z
    .object({
      conversationId: objectId('会话编号'),
      itemId: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, '质检项编号无效'),
      verdict: z.enum(QUALITY_VERDICTS, { errorMap: () => ({ message: '结论只能是 confirmed（确认）或 overridden（推翻）' }) }),
      note: z
        .string()
        .transform((s) => s.trim())
        .pipe(z.string().max(500, '备注不能超过 500 字'))
        .optional(),
    })
    .strict(),
  rescore: z.object({ conversationId: objectId('会话编号') }).strict(),
};

function requireSupervisor(user: AdvisorClaims): void {
  if (user.role !== 'supervisor') throw new UserError('not_a_supervisor', '只有督导可以查看和确认质检结果');
}

async function requireVisible(ctx: RequestContext, conversationId: string): Promise<void> {
  requireSupervisor(ctx.advisor);
  const found = await ctx.services.db.Conversation.findOne(
    { _id: conversationId, ...visibleBranchFilter(ctx.advisor) },
    { _id: 1 },
  ).lean();
  if (!found) throw new UserError('not_visible', '会话不存在，或不属于您可查看的营业部');
}

async function scored(ctx: RequestContext, conversationId: string): Promise<QualityScoreDoc> {
  const score = await latestScore(ctx.services.db, conversationId);
  if (!score) throw new UserError('not_scored', '该会话尚未完成智能质检');
  return score;
}

export const qualityRequests: FeatureRequests = (ctx) => {
  const { db, queues } = ctx.services;

  ctx.on('qa:result', qualityRequestSchemas.result, async ({ conversationId }) => {
    await requireVisible(ctx, conversationId);
    return { result: await toResult(db, await scored(ctx, conversationId)) };
  });

  ctx.on('qa:confirm', qualityRequestSchemas.confirm, async (input) => {
    await requireVisible(ctx, input.conversationId);
    const score = await scored(ctx, input.conversationId);
    const item = (score.items as QualityItemResult[]).find((i) => i.id === input.itemId);
    if (!item) throw new UserError('unknown_item', `质检结果中没有此项：${input.itemId}`);
    if (item.passed === null) throw new UserError('not_applicable', '该项不适用于此会话，无需确认');
    await storeConfirmation(db, score, item, { id: ctx.advisor.sub, name: ctx.advisor.name }, input.verdict, input.note ?? '');
    await recordAudit(
      db,
      ctx.advisor,
      'qa_confirm',
      { conversationId: input.conversationId, branchId: score.branchId ?? null },
      { itemId: input.itemId, verdict: input.verdict, note: input.note ?? '', scoreId: score._id.toString() },
    );
    const confirmations = await confirmationsOf(db, score._id.toString());
    return {
      confirmation: confirmations.find((c) => c.itemId === input.itemId && c.reviewerId === ctx.advisor.sub)!,
      confirmations,
    };
  });

  ctx.on('qa:rescore', qualityRequestSchemas.rescore, async ({ conversationId }) => {
    await requireVisible(ctx, conversationId);
    const scores = (await db.QualityScore.find(
      { conversationId },
      { handoffId: 1, closedAt: 1, scoredAt: 1, revision: 1 },
    ).lean()) as Pick<QualityScoreDoc, 'handoffId' | 'closedAt' | 'scoredAt' | 'revision'>[];
    let handoffId = newestScore(scores)?.handoffId;
    if (!handoffId) {
      const closed = (await db.Handoff.find({ conversationId }, { status: 1, closedAt: 1 }).lean()).filter(
        (h) => h.status === 'closed' && h.closedAt,
      );
      const last = closed.sort((a, b) => +new Date(b.closedAt!) - +new Date(a.closedAt!))[0];
      if (!last) throw new UserError('not_closed', '该会话还没有结束的人工服务，无法质检');
      handoffId = last._id.toString();
    }
    const revision = Math.max(-1, ...scores.filter((s) => s.handoffId === handoffId).map((s) => s.revision)) + 1;
    await queueScoring(queues, { conversationId, handoffId, revision });
    return { queued: true, revision };
  });

  ctx.on('qa:branches', null, async () => {
    requireSupervisor(ctx.advisor);
    const filter = ctx.advisor.allBranches ? {} : { _id: ctx.advisor.branchId };
    const branches = await db.Branch.find(filter, { name: 1 }).sort({ _id: 1 }).lean();
    return { items: branches.map((b) => ({ id: String(b._id), name: b.name })) };
  });
};
