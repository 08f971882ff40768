// @ts-check
/*
 * 智能陪练 in the console: a 陪练 view that replaces the workspace while open (like 会话记录).
 * Left: the scenarios (those a supervisor assigned marked 已指派) with 开始陪练, 我的陪练记录
 * (practice:history), and for supervisors 指派陪练 (practice:assign) and results per advisor
 * (practice:results). Right: the practice chat, visibly marked (「陪练」 badge, its own colour,
 * title 陪练：<scenario>), the simulated client's messages (chat:message with practice: true) with
 * its mood and reaction under each, a reply box (chat:send, with the same compliance warning as
 * real replies) and 结束陪练 (chat:close); once it ends, the result: outcome, the scorecard's total
 * and items with evidence, per-turn feedback.
 *
 * A practice chat never enters the console's chats (state.chats): it is not in 我的会话, its
 * counts or unread marks, and its messages never sound, flash the title or notify.
 *
 * All user text is written with textContent, never as HTML.
 */
import { byId, el, formatTime, newMessageId } from '../../common/kit.js';
import { askComplianceOverride } from './compliance.js';
import { EMOTION_LABELS, TIER_LABELS } from './labels.js';
import { OUTCOME_LABELS, REACTION_SHORT, isGoodOutcome, moodPathText, orderScenarios, scoreLevel } from './practice-text.js';
import { isConnected, isSupervisor, request, state } from './state.js';
import { button, confirmDialog, toast } from './ui.js';

/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeScenarioItem} PracticeScenarioItem */
/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeChatView} PracticeChatView */
/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeMessageView} PracticeMessageView */
/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeResultView} PracticeResultView */
/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeHistoryItem} PracticeHistoryItem */
/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeAssignmentView} PracticeAssignmentView */
/** @typedef {import('../../../../shared/src/protocol/advisor-quality').QualityItemResult} QualityItemResult */
/** @typedef {import('../../../../shared/src/realtime').AdvisorStatusEvent} AdvisorStatusEvent */
/** @typedef {import('./state.js').ServerToAdvisorEvents} ServerToAdvisorEvents */
/** @typedef {import('./state.js').AdvisorConnection['socket']} Socket */

/**
 * A reply written in the practice and not yet acknowledged.
 * @typedef {{ cmid: string, text: string, state: 'pending' | 'failed', error: string | null, confirmed: boolean }} PracticeReply
 */

/**
 * The practice shown on the right: its chat, messages by id, unacknowledged replies, its result once ended.
 * @typedef {object} ShownPractice
 * @property {PracticeChatView} chat
 * @property {Map<string, PracticeMessageView>} messages
 * @property {Map<string, PracticeReply>} pending
 * @property {PracticeResultView | null} result
 */

const SEVERITY_LABELS = /** @type {Record<string, string>} */ ({ critical: '严重', major: '重要', minor: '一般' });
const ROLE_TIER = /** @type {Record<string, string>} */ ({ standard: '普通客户', ...TIER_LABELS });

const root = byId('practice-view');
const toggle = byId('practice-toggle');
const workspace = /** @type {HTMLElement | null} */ (document.querySelector('.workspace'));

/** @type {PracticeScenarioItem[]} */
let scenarios = [];
/** @type {PracticeHistoryItem[]} */
let history = [];
/** @type {PracticeAssignmentView[]} */
let assignments = [];
/** @type {ShownPractice | null} */
let shown = null;
/** Advisors a supervisor may assign to (advisors:list). @type {AdvisorStatusEvent[]} */
let advisors = [];
/** Bumped on every switch of what the right side shows, so that late answers are dropped. */
let showSeq = 0;
let built = false;

// ---------------------------------------------------------------- layout (built once per login)

const scenarioList = el('ul', 'practice-scenarios');
scenarioList.setAttribute('aria-label', '练习场景');
const historyList = el('ul', 'practice-history');
historyList.setAttribute('aria-label', '我的陪练记录');
const historyEmpty = el('p', 'review-status', '还没有练习记录');
const assignedNote = el('p', 'practice-assigned-note');
const superBox = el('section', 'practice-super');
superBox.setAttribute('aria-label', '陪练管理');
const advisorSelect = el('select');
advisorSelect.setAttribute('aria-label', '顾问');
const scenarioSelect = el('select');
scenarioSelect.setAttribute('aria-label', '指派场景');
const resultsList = el('ul', 'practice-results');
resultsList.setAttribute('aria-label', '陪练成绩');
const resultsStatus = el('p', 'review-status');
const main = el('section', 'practice-main');
main.setAttribute('aria-label', '陪练会话');

