// @ts-check
/*
 * The advisor / supervisor console: build-free ES modules (./modules), typed against the shared
 * event maps (shared/src/realtime.ts, shared/src/protocol) and checked by agent-console/public/tsconfig.json.
 *
 * Login: POST /api/advisor/login → { token, advisor }, kept in sessionStorage so a reload stays
 * logged in. Realtime: Socket.IO namespace /advisor through /common/connection.js (shared with
 * the app page). On every (re)connect the console asks for the waiting list, its own chats
 * (chat:list also re-joins their rooms), the chats in progress, re-watches the chats it was
 * watching and re-sends unacknowledged replies. Side panels in classic scripts (appointments.js,
 * review.js) attach to the connection through the `console:connected` / `console:logout` events.
 *
 * All user text is written with textContent, never as HTML.
 */
import { openConnection } from '../common/connection.js';
import { readSession, writeSession } from '../common/kit.js';
import { refreshActive, renderActive, resetActive } from './modules/active-chats.js';
import { loadAdvisors, onAdvisorBoardStatus, resetAdvisors } from './modules/advisor-board.js';
import { askNotificationPermission, stopFlashing } from './modules/alerts.js';
import { renderTabs } from './modules/chat-list.js';
import { buildPane, renderHeader } from './modules/chat-pane.js';
import {
  onBudget,
  onDeliveryFailed,
  onInsight,
  onRecalled,
  onSessionChanged,
  refreshSendBlocks,
} from './modules/channel-facts.js';
import {
  ACTIVE_KEY,
  WATCH_KEY,
  activate,
  closeTab,
  loadOwnChats,
  markClosed,
  onChatClosed,
  openChat,
  onChatMessage,
  onChatOpened,
  reopenWatched,
  restoreActive,
  watch,
} from './modules/chats.js';
import { forgetCanned } from './modules/canned.js';
import { forgetMediaFiles } from './modules/media.js';
import { attachPractice, resetPractice } from './modules/practice.js';
import { flushPending, forgetDrafts, transmitReply } from './modules/replies.js';
import { isSupervisor, state, view } from './modules/state.js';
import { hideStatus, onAdvisorStatus, showStatus } from './modules/status.js';
import { renderAllChats, renderTranscript } from './modules/transcript.js';
import { TITLE, els, formatWaiting, toast } from './modules/ui.js';
import { onOffer, onQueueRemoved, refreshQueue, renderQueue, upsertQueueItem } from './modules/waiting-list.js';

/** @typedef {import('./modules/state.js').Session} Session */
/** @typedef {import('./modules/state.js').ServerToAdvisorEvents} ServerToAdvisorEvents */
/** @typedef {import('./modules/state.js').AdvisorRequestEvents} AdvisorRequestEvents */

const SESSION_KEY = 'bb.console.session';
const ACTIVE_REFRESH_MS = 15000;
const AUTH_ERRORS = ['token_invalid', 'token_expired', 'token_revoked'];

Object.assign(view, {
  renderQueue,
  renderActive,
  renderTabs,
  refreshActive,
  activate,
  closeTab,
  loadOwnChats,
  watch,
  buildPane,
  renderTranscript,
  transmitReply,
  markClosed,
  renderHeader,
  openChat,
});

/** @type {ReturnType<typeof setInterval> | undefined} */
let clockTimer;
/** @type {ReturnType<typeof setInterval> | undefined} */
let activeTimer;

// ---------------------------------------------------------------- login

/** @param {string | null} errorText */
function showLogin(errorText) {
  els.appView.hidden = true;
  els.loginView.hidden = false;
  els.loginError.textContent = errorText || '';
  els.loginError.hidden = !errorText;
  els.loginButton.disabled = false;
  els.loginButton.textContent = '登录';
  stopFlashing();
  document.title = TITLE;
  (els.username.value ? els.password : els.username).focus();
}

els.loginForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const username = els.username.value.trim();
  const password = els.password.value;
  if (!username || !password) {
    els.loginError.textContent = '请输入用户名和密码';
    els.loginError.hidden = false;
    return;
  }
  els.loginButton.disabled = true;
  els.loginButton.textContent = '登录中…';
  els.loginError.hidden = true;
  // A click: the only moment browsers let a page ask to show notifications.
  askNotificationPermission();
  fetch('/api/advisor/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  })
    .then(async (res) => {
      const body = await res.json().catch(() => ({}));
      if (!res.ok || !body.token) {
        showLogin(body.message || '登录失败，请稍后重试');
        return;
      }
      els.password.value = '';
      state.session = { token: body.token, advisor: body.advisor };
      writeSession(SESSION_KEY, state.session);
      startApp();
    })
    .catch(() => showLogin('无法连接服务器，请检查网络后重试'));
});

els.logout.addEventListener('click', () => logout(null));

/** @param {string | null} message */
function logout(message) {
  disconnect();
  document.dispatchEvent(new window.CustomEvent('console:logout'));
  clearInterval(clockTimer);
  clearInterval(activeTimer);
  state.session = null;
  writeSession(SESSION_KEY, null);
  writeSession(WATCH_KEY, null);
  writeSession(ACTIVE_KEY, null);
  forgetDrafts();
  state.queue = new Map();
  state.chats = new Map();
  state.tabOrder = [];
  state.activeId = null;
  resetActive();
  els.queueList.replaceChildren();
  els.activeList.replaceChildren();
  els.tabs.replaceChildren();
  els.chatArea.replaceChildren();
  forgetMediaFiles();
  forgetCanned();
  hideStatus();
  resetAdvisors();
  resetPractice();
  state.wrapUpCategories = [];
  showLogin(message);
}

