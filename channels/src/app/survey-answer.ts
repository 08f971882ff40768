import { z } from 'zod';
import {
  CLIENT_EVENTS,
  MAX_SURVEY_COMMENT,
  pendingSurvey,
  answerSurvey,
  toSurveyEvent,
  UserError,
  type Services,
  type SurveyDoc,
} from '@brokerbot/shared';

/*
 * The trading app's side of the satisfaction survey: the `survey` event again for a screen that
 * connects while one is pending, and `survey:answer` { surveyId, score, comment? }.
 */

type Ack = (response: Record<string, unknown>) => void;

/** The parts of a connected /client socket this needs (kept loose: the namespace types its own socket). */
interface SurveySocket {
  emit(event: typeof CLIENT_EVENTS.survey, payload: ReturnType<typeof toSurveyEvent>): unknown;
  on(event: 'survey:answer', listener: (...args: unknown[]) => void): unknown;
}

export const surveyAnswerSchema = z.object({
  surveyId: z.string().regex(/^[0-9a-f]{24}$/, '评价编号无效'),
  score: z.number().int('评分须为 1–5 的整数').min(1, '评分须为 1–5').max(5, '评分须为 1–5'),
  comment: z.string().max(MAX_SURVEY_COMMENT, `意见不能超过 ${MAX_SURVEY_COMMENT} 字`).optional(),
});

/** A screen that connects while a survey waits shows it (the `survey` event emitted at close reached only open screens). */
export async function offerPendingSurvey(
  socket: SurveySocket,
  services: Pick<Services, 'db'>,
  conversationId: string,
): Promise<void> {
  const survey = await pendingSurvey(services.db, conversationId);
  if (survey) socket.emit(CLIENT_EVENTS.survey, toSurveyEvent(survey));
}

/**
 * Registers `survey:answer`: the client's score (1–5) and comment for a survey of their own
 * conversation, stored once. Errors: `invalid_request`, `survey_not_found`, `survey_expired`,
 * `already_answered`.
 */
export function handleSurveyAnswers(
  socket: SurveySocket,
  services: Pick<Services, 'db' | 'logger' | 'queues'>,
  conversationId: () => Promise<string>,
): void {
  socket.on('survey:answer', async (...args: unknown[]) => {
    const last = args.at(-1);
    const reply: Ack = typeof last === 'function' ? (last as Ack) : () => undefined;
    const parsed = surveyAnswerSchema.safeParse(typeof last === 'function' && args.length === 1 ? undefined : args[0]);
    if (!parsed.success) {
      reply({ ok: false, error: 'invalid_request', message: parsed.error.issues.map((i) => i.message).join('; ') });
      return;
    }
    try {
      const survey = (await services.db.Survey.findOne({
        _id: parsed.data.surveyId,
        conversationId: await conversationId(),
      }).lean()) as SurveyDoc | null;
      if (!survey) throw new UserError('survey_not_found', '没有找到这次评价');
      await answerSurvey(services, survey, { score: parsed.data.score, comment: parsed.data.comment ?? '' });
      reply({ ok: true });
    } catch (err) {
      if (err instanceof UserError) reply({ ok: false, error: err.code, message: err.message });
      else {
        services.logger.error({ err }, 'survey answer not stored');
        reply({ ok: false, error: 'unavailable', message: '评价暂未提交，请稍后重试' });
      }
    }
  });
}