function buildView() {
  const head = el('div', 'review-head practice-view-head');
  const title = el('h2', '', '智能陪练');
  title.id = 'practice-title';
  head.appendChild(title);
  head.appendChild(el('span', 'review-scope', '与模拟客户练习 · 不计入真实会话、统计与质检'));
  head.appendChild(button('ghost-dark', '返回工作台', closeView));

  const left = el('div', 'review-left practice-left');
  const scenarioBox = el('section', 'practice-box');
  scenarioBox.appendChild(el('h3', '', '练习场景'));
  scenarioBox.appendChild(assignedNote);
  scenarioBox.appendChild(scenarioList);
  const historyBox = el('section', 'practice-box');
  historyBox.appendChild(el('h3', '', '我的陪练记录'));
  historyBox.appendChild(historyList);
  historyBox.appendChild(historyEmpty);
  left.appendChild(scenarioBox);
  left.appendChild(historyBox);

  superBox.replaceChildren();
  superBox.appendChild(el('h3', '', '指派与成绩（督导）'));
  const form = el('form', 'practice-assign');
  form.appendChild(labelled('顾问', advisorSelect));
  form.appendChild(labelled('场景', scenarioSelect));
  const assign = el('button', 'primary', '指派');
  assign.type = 'submit';
  form.appendChild(assign);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    assignScenario(assign);
  });
  superBox.appendChild(form);
  superBox.appendChild(resultsStatus);
  superBox.appendChild(resultsList);
  advisorSelect.addEventListener('change', () => loadResults());
  left.appendChild(superBox);

  const body = el('div', 'review-body practice-body');
  body.appendChild(left);
  body.appendChild(main);
  root.replaceChildren(head, body);
  built = true;
}

/**
 * @param {string} text
 * @param {HTMLElement} control
 */
function labelled(text, control) {
  const label = el('label', 'review-field');
  label.appendChild(el('span', '', text));
  label.appendChild(control);
  return label;
}

function placeholder() {
  main.replaceChildren(
    el('p', 'review-status practice-placeholder', '选择左侧的练习场景，点击“开始陪练”。模拟客户的消息不会发给任何真实客户。'),
  );
}

// ---------------------------------------------------------------- view

function openView() {
  if (!state.session) return;
  if (!built) {
    buildView();
    placeholder();
  }
  // 会话记录 and 陪练 take the same place: one at a time.
  const review = document.getElementById('review-view');
  const reviewToggle = document.getElementById('review-toggle');
  if (review && !review.hidden && reviewToggle) reviewToggle.click();
  root.hidden = false;
  if (workspace) workspace.hidden = true;
  toggle.setAttribute('aria-pressed', 'true');
  superBox.hidden = !isSupervisor();
  loadLists();
}

function closeView() {
  root.hidden = true;
  if (workspace) workspace.hidden = false;
  toggle.setAttribute('aria-pressed', 'false');
}

toggle.addEventListener('click', () => {
  if (root.hidden) openView();
  else closeView();
});
// 会话记录 opened over this view (review.js shows itself and hides the workspace).
document.getElementById('review-toggle')?.addEventListener('click', () => {
  if (root.hidden) return;
  root.hidden = true;
  toggle.setAttribute('aria-pressed', 'false');
});

function loadLists() {
  loadScenarios();
  loadHistory();
  if (isSupervisor()) {
    loadAdvisors();
  }
}

async function loadScenarios() {
  const res = await request('practice:scenarios');
  if (!res.ok) {
    toast(res.message || '练习场景加载失败', 'error');
    return;
  }
  scenarios = orderScenarios(res.items || []);
  renderScenarios();
}

async function loadHistory() {
  const res = await request('practice:history');
  if (!res.ok) {
    toast(res.message || '陪练记录加载失败', 'error');
    return;
  }
  history = res.items || [];
  assignments = res.assignments || [];
  renderHistory();
}

