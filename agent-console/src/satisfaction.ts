import {
  isDuplicateKey,
  notifySatisfactionSurvey,
  sendToClient,
  surveyMenu,
  surveyText,
  toSurveyEvent,
  type ConversationDoc,
  type Services,
  type SurveyDoc,
} from '@brokerbot/shared';

type Deps = Pick<Services, 'db' | 'seq' | 'queues' | 'emitter' | 'config'>;

/** The id of the survey's text message (WeCom / mini-program): one per survey, so a retried close sends it once. */
export const surveyMessageId = (surveyId: string) => `sq${surveyId}`;

/**
 * After an advisor's chat closed, the client is asked once to rate it (1–5, optional comment):
 * the trading app gets a `survey` event (buttons; also again on reconnect while it is pending),
 * WeCom a msgmenu and the mini-program a numbered text (both a stored system message, so the
 * 48-hour budget counts it). The Survey insert is unique per handoff: a retried close asks once.
 * Nothing happens with SURVEY_EXPIRE_S=0.
 */
export async function askForSatisfaction(
  deps: Deps,
  conversation: ConversationDoc,
  handoffId: string,
  advisor: { id: string; name: string },
): Promise<SurveyDoc | null> {
  const expireS = deps.config.SURVEY_EXPIRE_S;
  if (expireS <= 0) return null;
  const now = new Date();
  let survey: SurveyDoc;
  const fields = {
    conversationId: conversation._id.toString(),
    handoffId,
    channel: conversation.channel,
    advisorId: advisor.id,
    advisorName: advisor.name,
    at: now,
    expiresAt: new Date(now.getTime() + expireS * 1000),
  };
  try {
    survey = (await deps.db.Survey.create(fields)).toObject() as SurveyDoc;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return null;
  }
  if (conversation.channel === 'app') {
    notifySatisfactionSurvey(deps.emitter, toSurveyEvent(survey));
  } else {
    await sendToClient(deps, conversation, {
      id: surveyMessageId(survey._id.toString()),
      author: { kind: 'system' },
      text: surveyText(),
      meta: { menu: surveyMenu(), survey: { surveyId: survey._id.toString() } },
    });
  }
  return survey;
}
