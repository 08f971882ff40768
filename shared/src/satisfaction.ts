import { isDuplicateKey } from './conversations';
import { countForDashboard } from './dashboard/dashboard-counter';
import { UserError } from './errors';
import type { Db } from './models/db';
import { findIn } from './models/find-in';
import type { SurveyAnswerDoc, SurveyDoc } from './models/schemas';
import type { Queues } from './queues';
import type { ClientSurveyEvent } from './realtime';
import type { MenuChoice } from './transcript';

/*
 * The satisfaction survey (满意度) put to a client once after an advisor's chat closed: the
 * question, its options, how a client's reply is read, and its records (one Survey per handoff,
 * one SurveyAnswer per survey — both unique inserts). The console's close asks; the channels take
 * the answers (app: `survey:answer`; WeCom / mini-program: the client's next message).
 */

export const SURVEY_QUESTION = '本次服务已结束，请您为顾问的服务打分：';

/** Best first, as the app's buttons and the numbered list show them. */
export const SURVEY_OPTIONS: readonly { score: number; label: string }[] = [
  { score: 5, label: '非常满意' },
  { score: 4, label: '满意' },
  { score: 3, label: '一般' },
  { score: 2, label: '不满意' },
  { score: 1, label: '非常不满意' },
];

export const SURVEY_THANKS = '感谢您的评价！您的意见会帮助我们改进服务。';

export const MAX_SURVEY_COMMENT = 500;

const MENU_ID = /^survey_([1-5])$/;

/**
 * The survey as a text message (WeCom 微信客服, mini-program): the numbered options, then how to
 * answer. WeCom turns the numbered lines into a msgmenu (see menuHead); the mini-program shows
 * the text as it is.
 */
export function surveyText(): string {
  return [SURVEY_QUESTION, ...SURVEY_OPTIONS.map((o) => `${o.score}. ${o.label}`), '（请回复序号，可在序号后附上您的意见）'].join(
    '\n',
  );
}

/** The options as a WeCom msgmenu (meta.menu of the stored survey message): a tap sends the label with menu_id `survey_<score>`. */
export function surveyMenu(): MenuChoice[] {
  return SURVEY_OPTIONS.map((o) => ({ id: `survey_${o.score}`, label: `${o.score} ${o.label}` }));
}

const FULL_WIDTH_DIGIT = /[０-９]/g;

/**
 * Reads a client's reply to the survey: a tapped option (menu_id `survey_<n>`), a score 1–5 with
 * an optional comment after it ("5", "４分 很耐心", "2、回复太慢"), or an option's label alone
 * ("非常满意"). Anything else is not an answer (null): the client moved on.
 */
export function parseSurveyReply(text: string, menuId?: string | null): { score: number; comment: string } | null {
  const tapped = menuId ? MENU_ID.exec(menuId) : null;
  if (tapped) return { score: Number(tapped[1]), comment: '' };
  const normalized = text.replace(FULL_WIDTH_DIGIT, (d) => String(d.charCodeAt(0) - 0xff10)).trim();
  const numbered = /^([1-5])(?![0-9]|[.．][0-9])\s*(?:分|星|颗星)?\s*[.、，,:：。\s-]*([\s\S]*)$/.exec(normalized);
  if (numbered) {
    const score = Number(numbered[1]);
    let comment = numbered[2]!.trim();
    const label = SURVEY_OPTIONS.find((o) => o.score === score)!.label;
    // A typed (or WeCom-tapped) "5 非常满意" carries the option's own label, not a comment.
    if (comment.startsWith(label)) comment = comment.slice(label.length).replace(/^[\s.、，,:：。-]+/, '');
    return { score, comment: comment.slice(0, MAX_SURVEY_COMMENT) };
  }
  const byLabel = SURVEY_OPTIONS.find((o) => normalized === o.label);
  return byLabel ? { score: byLabel.score, comment: '' } : null;
}

/** What the trading app receives to show the survey. */
export function toSurveyEvent(survey: Pick<SurveyDoc, '_id' | 'conversationId' | 'expiresAt'>): ClientSurveyEvent {
  return {
    surveyId: survey._id.toString(),
    conversationId: survey.conversationId,
    question: SURVEY_QUESTION,
    options: SURVEY_OPTIONS.map((o) => ({ ...o })),
    expiresAt: new Date(survey.expiresAt).toISOString(),
  };
}