function renderScenarios() {
  const pending = assignments.filter((a) => !a.done).length;
  assignedNote.textContent = pending ? '督导为您指派了 ' + pending + ' 个待完成的练习' : '';
  assignedNote.hidden = !pending;
  scenarioList.replaceChildren(
    ...scenarios.map((s) => {
      const li = el('li', 'practice-scenario' + (s.assigned ? ' is-assigned' : ''));
      li.dataset.scenarioId = s.id;
      const head = el('div', 'ps-head');
      head.appendChild(el('span', 'ps-title', s.title));
      if (s.assigned) head.appendChild(el('span', 'practice-tag assigned', '已指派'));
      if (s.source === 'conversation') head.appendChild(el('span', 'practice-tag from-chat', '来自真实会话'));
      li.appendChild(head);
      li.appendChild(el('div', 'qi-meta', personaLine(s.persona)));
      li.appendChild(el('p', 'ps-background', s.persona.background));
      const start = button('primary small', '开始陪练', (e) =>
        startPractice(s, /** @type {HTMLButtonElement} */ (e.currentTarget)),
      );
      start.setAttribute('aria-label', '开始陪练：' + s.title);
      li.appendChild(start);
      return li;
    }),
  );
  if (!scenarios.length) scenarioList.appendChild(el('li', 'review-status', '暂无可练习的场景'));
  // The supervisor's 指派 choices follow the scenarios they may see.
  const keep = scenarioSelect.value;
  scenarioSelect.replaceChildren(
    ...scenarios.map((s) => {
      const o = el('option', '', s.title);
      o.value = s.id;
      return o;
    }),
  );
  if (keep) scenarioSelect.value = keep;
}

function renderHistory() {
  historyList.replaceChildren(
    ...history.map((h) => {
      const li = el('li', 'practice-history-item');
      li.dataset.conversationId = h.conversationId;
      const b = button('review-item-open', '', () => openPractice(h.conversationId));
      const head = el('div', 'qi-head');
      head.appendChild(el('span', 'qi-name', h.scenarioTitle));
      if (h.status === 'active') head.appendChild(el('span', 'practice-tag live', '进行中'));
      else {
        head.appendChild(outcomeTag(h.outcome));
        head.appendChild(scoreBadge(h.total));
      }
      b.appendChild(head);
      b.appendChild(el('div', 'qi-meta', formatTime(h.startedAt, { today: true })));
      li.appendChild(b);
      return li;
    }),
  );
  historyEmpty.hidden = history.length > 0;
  renderScenarios();
}

/** @param {PracticeScenarioItem['persona']} p */
function personaLine(p) {
  const parts = ['模拟客户 ' + p.name, ROLE_TIER[p.tier] || p.tier];
  if (EMOTION_LABELS[p.emotion]) parts.push('情绪：' + EMOTION_LABELS[p.emotion]);
  return parts.join(' · ');
}

/** @param {import('./practice-text.js').PracticeOutcome | null} outcome */
function outcomeTag(outcome) {
  if (!outcome) return el('span', 'practice-tag', '已结束');
  return el('span', 'practice-tag outcome-' + outcome + (isGoodOutcome(outcome) ? ' good' : ' bad'), OUTCOME_LABELS[outcome]);
}

/** @param {number | null} total */
function scoreBadge(total) {
  const level = scoreLevel(total);
  return el('span', 'qa-score ' + level, level === 'none' ? '未评分' : total + ' 分');
}

// ---------------------------------------------------------------- a practice chat

/**
 * @param {PracticeScenarioItem} scenario
 * @param {HTMLButtonElement} b
 */
async function startPractice(scenario, b) {
  b.disabled = true;
  const res = await request('practice:start', { scenarioId: scenario.id });
  b.disabled = false;
  if (!res.ok) {
    toast(res.message || '无法开始陪练，请重试', 'error');
    return;
  }
  show(res.chat, null);
  loadHistory();
}

/**
 * Opens one of one's own practices (joins its messages again; an ended one shows its result).
 * @param {string} conversationId
 */
