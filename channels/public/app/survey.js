// @ts-check
/*
 * The trading app's satisfaction card (满意度): after an advisor's chat closes the server sends
 * `survey` { surveyId, conversationId, question, options: [{ score, label }] (5 … 1), expiresAt }
 * (again on every connect while it waits); the client picks a score, may add a comment, and
 * 提交评价 sends `survey:answer` { surveyId, score, comment? }. One answer per survey: once it is
 * stored, refused (already answered, expired) or past expiresAt, the card goes away.
 * All text is written with textContent, never as HTML.
 */
import { el } from '../common/kit.js';

/** How long the thanks stays before the card goes away. */
const THANKS_MS = 4000;

/**
 * @typedef {{ surveyId: string, conversationId: string, question: string, options: { score: number, label: string }[], expiresAt: string }} SurveyEvent
 * @typedef {(payload: { surveyId: string, score: number, comment?: string }) => Promise<{ ok: boolean, message?: string, error?: string }>} AnswerRequest
 */

/**
 * The card, inserted before `before` (the composer); hidden until a survey arrives.
 * @param {HTMLElement} before
 * @param {AnswerRequest} answer
 */
export function createSurveyCard(before, answer) {
  const card = el('section', 'survey');
  card.setAttribute('aria-label', '满意度评价');
  card.hidden = true;
  before.before(card);

  /** @type {string | null} */
  let shownId = null;
  /** Surveys answered or refused here: a late `survey` event never brings them back. */
  const done = new Set();
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;

  function hide() {
    if (timer) clearTimeout(timer);
    timer = null;
    shownId = null;
    card.hidden = true;
    card.replaceChildren();
  }

  /** @param {string} text */
  function finish(text) {
    if (timer) clearTimeout(timer);
    const thanks = el('p', 'survey-done', text);
    thanks.setAttribute('role', 'status');
    card.replaceChildren(thanks);
    timer = setTimeout(hide, THANKS_MS);
  }

  /** @param {SurveyEvent} s */
  function show(s) {
    if (!s || typeof s.surveyId !== 'string' || !Array.isArray(s.options)) return;
    if (done.has(s.surveyId) || shownId === s.surveyId) return;
    const expiresAt = new Date(s.expiresAt).getTime();
    if (!isNaN(expiresAt) && expiresAt <= Date.now()) return;
    hide();
    shownId = s.surveyId;
    /** @type {number | null} */
    let score = null;
    const options = el('div', 'survey-options');
    options.setAttribute('role', 'group');
    options.setAttribute('aria-label', '评分');
    const buttons = s.options
      .filter((o) => o && Number.isInteger(o.score) && typeof o.label === 'string')
      .map((o) => {
        const b = el('button', 'survey-option', o.score + ' ' + o.label);
        b.type = 'button';
        b.setAttribute('aria-pressed', 'false');
        b.addEventListener('click', () => {
          score = o.score;
          buttons.forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
          submit.disabled = false;
        });
        options.appendChild(b);
        return b;
      });
    const commentId = 'survey-comment-' + s.surveyId;
    const label = el('label', 'survey-label', '补充意见（选填）');
    label.htmlFor = commentId;
    const comment = el('textarea', 'survey-comment');
    comment.id = commentId;
    comment.rows = 2;
    comment.maxLength = 500;
    const error = el('p', 'survey-error');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const submit = el('button', 'survey-submit', '提交评价');
    submit.type = 'button';
    submit.disabled = true;
    submit.addEventListener('click', () => {
      if (score === null) return;
      submit.disabled = true;
      const text = comment.value.trim();
      const id = s.surveyId;
      answer({ surveyId: id, score, ...(text ? { comment: text } : {}) }).then((res) => {
        if (shownId !== id) return;
        if (res && res.ok) {
          done.add(id);
          finish('感谢您的评价！');
        } else if (
          res &&
          (res.error === 'already_answered' || res.error === 'survey_expired' || res.error === 'survey_not_found')
        ) {
          done.add(id);
          finish(res.message || '该评价已结束');
        } else {
          error.textContent = (res && res.message) || '提交失败，请重试';
          error.hidden = false;
          submit.disabled = false;
        }
      });
    });
    card.replaceChildren(el('p', 'survey-question', s.question), options, label, comment, error, submit);
    card.hidden = false;
    if (!isNaN(expiresAt)) {
      // Past its time the server refuses the answer: the card goes away by itself.
      timer = setTimeout(hide, Math.min(expiresAt - Date.now(), 2_147_000_000));
    }
  }

  return { show, hide };
}