/** The conversation's latest survey while it still takes an answer (not answered, dismissed or expired), else null. */
export async function pendingSurvey(
  db: Pick<Db, 'Survey' | 'SurveyAnswer'>,
  conversationId: string,
  now = new Date(),
): Promise<SurveyDoc | null> {
  const latest = (await db.Survey.findOne({ conversationId }).sort({ at: -1 }).lean()) as SurveyDoc | null;
  if (!latest || new Date(latest.expiresAt).getTime() <= now.getTime()) return null;
  const answered = await db.SurveyAnswer.exists({ surveyId: latest._id.toString() });
  return answered ? null : latest;
}

export interface SurveyReply {
  /** null: the client wrote something else instead (the survey is dismissed, no score). */
  score: number | null;
  comment?: string;
  /** The client's message that carried it (WeCom / mini-program). */
  messageId?: string | null;
}

/**
 * Stores the one answer to a survey (unique insert: of two answers at once, one is kept).
 * Errors: `survey_expired`, `already_answered`.
 */
export async function recordSurveyAnswer(
  db: Pick<Db, 'SurveyAnswer'>,
  survey: SurveyDoc,
  reply: SurveyReply,
  now = new Date(),
): Promise<SurveyAnswerDoc> {
  if (new Date(survey.expiresAt).getTime() <= now.getTime()) throw new UserError('survey_expired', '评价已过期，感谢您的关注');
  const doc: SurveyAnswerDoc = {
    surveyId: survey._id.toString(),
    conversationId: survey.conversationId,
    handoffId: survey.handoffId,
    advisorId: survey.advisorId ?? null,
    score: reply.score,
    comment: (reply.comment ?? '').trim().slice(0, MAX_SURVEY_COMMENT),
    messageId: reply.messageId ?? null,
    at: now,
  };
  try {
    await db.SurveyAnswer.create(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw new UserError('already_answered', '您已经评价过了，感谢您的反馈');
    throw err;
  }
  return doc;
}

/**
 * Takes a client's answer to a survey: stores it once (recordSurveyAnswer) and counts a score on
 * the supervisor dashboard (counted once per survey, also when the answer is redelivered).
 */
export async function answerSurvey(
  deps: { db: Pick<Db, 'SurveyAnswer'>; queues: Pick<Queues, 'inbound'> },
  survey: SurveyDoc,
  reply: SurveyReply,
  now = new Date(),
): Promise<SurveyAnswerDoc> {
  const answer = await recordSurveyAnswer(deps.db, survey, reply, now);
  const score = answer.score;
  if (typeof score === 'number') {
    await countForDashboard(deps.queues, {
      kind: 'satisfaction',
      id: survey.handoffId,
      score,
      conversationId: survey.conversationId,
      channel: survey.channel,
      at: now.getTime(),
    });
  }
  return answer;
}

/** A chat's satisfaction as review and the client panel show it. */
export interface SatisfactionView {
  /** 1–5, or null when the survey was asked and not answered (yet, or ever). */
  score: number | null;
  comment: string;
  /** asked (waiting), answered, dismissed (the client wrote something else), expired. */
  status: 'asked' | 'answered' | 'dismissed' | 'expired';
  askedAt: string;
  answeredAt: string | null;
}

/** The satisfaction of each handoff that had a survey, by handoffId. */
export async function satisfactionByHandoff(
  db: Pick<Db, 'Survey' | 'SurveyAnswer'>,
  handoffIds: readonly string[],
  now = new Date(),
): Promise<Map<string, SatisfactionView>> {
  const surveys = await findIn<SurveyDoc>(db.Survey, 'handoffId', handoffIds);
  const answers = await findIn<SurveyAnswerDoc>(
    db.SurveyAnswer,
    'surveyId',
    surveys.map((s) => s._id.toString()),
  );
  const bySurvey = new Map(answers.map((a) => [a.surveyId, a]));
  const views = new Map<string, SatisfactionView>();
  for (const s of surveys) {
    const a = bySurvey.get(s._id.toString());
    const expired = new Date(s.expiresAt).getTime() <= now.getTime();
    views.set(s.handoffId, {
      score: a?.score ?? null,
      comment: a?.comment ?? '',
      status: a ? (a.score === null ? 'dismissed' : 'answered') : expired ? 'expired' : 'asked',
      askedAt: new Date(s.at).toISOString(),
      answeredAt: a && a.score !== null ? new Date(a.at).toISOString() : null,
    });
  }
  return views;
}