async function openPractice(conversationId) {
  const seq = ++showSeq;
  const res = await request('practice:open', { conversationId });
  if (seq !== showSeq) return;
  if (!res.ok) {
    toast(res.message || '无法打开该练习', 'error');
    return;
  }
  show(res.chat, res.result);
}

/**
 * @param {PracticeChatView} chat
 * @param {PracticeResultView | null} result
 */
function show(chat, result) {
  showSeq += 1;
  const keep = shown && shown.chat.conversationId === chat.conversationId ? shown : null;
  shown = {
    chat,
    messages: new Map(chat.messages.map((m) => [m.id, m])),
    pending: keep ? keep.pending : new Map(),
    result,
  };
  if (keep) keep.messages.forEach((m, id) => shown && !shown.messages.has(id) && shown.messages.set(id, m));
  renderPane();
  if (chat.status === 'ended' && !result) loadResult(chat.conversationId);
}

/** The pane's parts kept between renders, so that typing is not lost. */
/** @type {{ list: HTMLElement, transcript: HTMLElement, input: HTMLTextAreaElement | null, result: HTMLElement } | null} */
let pane = null;

function renderPane() {
  if (!shown) {
    pane = null;
    placeholder();
    return;
  }
  const { chat } = shown;
  const active = chat.status === 'active';
  const draft = pane && pane.input ? pane.input.value : '';
  const box = el('section', 'chat-pane practice-pane' + (active ? '' : ' is-ended'));
  box.dataset.conversationId = chat.conversationId;

  const head = el('div', 'chat-head practice-chat-head');
  const who = el('div', 'chat-who');
  const line = el('div', 'chat-customer');
  line.appendChild(el('span', 'practice-badge', '陪练'));
  line.appendChild(el('h3', 'chat-customer-name practice-chat-title', '陪练：' + chat.scenario.title));
  who.appendChild(line);
  who.appendChild(
    el(
      'div',
      'chat-customer-meta',
      personaLine(chat.scenario.persona) + ' · 开始于 ' + formatTime(chat.startedAt, { today: true }),
    ),
  );
  who.appendChild(el('div', 'chat-customer-meta practice-brief', chat.scenario.persona.background));
  head.appendChild(who);
  const actions = el('div', 'chat-actions');
  if (active)
    actions.appendChild(
      button('danger outline', '结束陪练', (e) => endPractice(/** @type {HTMLButtonElement} */ (e.currentTarget))),
    );
  else actions.appendChild(el('span', 'readonly-tag', '练习已结束'));
  head.appendChild(actions);
  box.appendChild(head);
  box.appendChild(el('p', 'practice-strip', '模拟客户 · 练习对话，不会发送给任何真实客户，不计入会话统计'));

  const transcript = el('div', 'transcript practice-transcript');
  transcript.setAttribute('role', 'log');
  transcript.setAttribute('aria-label', '陪练聊天记录');
  const list = el('ol', 'transcript-list');
  transcript.appendChild(list);
  box.appendChild(transcript);

  const result = el('section', 'practice-result');
  result.setAttribute('aria-label', '陪练结果');
  result.hidden = true;

  /** @type {HTMLTextAreaElement | null} */
  let input = null;
  if (active) {
    const form = el('form', 'reply practice-reply');
    input = el('textarea');
    input.rows = 2;
    input.maxLength = 2000;
    input.value = draft;
    input.placeholder = '回复模拟客户（Enter 发送，Shift+Enter 换行）';
    input.setAttribute('aria-label', '回复模拟客户');
    const side = el('div', 'reply-side');
    const send = el('button', 'primary', '发送');
    send.type = 'submit';
    side.appendChild(send);
    side.appendChild(el('span', 'reply-hint', '仅练习'));
    form.appendChild(input);
    form.appendChild(side);
    const field = input;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      sendReply(field);
    });
    field.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        sendReply(field);
      }
    });
    box.appendChild(form);
  } else {
    box.appendChild(result);
  }
  if (active) box.appendChild(result);

  pane = { list, transcript, input, result };
  main.replaceChildren(box);
  renderMessages();
  renderResult(result, shown.result);
  if (input && !root.hidden) input.focus();
}

