import {
  parseSurveyReply,
  answerSurvey,
  sendToClient,
  SURVEY_THANKS,
  UserError,
  type ConversationDoc,
  type MessageDoc,
  type Services,
  type SurveyDoc,
} from '@brokerbot/shared';

type Deps = Pick<Services, 'db' | 'seq' | 'queues'>;

/** The id of the thanks for a survey's answer: one per survey, so a redelivered answer is thanked once. */
export const surveyThanksId = (surveyId: string) => `st${surveyId}`;

/**
 * WeCom and the mini-program have no survey buttons: while a satisfaction survey waits (the chat
 * is back with the bot), the client's next text is read as the answer — a score with an optional
 * comment, or a tapped msgmenu option — stored once, thanked, and not passed to the bot (true).
 * Anything else dismisses the survey (stored as an answer without a score) and goes to the bot
 * as usual (false), so later numbers mean what the bot asked. A redelivered answer is recognised
 * by its message id.
 */
export async function takeSurveyReply(
  deps: Deps,
  conversation: ConversationDoc,
  message: MessageDoc,
  menuId: string | null,
): Promise<boolean> {
  if (conversation.state !== 'bot') return false;
  const survey = await latestOpenOrAnsweredBy(deps, conversation._id.toString(), message.channelMessageId);
  if (!survey) return false;
  if (survey.answeredByThis) {
    await finish(deps, conversation, message, survey.doc);
    return true;
  }
  const reply = parseSurveyReply(message.text, menuId);
  try {
    await answerSurvey(deps, survey.doc, {
      score: reply?.score ?? null,
      comment: reply?.comment ?? '',
      messageId: message.channelMessageId,
    });
  } catch (err) {
    // Answered or expired a moment ago: this message is an ordinary one.
    if (err instanceof UserError) return false;
    throw err;
  }
  if (!reply) return false;
  await finish(deps, conversation, message, survey.doc);
  return true;
}

/** The survey this message answers: the pending one, or the one a first delivery of this same message answered. */
async function latestOpenOrAnsweredBy(
  deps: Deps,
  conversationId: string,
  messageId: string,
): Promise<{ doc: SurveyDoc; answeredByThis: boolean } | null> {
  const latest = (await deps.db.Survey.findOne({ conversationId }).sort({ at: -1 }).lean()) as SurveyDoc | null;
  if (!latest) return null;
  const answer = await deps.db.SurveyAnswer.findOne({ surveyId: latest._id.toString() }).lean();
  if (answer) return answer.messageId === messageId && answer.score !== null ? { doc: latest, answeredByThis: true } : null;
  return new Date(latest.expiresAt).getTime() > Date.now() ? { doc: latest, answeredByThis: false } : null;
}

/** The answer's message is handled (no bot turn) and the client is thanked. */
async function finish(deps: Deps, conversation: ConversationDoc, message: MessageDoc, survey: SurveyDoc): Promise<void> {
  const surveyId = survey._id.toString();
  await deps.db.Message.updateOne(
    { _id: message._id, status: 'received' },
    { $set: { status: 'handled', meta: { ...((message.meta as Record<string, unknown> | null) ?? {}), survey: { surveyId } } } },
  );
  await sendToClient(deps, conversation, { id: surveyThanksId(surveyId), author: { kind: 'system' }, text: SURVEY_THANKS });
}
