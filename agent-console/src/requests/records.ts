import { z } from 'zod';
import { UserError, visibleBranchFilter, type ConversationDoc } from '@brokerbot/shared';
import { auditListSchema, listAudit } from '../records/audit-log';
import { legalHoldSchema, setLegalHold } from '../records/legal-hold';
import { exportTranscript } from '../records/transcript-export';
import type { FeatureRequests } from './index';

/**
 * Records on /advisor (issue #10): the audit log, the printable export of a transcript, and legal
 * holds. Supervisors only, within their branch scope (agent-console/src/records).
 */
export const recordsRequestSchemas = {
  auditList: auditListSchema,
  export: z.object({ conversationId: z.string().regex(/^[0-9a-f]{24}$/, '会话编号无效') }).strict(),
  hold: legalHoldSchema,
};

export const recordsRequests: FeatureRequests = (ctx) => {
  const { db } = ctx.services;

  ctx.on('audit:list', recordsRequestSchemas.auditList, (q) => listAudit(db, ctx.advisor, q));

  ctx.on('transcripts:export', recordsRequestSchemas.export, ({ conversationId }) =>
    exportTranscript(ctx.services, ctx.advisor, conversationId),
  );

  ctx.on('transcripts:hold', recordsRequestSchemas.hold, async (input) => {
    if (ctx.advisor.role !== 'supervisor') throw new UserError('not_a_supervisor', '只有督导可以保全会话记录');
    const conversation = (await db.Conversation.findOne(
      { _id: input.conversationId, ...visibleBranchFilter(ctx.advisor) },
      { branchId: 1 },
    ).lean()) as Pick<ConversationDoc, 'branchId'> | null;
    if (!conversation) throw new UserError('not_visible', '会话不存在，或不属于您可查看的营业部');
    const legalHold = await setLegalHold(
      db,
      ctx.advisor,
      { conversationId: input.conversationId, branchId: conversation.branchId ?? null },
      input,
    );
    return { legalHold };
  });
};