function renderMessages() {
  if (!shown || !pane) return;
  const me = state.session ? state.session.advisor.name : '';
  const name = shown.chat.scenario.persona.name;
  const rows = [...shown.messages.values()].sort((a, b) => a.seq - b.seq).map((m) => renderMessage(m, name, me, null));
  shown.pending.forEach((p) => rows.push(renderMessage(null, name, me, p)));
  pane.list.replaceChildren(...rows);
  pane.transcript.scrollTop = pane.transcript.scrollHeight;
}

/**
 * @param {PracticeMessageView | null} m
 * @param {string} clientName
 * @param {string} me
 * @param {PracticeReply | null} pending
 */
function renderMessage(m, clientName, me, pending) {
  const from = m ? m.from : 'advisor';
  const li = el('li', 'tmsg from-' + from);
  li.dataset.from = from;
  if (m) li.dataset.messageId = m.id;
  const author = el('div', 'tmsg-author');
  if (from === 'client') {
    author.appendChild(el('span', 'author-badge practice', '模拟客户'));
    author.appendChild(el('span', '', clientName));
  } else {
    author.appendChild(el('span', 'author-badge advisor', '顾问'));
    author.appendChild(el('span', '', ((m && m.authorName) || me) + '（我）'));
  }
  li.appendChild(author);
  li.appendChild(el('div', 'tbubble', m ? m.text : pending ? pending.text : ''));
  if (m && m.from === 'client' && m.insight) li.appendChild(moodLine(m.insight));
  const meta = el('div', 'tmsg-meta');
  if (m) meta.appendChild(el('time', '', formatTime(m.createdAt, { seconds: true })));
  else if (pending && pending.state === 'failed') {
    li.classList.add('is-failed');
    meta.appendChild(el('span', 'tmsg-state failed', '发送失败：' + (pending.error || '请重试')));
    if (shown && shown.chat.status === 'active') meta.appendChild(button('link-retry', '重试', () => transmit(pending)));
  } else {
    li.classList.add('is-pending');
    meta.appendChild(el('span', 'tmsg-state', isConnected() ? '发送中…' : '等待网络恢复后发送'));
  }
  li.appendChild(meta);
  return li;
}

/**
 * The simulated client's mood and what the advisor's last turn did, under its message.
 * @param {NonNullable<PracticeMessageView['insight']>} insight
 */
function moodLine(insight) {
  const parts = ['客户情绪：' + (EMOTION_LABELS[insight.emotion || ''] || insight.emotion || '未知')];
  if (typeof insight.intensity === 'number') parts[0] += ' ' + insight.intensity.toFixed(2);
  (insight.reasons || []).forEach((r) => parts.push(r));
  const line = el('div', 'tinsight practice-mood emo-' + (insight.emotion || 'unknown'), parts.join(' · '));
  line.setAttribute('aria-label', '模拟客户的反应：' + parts.join('，'));
  return line;
}

/** @param {HTMLTextAreaElement} input */
function sendReply(input) {
  if (!shown || shown.chat.status !== 'active') return;
  const text = input.value.trim();
  if (!text) return;
  /** @type {PracticeReply} */
  const entry = { cmid: newMessageId('p'), text, state: 'pending', error: null, confirmed: false };
  shown.pending.set(entry.cmid, entry);
  input.value = '';
  transmit(entry);
}

/** @param {PracticeReply} entry */
async function transmit(entry) {
  const practice = shown;
  if (!practice) return;
  entry.state = 'pending';
  entry.error = null;
  renderMessages();
  if (!isConnected()) return; // re-sent after reconnecting (onReconnect)
  const payload = { conversationId: practice.chat.conversationId, clientMessageId: entry.cmid, text: entry.text };
  const res = await request('chat:send', entry.confirmed ? { ...payload, confirm: true } : payload);
  if (practice.pending.get(entry.cmid) !== entry) return;
  if (res.ok) {
    practice.pending.delete(entry.cmid);
    practice.messages.set(res.message.id, /** @type {PracticeMessageView} */ ({ ...res.message, practice: true }));
  } else if (res.error === 'compliance_warning') {
    const anyway = await askComplianceOverride(res.message || '', res.rules);
    if (practice.pending.get(entry.cmid) !== entry) return;
    if (anyway) {
      entry.confirmed = true;
      transmit(entry);
      return;
    }
    // Back into the reply box to edit it.
    practice.pending.delete(entry.cmid);
    if (shown === practice && pane && pane.input) {
      pane.input.value = entry.text + (pane.input.value ? '\n' + pane.input.value : '');
      pane.input.focus();
    }
  } else if (res.error === 'disconnected') {
    // Stays pending; re-sent with the same id after reconnecting.
  } else {
    entry.state = 'failed';
    entry.error = res.message || '发送失败';
    if (res.error === 'practice_ended') entry.error = '练习已结束，未发送';
  }
  if (shown === practice) renderMessages();
}