// ---------------------------------------------------------------- app

function startApp() {
  const session = state.session;
  if (!session) return;
  const a = session.advisor;
  els.loginView.hidden = true;
  els.appView.hidden = false;
  els.meName.textContent = a.name;
  els.meRole.textContent = a.role === 'supervisor' ? '督导' : '顾问';
  els.meRole.className = 'role-badge ' + a.role;
  els.meBranch.textContent = a.allBranches ? '全部营业部' : '营业部 ' + a.branchId;
  els.queueScope.textContent = a.allBranches ? '全部营业部的等待客户 · 可静默监听' : '营业部 ' + a.branchId + ' 的等待客户';
  els.activeScope.textContent = a.allBranches
    ? '全部营业部顾问正在服务的客户 · 可静默监听'
    : '营业部 ' + a.branchId + ' 顾问正在服务的客户';
  els.noChatText.textContent = isSupervisor()
    ? '在左侧等待队列或进行中的会话中选择“静默监听”，以只读方式查看会话。'
    : '从左侧等待队列接入客户后，会话将在这里打开。';
  reopenWatched();
  state.activeId = readSession(ACTIVE_KEY);
  renderQueue();
  renderActive();
  renderTabs();
  clearInterval(clockTimer);
  clockTimer = setInterval(updateWaitingTimes, 1000);
  clearInterval(activeTimer);
  activeTimer = setInterval(refreshActive, ACTIVE_REFRESH_MS);
  connect();
}

function updateWaitingTimes() {
  document.querySelectorAll('#queue-list .wait, #active-list .served, #tabs .served').forEach((node) => {
    if (node instanceof HTMLElement) node.textContent = formatWaiting(node.dataset.since);
  });
  refreshSendBlocks();
}

// ---------------------------------------------------------------- connection

/** @param {'connecting' | 'connected' | 'disconnected'} connState */
function setStatus(connState) {
  els.connStatus.dataset.state = connState;
  els.connStatus.textContent = { connecting: '连接中', connected: '已连接', disconnected: '已断开' }[connState];
}

function connect() {
  /** @type {import('../common/connection.js').Connection<ServerToAdvisorEvents, AdvisorRequestEvents>} */
  const connection = openConnection('/advisor', {
    auth: () => ({ token: state.session ? state.session.token : '' }),
    authErrors: AUTH_ERRORS,
    onStatus: (s) => {
      setStatus(s);
      if (s === 'disconnected') renderAllChats();
    },
    onAuthError: (code) =>
      logout(
        code === 'token_expired'
          ? '登录已过期，请重新登录'
          : code === 'token_revoked'
            ? '账号已停用或登录已失效，请重新登录'
            : '登录状态无效，请重新登录',
      ),
  });
  state.connection = connection;
  const socket = connection.socket;
  socket.on('connect', resync);
  // The account was disabled or signed out elsewhere: back to the login form, with the reason.
  socket.on('session:revoked', (notice) => logout((notice && notice.message) || '账号已停用或登录已失效，请重新登录'));
  socket.on('ready', (ready) => {
    if (ready && ready.advisor && ready.advisor.name) els.meName.textContent = ready.advisor.name;
    if (ready && Array.isArray(ready.wrapUpCategories)) state.wrapUpCategories = ready.wrapUpCategories;
    showStatus(ready && ready.advisor);
  });
  socket.on('offer', onOffer);
  socket.on('queue:added', upsertQueueItem);
  socket.on('queue:removed', onQueueRemoved);
  socket.on('chat:message', onChatMessage);
  socket.on('chat:closed', onChatClosed);
  socket.on('chat:opened', onChatOpened);
  socket.on('channel:budget', onBudget);
  socket.on('delivery:failed', onDeliveryFailed);
  socket.on('chat:recalled', onRecalled);
  socket.on('chat:insight', onInsight);
  socket.on('channel:session', onSessionChanged);
  socket.on('advisor:status', (p) => {
    onAdvisorStatus(p);
    onAdvisorBoardStatus(p);
  });
  // 智能陪练: practice chats' messages and ends go to their own view, never to the chat list.
  attachPractice(socket);
  // Side panels in their own scripts (appointments.js …) attach to the same connection.
  document.dispatchEvent(new window.CustomEvent('console:connected', { detail: { socket, session: state.session, toast } }));
}

function disconnect() {
  if (state.connection) state.connection.close();
  state.connection = null;
}

/** After (re)connecting: the waiting list, own chats (re-joins their rooms), watched chats, unsent replies. */
function resync() {
  forgetCanned();
  loadAdvisors();
  refreshQueue().then((res) => {
    if (!res.ok) toast(res.message || '等待队列加载失败', 'error');
  });
  // Own chats (a supervisor's too: chats they took over).
  loadOwnChats().then((ok) => {
    if (!ok) return;
    state.chats.forEach((chat) => {
      if (chat.mode === 'own' && !chat.closed) flushPending(chat);
    });
    restoreActive();
  });
  state.chats.forEach((chat) => {
    if (chat.mode === 'watch' && !chat.closed) watch(chat.conversationId, chat.handoff, false);
  });
  refreshActive();
}

// ---------------------------------------------------------------- start

function boot() {
  if (typeof window.io !== 'function') {
    els.loginView.hidden = false;
    els.loginError.textContent = '实时通信组件加载失败，请刷新页面重试';
    els.loginError.hidden = false;
    els.loginButton.disabled = true;
    return;
  }
  const saved = readSession(SESSION_KEY);
  if (saved && typeof saved.token === 'string' && saved.advisor && saved.advisor.id) {
    state.session = saved;
    startApp();
    return;
  }
  showLogin(null);
}

boot();