/** @param {HTMLButtonElement} b */
async function endPractice(b) {
  const practice = shown;
  if (!practice) return;
  const ok = await confirmDialog('结束陪练', '提前结束的练习记为“顾问提前结束练习”，并按已有对话评分。确定结束吗？', '结束陪练');
  if (!ok || shown !== practice) return;
  b.disabled = true;
  const res = await request('chat:close', { conversationId: practice.chat.conversationId });
  if (!res.ok) {
    b.disabled = false;
    toast(res.message || '结束失败，请重试', 'error');
    return;
  }
  ended(practice.chat.conversationId);
}

/**
 * The practice ended (its rules, or 结束陪练 here or in another tab): the reply box goes, the result comes.
 * @param {string} conversationId
 */
function ended(conversationId) {
  if (shown && shown.chat.conversationId === conversationId && shown.chat.status === 'active') {
    shown.chat = { ...shown.chat, status: 'ended' };
    shown.pending.forEach((p) => {
      p.state = 'failed';
      p.error = '练习已结束，未发送';
    });
    renderPane();
    loadResult(conversationId);
  }
  loadHistory();
}

/** @param {string} conversationId */
async function loadResult(conversationId) {
  const res = await request('practice:result', { conversationId });
  if (!shown || shown.chat.conversationId !== conversationId) return;
  if (!res.ok) {
    if (pane) {
      pane.result.hidden = false;
      pane.result.replaceChildren(el('p', 'review-status', res.message || '结果加载失败'));
    }
    return;
  }
  shown.result = res.result;
  if (pane) renderResult(pane.result, res.result);
}

/**
 * The result: outcome, the scorecard's total and items with evidence quotes, per-turn feedback.
 * @param {HTMLElement} box
 * @param {PracticeResultView | null} r
 */
function renderResult(box, r) {
  box.hidden = !r;
  if (!r) {
    box.replaceChildren();
    return;
  }
  const head = el('div', 'practice-result-head');
  head.appendChild(el('h4', '', '陪练结果'));
  head.appendChild(outcomeTag(r.outcome));
  head.appendChild(scoreBadge(r.score ? r.score.total : null));
  box.replaceChildren(head);
  box.appendChild(
    el(
      'p',
      'practice-outcome ' + (isGoodOutcome(r.outcome) ? 'good' : 'bad'),
      r.outcomeLabel + ' · 共 ' + r.turns + ' 轮 · 客户情绪 ' + moodPathText(r.moodPath),
    ),
  );
  box.appendChild(el('div', 'qi-meta', r.advisorName + ' · ' + r.scenarioTitle + ' · ' + formatTime(r.endedAt, { today: true })));

  box.appendChild(el('h5', '', '质检评分卡'));
  if (!r.score) box.appendChild(el('p', 'review-status', '本次练习未能评分（质检不可用）。'));
  else {
    const items = el('ul', 'qa-items');
    items.setAttribute('aria-label', '评分项');
    r.score.items.forEach((item) => items.appendChild(renderItem(item)));
    box.appendChild(items);
  }

  box.appendChild(el('h5', '', '逐轮反馈'));
  const turns = el('ol', 'practice-feedback');
  turns.setAttribute('aria-label', '逐轮反馈');
  r.feedback.forEach((f) => {
    const li = el('li', 'practice-turn reaction-' + f.reaction);
    li.dataset.reaction = f.reaction;
    const line = el('div', 'practice-turn-head');
    line.appendChild(el('span', 'practice-turn-no', '第 ' + f.turn + ' 轮'));
    line.appendChild(el('span', 'practice-tag reaction', REACTION_SHORT[f.reaction] || f.reaction));
    line.appendChild(el('span', 'qi-meta', '情绪 ' + f.moodBefore + ' → ' + f.moodAfter));
    li.appendChild(line);
    li.appendChild(el('div', 'qa-detail', f.label));
    if (f.evidence.length) li.appendChild(quotes(f.evidence));
    else li.appendChild(el('div', 'qa-detail', '（顾问未回复）'));
    turns.appendChild(li);
  });
  if (!r.feedback.length) turns.appendChild(el('li', 'review-status', '没有顾问回合'));
  box.appendChild(turns);
}

/** @param {QualityItemResult} item */
function renderItem(item) {
  const status = item.passed === null ? 'na' : item.passed ? 'pass' : 'fail';
  const li = el('li', 'qa-item qa-' + status);
  li.dataset.itemId = item.id;
  const line = el('div', 'qa-item-head');
  line.appendChild(el('span', 'qa-status', item.passed === null ? '不适用' : item.passed ? '通过' : '未通过'));
  line.appendChild(el('span', 'qa-label', item.label));
  line.appendChild(el('span', 'chip qa-flag qa-flag-' + item.severity, SEVERITY_LABELS[item.severity] || item.severity));
  li.appendChild(line);
  if (item.detail) li.appendChild(el('div', 'qa-detail', item.detail));
  if (item.evidence && item.evidence.length) li.appendChild(quotes(item.evidence));
  return li;
}

/** @param {{ messageId: string, quote: string }[]} evidence */
function quotes(evidence) {
  const list = el('ul', 'qa-evidence-list');
  evidence.forEach((e) => {
    const q = button('qa-quote', '“' + e.quote + '”', () => showMessage(e.messageId));
    q.title = '在聊天记录中查看';
    const row = el('li');
    row.appendChild(q);
    list.appendChild(row);
  });
  return list;
}

/** Scrolls the practice transcript to a quoted message and marks it for a moment. */
/** @param {string} messageId */
function showMessage(messageId) {
  if (!pane) return;
  const target = [...pane.list.querySelectorAll('li.tmsg')].find(
    (node) => node instanceof HTMLElement && node.dataset.messageId === messageId,
  );
  if (!target) return;
  target.scrollIntoView({ block: 'center' });
  target.classList.remove('qa-focus');
  void (/** @type {HTMLElement} */ (target).offsetWidth);
  target.classList.add('qa-focus');
}

// ---------------------------------------------------------------- supervisors

async function loadAdvisors() {
  const res = await request('advisors:list');
  if (!res.ok) return;
  const keep = advisorSelect.value;
  advisors = (res.advisors || []).slice().sort((a, b) => a.branchId.localeCompare(b.branchId) || a.name.localeCompare(b.name));
  advisorSelect.replaceChildren(
    ...advisors.map((a) => {
      const o = el('option', '', a.name + '（' + a.branchId + '）');
      o.value = a.advisorId;
      return o;
    }),
  );
  if (keep && advisors.some((a) => a.advisorId === keep)) advisorSelect.value = keep;
  loadResults();
}

/** @param {HTMLButtonElement} b */
async function assignScenario(b) {
  const advisorId = advisorSelect.value;
  const scenarioId = scenarioSelect.value;
  if (!advisorId || !scenarioId) {
    toast('请选择顾问和练习场景', 'error');
    return;
  }
  b.disabled = true;
  const res = await request('practice:assign', { advisorId, scenarioId });
  b.disabled = false;
  if (!res.ok) {
    toast(res.message || '指派失败，请重试', 'error');
    return;
  }
  const who = advisors.find((a) => a.advisorId === advisorId);
  toast('已指派给 ' + (who ? who.name : '顾问') + '：' + res.assignment.scenarioTitle);
}

/** The selected advisor's ended practices (practice:results), newest first. */
async function loadResults() {
  const advisorId = advisorSelect.value;
  if (!advisorId) {
    resultsList.replaceChildren();
    resultsStatus.textContent = '暂无可选的顾问';
    return;
  }
  resultsStatus.textContent = '加载中…';
  const res = await request('practice:results', { advisorId });
  if (advisorSelect.value !== advisorId) return;
  if (!res.ok) {
    resultsStatus.textContent = res.message || '成绩加载失败';
    return;
  }
  const items = res.items || [];
  const name = advisorSelect.selectedOptions[0] ? advisorSelect.selectedOptions[0].textContent : '';
  resultsStatus.textContent = items.length ? name + ' 的陪练成绩（' + items.length + ' 次）' : name + ' 暂无完成的陪练';
  resultsList.replaceChildren(
    ...items.map((r) => {
      const li = el('li', 'practice-result-item');
      li.dataset.conversationId = r.conversationId;
      const b = button('review-item-open', '', () => showResultOnly(r));
      const head = el('div', 'qi-head');
      head.appendChild(el('span', 'qi-name', r.scenarioTitle));
      head.appendChild(outcomeTag(r.outcome));
      head.appendChild(scoreBadge(r.score ? r.score.total : null));
      b.appendChild(head);
      b.appendChild(el('div', 'qi-meta', r.advisorName + ' · ' + formatTime(r.endedAt, { today: true })));
      li.appendChild(b);
      return li;
    }),
  );
}

/**
 * A supervisor reads an advisor's result (without the chat, which is the advisor's own).
 * @param {PracticeResultView} r
 */
function showResultOnly(r) {
  showSeq += 1;
  shown = null;
  pane = null;
  const box = el('section', 'practice-pane practice-result-only');
  const head = el('div', 'chat-head practice-chat-head');
  const line = el('div', 'chat-customer');
  line.appendChild(el('span', 'practice-badge', '陪练'));
  line.appendChild(el('h3', 'chat-customer-name practice-chat-title', r.advisorName + ' 的陪练：' + r.scenarioTitle));
  head.appendChild(line);
  head.appendChild(button('ghost-dark', '关闭', placeholder));
  box.appendChild(head);
  const result = el('section', 'practice-result');
  result.setAttribute('aria-label', '陪练结果');
  box.appendChild(result);
  main.replaceChildren(box);
  renderResult(result, r);
}

// ---------------------------------------------------------------- connection

/**
 * A practice chat's message: shown when its practice is on screen (never counted, never announced).
 * @type {ServerToAdvisorEvents['chat:message']}
 */
function onMessage(m) {
  if (!m || !('practice' in m) || m.practice !== true || !('seq' in m)) return;
  if (!shown || shown.chat.conversationId !== m.conversationId) return;
  shown.messages.set(m.id, /** @type {PracticeMessageView} */ (m));
  renderMessages();
}

/** @type {ServerToAdvisorEvents['chat:closed']} */
function onClosed(p) {
  if (!p || p.practice !== true) return;
  ended(p.conversationId);
}

/** After a reconnect: the shown practice joined again (missed messages, a lost answer), unsent replies re-sent. */
async function onReconnect() {
  if (!built) return;
  if (!root.hidden) loadLists();
  if (!shown) return;
  const practice = shown;
  const res = await request('practice:open', { conversationId: practice.chat.conversationId });
  if (!res.ok || shown !== practice) return;
  show(res.chat, res.result);
  if (res.chat.status === 'active') practice.pending.forEach((p) => p.state === 'pending' && transmit(p));
}

/**
 * Called by main.js once per connection it opens.
 * @param {Socket} socket
 */
export function attachPractice(socket) {
  toggle.hidden = false;
  socket.on('chat:message', onMessage);
  socket.on('chat:closed', onClosed);
  let first = true;
  socket.on('connect', () => {
    if (first) {
      first = false;
      return;
    }
    onReconnect();
  });
}

/** Logged out: everything of the last user forgotten. */
export function resetPractice() {
  closeView();
  toggle.hidden = true;
  showSeq += 1;
  shown = null;
  pane = null;
  scenarios = [];
  history = [];
  assignments = [];
  advisors = [];
  built = false;
  root.replaceChildren();
  scenarioList.replaceChildren();
  historyList.replaceChildren();
  resultsList.replaceChildren();
  advisorSelect.replaceChildren();
  scenarioSelect.replaceChildren();
}
