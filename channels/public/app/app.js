/*
 * The trading app's chat screen. Plain browser JavaScript, no build step.
 *
 * Session: `#token=...` in the URL (the brokerage app opens this page with a signed session
 * token), or in demo mode a client picked from GET /api/demo/customers.
 *
 * Protocol (Socket.IO namespace /client, see channels/src/app/client-namespace.ts):
 *   handshake auth { token, lastSeq }  → server emits `history` { conversationId, state, messages }
 *   server emits `message` (WireMessage) live — also this client's own messages written in
 *     another tab or device (id "<customerId>.<clientMessageId>", shown once: keyed by clientMessageId)
 *   server emits `state` { conversationId, state, advisorName } when the chat is queued for a
 *     person, taken by an advisor and handed back to the bot (shown in the service strip)
 *   client emits `message` { clientMessageId, text } with ack { ok, seq, duplicate } | { ok:false, message }
 *   server emits `draft` { conversationId, id, text, done?, cancelled? } while the bot streams an
 *     answer: `text` is the whole answer so far and `id` the id of the `message` that replaces it
 *   server emits `typing` { conversationId, from: 'advisor', typing } while the advisor types
 *   server emits `survey` after an advisor's chat closed: a rating card (survey.js) answered with
 *     `survey:answer` { surveyId, score, comment? }
 *
 * Clarifying menus: a bot message with `menu` [{ id, label }] gets one button per option;
 * tapping sends the label as the client's message (the bot also accepts the number).
 *
 * Delivery: every message the client writes goes to an outbox (persisted in sessionStorage)
 * and stays "pending" until acknowledged. Unacknowledged messages are re-sent with the same
 * clientMessageId after a reconnect (the server is idempotent on it). A negative ack shows
 * the server's message and a retry button.
 *
 * All user text is written with textContent, never as HTML.
 */
import { openConnection } from '../common/connection.js';
import * as kit from '../common/kit.js';
import { createSurveyCard } from './survey.js';

(function () {
  'use strict';

  var byId = kit.byId;
  var el = kit.el;
  var formatTime = kit.formatTime;

  var SESSION_KEY = 'bb.app.session';
  var OUTBOX_PREFIX = 'bb.app.outbox.';
  /** A streamed answer whose final message has not come this long after its last piece is dropped. */
  var DRAFT_TTL_MS = 30000;
  /** The server refreshes "advisor typing" every 10 s while it lasts; without a refresh it ends. */
  var TYPING_TTL_MS = 15000;
  var TIER_LABELS = { vip: 'VIP', gold: '金卡', standard: '普通' };
  var AUTH_ERRORS = ['token_invalid', 'token_expired'];

  var els = {
    who: byId('who'),
    status: byId('status'),
    service: byId('service'),
    serviceText: byId('service-text'),
    switchCustomer: byId('switch-customer'),
    picker: byId('picker'),
    pickerError: byId('picker-error'),
    customerList: byId('customer-list'),
    unavailable: byId('unavailable'),
    unavailableTitle: byId('unavailable-title'),
    unavailableText: byId('unavailable-text'),
    chat: byId('chat'),
    messages: byId('messages'),
    messageList: byId('message-list'),
    composer: byId('composer'),
    input: byId('input'),
    typing: byId('typing'),
  };

  /** { token, demo, customer: { id, name, tier, branchId } | null } */
  var session = null;
  /** The shared connection (/common/connection.js) and its socket. */
  var connection = null;
  var socket = null;
  /** Highest seq the server has pushed to us (history or live); sent as lastSeq on reconnect. */
  var lastSeq = 0;
  /** Stored messages by key (see messageKey). */
  var messages = new Map();
  /** Messages written here and not yet acknowledged, by clientMessageId. */
  var outbox = new Map();
  var attemptCounter = 0;
  /** The conversation shown (from `history`); `state` events of any other one are ignored. */
  var conversationId = null;
  /** Who serves the client now: { state, advisorName } or null until the server said so. */
  var service = null;
  /** A live `state` event arrived on this connection before its `history` (which is then older). */
  var liveStateSeen = false;
  var localOrder = 0;
  /** Bot answers being streamed, by the id of the message that will replace them: { id, text, done, order, timer }. */
  var drafts = new Map();
  /** Ids of drafts that ended (final message shown, cancelled, expired): late frames never bring them back. */
  var endedDrafts = new Set();
  var typingTimer = null;
  /** What each transcript <li> was last drawn from (it is redrawn only when that changes). */
  var drawn = new WeakMap();
  /** The satisfaction card above the composer (满意度). */
  var surveyCard = createSurveyCard(els.composer, function (payload) {
    if (!connection) return Promise.resolve({ ok: false, message: '网络未连接，请稍后重试' });
    return connection.request('survey:answer', payload);
  });

  // ---------------------------------------------------------------- helpers

  function show(view) {
    [els.picker, els.unavailable, els.chat].forEach(function (v) {
      v.hidden = v !== view;
    });
  }

  /** Reads the claims of a session token (display only; the server verifies it). */
  function tokenClaims(token) {
    try {
      var body = token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
      while (body.length % 4) body += '=';
      var json = decodeURIComponent(
        Array.prototype.map
          .call(window.atob(body), function (c) {
            return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
          })
          .join(''),
      );
      var claims = JSON.parse(json);
      return claims && typeof claims === 'object' ? claims : null;
    } catch {
      return null;
    }
  }

  /** The clientMessageId inside a stored client message's id ("<customerId>.<clientMessageId>"). */
  function clientMessageIdOf(wireId) {
    var i = wireId.lastIndexOf('.');
    return i >= 0 ? wireId.slice(i + 1) : wireId;
  }

  /** Client messages are keyed by clientMessageId so the local copy and the stored copy are one. */
  function messageKey(from, id) {
    return from === 'client' ? 'c:' + clientMessageIdOf(id) : 'm:' + id;
  }

  function authorLabel(m) {
    if (m.from === 'bot') return '智能助手';
    if (m.from === 'advisor') return m.authorName ? '顾问 ' + m.authorName : '顾问';
    if (m.from === 'system') return '系统';
    return '';
  }

  // ---------------------------------------------------------------- status

  var STATUS_TEXT = { connecting: '连接中', connected: '已连接', disconnected: '已断开' };

  function setStatus(state, detail) {
    els.status.hidden = false;
    els.status.dataset.state = state;
    els.status.textContent = STATUS_TEXT[state] || '';
    els.status.title = detail || '';
  }

  // ---------------------------------------------------------------- who serves the client

  /**
   * The advisor serving now, from the transcript: the latest advisor or system message that
   * names one ("我是顾问王芳…"). A system message without a name (the end-of-service notice)
   * closes the previous service, so nothing before it counts.
   */
  function advisorFromTranscript() {
    var list = [];
    messages.forEach(function (m) {
      if (m.from === 'advisor' || m.from === 'system') list.push(m);
    });
    list.sort(function (a, b) {
      return b.seq - a.seq;
    });
    for (var i = 0; i < list.length; i++) {
      if (list[i].authorName) return list[i].authorName;
      if (list[i].from === 'system') return null;
    }
    return null;
  }

  function setService(state, advisorName) {
    service = { state: state, advisorName: typeof advisorName === 'string' && advisorName ? advisorName : null };
    renderService();
  }

  function serviceText() {
    switch (service.state) {
      case 'queued':
        return '正在为您转接人工，请稍候（排队中）';
      case 'human': {
        var name = service.advisorName || advisorFromTranscript();
        return name ? '顾问 ' + name + ' 为您服务' : '顾问服务中';
      }
      case 'after_hours':
        return '非人工服务时间：已为您登记回电，智能助手继续为您服务';
      default:
        return '智能助手为您服务';
    }
  }

  function renderService() {
    if (!service) {
      els.service.hidden = true;
      return;
    }
    var state =
      service.state === 'queued' || service.state === 'human' || service.state === 'after_hours' ? service.state : 'bot';
    var text = serviceText();
    els.service.dataset.state = state;
    if (els.serviceText.textContent !== text) els.serviceText.textContent = text;
    els.service.hidden = false;
  }

  // ---------------------------------------------------------------- outbox

  function outboxKey() {
    var claims = session && tokenClaims(session.token);
    var sub = (session && session.customer && session.customer.id) || (claims && claims.sub) || 'anonymous';
    return OUTBOX_PREFIX + sub;
  }

  function saveOutbox() {
    var list = [];
    outbox.forEach(function (e) {
      list.push({ cmid: e.cmid, text: e.text, createdAt: e.createdAt, state: e.state, error: e.error, autoRetry: e.autoRetry });
    });
    kit.writeSession(outboxKey(), list.length ? list : null);
  }

  function loadOutbox() {
    outbox = new Map();
    var list = kit.readSession(outboxKey());
    if (!Array.isArray(list)) return;
    list.forEach(function (e) {
      if (!e || typeof e.cmid !== 'string' || typeof e.text !== 'string') return;
      outbox.set(e.cmid, {
        cmid: e.cmid,
        text: e.text,
        createdAt: e.createdAt || new Date().toISOString(),
        state: e.state === 'failed' ? 'failed' : 'pending',
        error: e.error || null,
        autoRetry: e.autoRetry !== false,
        attempt: 0,
        order: ++localOrder,
      });
    });
  }

  /** Sends one outbox entry; a later attempt supersedes the acks of earlier ones. */
  function transmit(entry) {
    entry.state = 'pending';
    entry.error = null;
    if (!socket || !socket.connected) {
      render(false);
      return; // sent when the connection is back (flushOutbox)
    }
    var attempt = ++attemptCounter;
    entry.attempt = attempt;
    render(false);
    connection.request('message', { clientMessageId: entry.cmid, text: entry.text }).then(function (res) {
      if (entry.attempt !== attempt || outbox.get(entry.cmid) !== entry) return;
      if (res.error === 'timeout' || res.error === 'disconnected') {
        // Disconnected before the ack: stays pending and is re-sent after reconnecting.
        if (socket && socket.connected) fail(entry, '发送超时，请检查网络后重试', true);
        return;
      }
      if (res.ok) confirmSent(entry, res.seq);
      else fail(entry, res.message || '消息发送失败，请重试', false);
    });
  }

  function confirmSent(entry, seq) {
    outbox.delete(entry.cmid);
    saveOutbox();
    var key = 'c:' + entry.cmid;
    var existing = messages.get(key);
    messages.set(key, {
      key: key,
      from: 'client',
      authorName: null,
      text: existing ? existing.text : entry.text,
      seq: typeof seq === 'number' ? seq : existing ? existing.seq : null,
      createdAt: existing ? existing.createdAt : entry.createdAt,
    });
    render(false);
  }

  function fail(entry, message, autoRetry) {
    entry.state = 'failed';
    entry.error = message;
    entry.autoRetry = autoRetry;
    saveOutbox();
    render(false);
  }

  /** After (re)connecting: send what was not acknowledged, in the order it was written. */
  function flushOutbox() {
    sortedOutbox().forEach(function (e) {
      if (e.state === 'pending' || e.autoRetry) transmit(e);
    });
  }

  function sortedOutbox() {
    var list = [];
    outbox.forEach(function (e) {
      list.push(e);
    });
    return list.sort(function (a, b) {
      return a.order - b.order;
    });
  }

  // ---------------------------------------------------------------- messages

  function isWireMessage(m) {
    return m && typeof m.id === 'string' && typeof m.seq === 'number' && typeof m.text === 'string' && typeof m.from === 'string';
  }

  function mergeServerMessage(m) {
    if (!isWireMessage(m)) return;
    var key = messageKey(m.from, m.id);
    if (m.from === 'client') {
      // Stored on the server: whatever the outbox thought, it arrived.
      var cmid = clientMessageIdOf(m.id);
      if (outbox.has(cmid)) {
        outbox.delete(cmid);
        saveOutbox();
      }
    }
    messages.set(key, {
      key: key,
      from: m.from,
      authorName: m.authorName || null,
      text: m.text,
      seq: m.seq,
      createdAt: m.createdAt,
      menu: m.from === 'bot' ? menuOf(m.menu) : null,
    });
    // The final message takes the streamed draft's place (same key, same <li>).
    if (m.from === 'bot' && drafts.has(m.id)) endDraft(m.id);
    if (m.from === 'advisor' && m.seq > lastSeq) setTyping(false);
    if (m.seq > lastSeq) lastSeq = m.seq;
  }

  /** Well-formed menu options only (at most 10, as the server sends). */
  function menuOf(menu) {
    if (!Array.isArray(menu)) return null;
    var list = menu
      .filter(function (c) {
        return c && typeof c.id === 'string' && typeof c.label === 'string' && c.label !== '';
      })
      .slice(0, 10);
    return list.length ? list : null;
  }

  // ---------------------------------------------------------------- streamed answers (drafts)

  function onDraft(p) {
    if (!p || typeof p.id !== 'string' || typeof p.text !== 'string') return;
    if (conversationId && p.conversationId !== conversationId) return;
    if (endedDrafts.has(p.id) || messages.has('m:' + p.id)) return;
    var follow = isNearBottom();
    if (p.cancelled) {
      // The stream was abandoned; the final message (e.g. a rule-based answer) still follows.
      endDraft(p.id);
      render(false);
      return;
    }
    var draft = drafts.get(p.id);
    if (!draft) {
      draft = { id: p.id, text: '', done: false, order: ++localOrder, timer: null };
      drafts.set(p.id, draft);
    }
    draft.text = p.text;
    draft.done = p.done === true; // written to the end: no cursor while it waits for its message
    clearTimeout(draft.timer);
    draft.timer = setTimeout(function () {
      endDraft(draft.id);
      render(false);
    }, DRAFT_TTL_MS);
    render(follow);
  }

  function endDraft(id) {
    var draft = drafts.get(id);
    if (draft) {
      clearTimeout(draft.timer);
      drafts.delete(id);
    }
    endedDrafts.add(id);
    if (endedDrafts.size > 200) endedDrafts.delete(endedDrafts.values().next().value);
  }

  function clearDrafts() {
    drafts.forEach(function (d) {
      clearTimeout(d.timer);
    });
    drafts = new Map();
    endedDrafts = new Set();
  }

  // ---------------------------------------------------------------- advisor typing

  function setTyping(on) {
    clearTimeout(typingTimer);
    if (on && !els.typing.firstChild) {
      var dots = el('span', 'typing-dots');
      dots.setAttribute('aria-hidden', 'true');
      dots.append(el('span'), el('span'), el('span'));
      els.typing.append(dots, el('span', 'typing-text', '顾问正在输入…'));
    } else if (!on) {
      els.typing.replaceChildren();
    }
    if (on) {
      typingTimer = setTimeout(function () {
        setTyping(false);
      }, TYPING_TTL_MS);
    }
  }

  function isNearBottom() {
    var box = els.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  /**
   * What the transcript shows, in order: stored messages by seq, then answers being streamed,
   * then messages written here and not yet acknowledged.
   */
  function transcriptItems() {
    var items = [];
    messages.forEach(function (m) {
      items.push({ key: m.key, m: m, pending: null, draft: null });
    });
    items.sort(function (a, b) {
      return a.m.seq - b.m.seq;
    });
    var streaming = [];
    drafts.forEach(function (d) {
      streaming.push(d);
    });
    streaming
      .sort(function (a, b) {
        return a.order - b.order;
      })
      .forEach(function (d) {
        items.push({ key: 'm:' + d.id, m: { from: 'bot', authorName: null, text: d.text }, pending: null, draft: d });
      });
    sortedOutbox().forEach(function (e) {
      if (messages.has('c:' + e.cmid)) return;
      items.push({ key: 'c:' + e.cmid, m: { from: 'client', text: e.text, createdAt: e.createdAt }, pending: e, draft: null });
    });
    // A menu is open until the client writes anything after it; what they wrote next may be its pick.
    var next = null;
    for (var i = items.length - 1; i >= 0; i--) {
      var item = items[i];
      if (item.m.from === 'client') next = item.m.text;
      else if (item.m.menu) item.menuState = { open: next === null, picked: pickedIndex(item.m.menu, next) };
    }
    return items;
  }

  /** Which option the client's next message picked (its label or its number), or -1. */
  function pickedIndex(menu, reply) {
    if (reply === null) return -1;
    var text = reply.trim();
    for (var i = 0; i < menu.length; i++) {
      if (text === menu[i].label || text === String(i + 1)) return i;
    }
    return -1;
  }

  /**
   * Re-draws the transcript. Each item keeps its <li> (keyed like `messages`, and a draft has
   * the key of the message that replaces it), redrawn only when what it shows changed: the
   * final answer takes its draft's place, and the live region announces only what is new.
   */
  function render(stick) {
    var follow = stick || isNearBottom();
    var list = els.messageList;
    var existing = new Map();
    Array.prototype.forEach.call(list.children, function (li) {
      existing.set(li.dataset.key, li);
    });
    var cursor = list.firstChild;
    transcriptItems().forEach(function (item) {
      var signature = JSON.stringify([
        item.m.from,
        item.m.authorName,
        item.m.text,
        item.m.createdAt,
        item.draft && [item.draft.done],
        item.pending && [item.pending.state, item.pending.error, !!(socket && socket.connected)],
        item.m.menu,
        item.menuState,
      ]);
      var li = existing.get(item.key);
      if (li) existing.delete(item.key);
      else li = el('li');
      if (drawn.get(li) !== signature) {
        drawMessage(li, item);
        drawn.set(li, signature);
      }
      if (li === cursor) cursor = cursor.nextSibling;
      else list.insertBefore(li, cursor);
    });
    existing.forEach(function (li) {
      li.remove();
    });
    if (follow) els.messages.scrollTop = els.messages.scrollHeight;
    // "顾问服务中" becomes "顾问 X 为您服务" once a message names the advisor.
    if (service && service.state === 'human' && !service.advisorName) renderService();
  }

  function drawMessage(li, item) {
    var m = item.m;
    var pending = item.pending;
    li.className = 'msg from-' + m.from;
    li.dataset.from = m.from;
    li.dataset.key = item.key;
    var children = [];
    if (m.from !== 'client') children.push(el('div', 'msg-author', authorLabel(m)));
    var text = m.menu ? textWithoutOptions(m.text, m.menu) : m.text;
    children.push(el('div', 'bubble', text));
    if (m.menu) children.push(drawMenu(m.menu, item.menuState));
    var meta = el('div', 'msg-meta');
    if (item.draft) {
      // Screen readers get the answer once, when the final message replaces the draft.
      li.classList.add('is-draft');
      if (!item.draft.done) li.classList.add('is-writing');
      li.setAttribute('aria-hidden', 'true');
    } else {
      li.removeAttribute('aria-hidden');
    }
    if (item.draft) {
      meta.appendChild(el('span', 'msg-state', '正在回复…'));
    } else if (pending && pending.state === 'failed') {
      li.classList.add('is-failed');
      meta.appendChild(el('span', 'msg-state failed', '发送失败：' + (pending.error || '请重试')));
      var retry = el('button', 'retry-button', '重试');
      retry.type = 'button';
      retry.addEventListener('click', function () {
        transmit(pending);
      });
      meta.appendChild(retry);
    } else if (pending) {
      li.classList.add('is-pending');
      meta.appendChild(el('span', 'msg-state pending', socket && socket.connected ? '发送中' : '等待网络恢复后发送'));
    } else {
      meta.appendChild(el('time', 'msg-time', formatTime(m.createdAt)));
    }
    children.push(meta);
    li.replaceChildren.apply(li, children);
  }

  /**
   * The bot's text without its numbered option lines ("1. …"), which the buttons show instead,
   * numbered: each option is then seen once and read once (as "1. 标签" buttons), and the hint to
   * reply with the number stays true. If the lines do not match the options exactly, the text
   * is kept whole rather than risk hiding something.
   */
  function textWithoutOptions(text, menu) {
    var found = 0;
    var kept = text.split('\n').filter(function (line) {
      var match = /^\s*(\d+)\s*[.、．]\s*(.*?)\s*$/.exec(line);
      var option = match && menu[Number(match[1]) - 1];
      if (option && option.label === match[2]) {
        found += 1;
        return false;
      }
      return true;
    });
    return found === menu.length ? kept.join('\n').trim() : text;
  }

  function drawMenu(menu, state) {
    var group = el('div', 'menu');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', '可选问题');
    var open = !state || state.open;
    menu.forEach(function (option, i) {
      var button = el('button', 'menu-option');
      button.type = 'button';
      button.disabled = !open;
      button.appendChild(el('span', 'menu-number', i + 1 + '.'));
      button.appendChild(document.createTextNode(' ' + option.label));
      if (state && state.picked === i) {
        button.classList.add('is-picked');
        button.appendChild(el('span', 'visually-hidden', '（已选）'));
      }
      button.addEventListener('click', function (e) {
        if (button.disabled || !session) return;
        sendText(option.label);
        // Keyboard users keep a focus (the tapped button is now disabled); touch users get no keyboard.
        if (e.detail === 0) els.input.focus();
      });
      group.appendChild(button);
    });
    return group;
  }

  // ---------------------------------------------------------------- connection

  function connect() {
    // auth read at every reconnect: it sends the current lastSeq, so history replays only what was missed.
    connection = openConnection('/client', {
      auth: function () {
        return { token: session.token, lastSeq: lastSeq };
      },
      authErrors: AUTH_ERRORS,
      onStatus: function (state, detail) {
        setStatus(state, detail);
        if (state === 'disconnected') {
          // Its "stopped typing" could be missed while disconnected.
          setTyping(false);
          render(false);
        }
      },
      onAuthError: sessionEnded,
    });
    socket = connection.socket;

    socket.on('connect', function () {
      liveStateSeen = false;
      render(false);
    });

    socket.on('history', function (h) {
      if (!h || !Array.isArray(h.messages)) return;
      if (typeof h.conversationId === 'string') conversationId = h.conversationId;
      h.messages.forEach(mergeServerMessage);
      // The state in `history` was read before this socket joined the chat's room: a live
      // `state` event that already arrived on this connection is newer.
      if (typeof h.state === 'string' && !liveStateSeen) setService(h.state, null);
      render(true);
      flushOutbox();
    });

    socket.on('state', function (p) {
      if (!p || typeof p.state !== 'string') return;
      if (conversationId && p.conversationId && p.conversationId !== conversationId) return;
      liveStateSeen = true;
      setService(p.state, p.advisorName);
      if (p.state !== 'human') setTyping(false);
    });

    socket.on('draft', onDraft);

    socket.on('survey', function (s) {
      if (conversationId && s && s.conversationId !== conversationId) return;
      surveyCard.show(s);
    });

    socket.on('typing', function (p) {
      if (!p || p.from !== 'advisor' || typeof p.typing !== 'boolean') return;
      if (conversationId && p.conversationId !== conversationId) return;
      setTyping(p.typing);
    });

    socket.on('message', function (m) {
      var follow = isNearBottom();
      mergeServerMessage(m);
      render(follow);
    });
  }

  function disconnect() {
    surveyCard.hide();
    if (connection) connection.close();
    connection = null;
    socket = null;
  }

  function sessionEnded(code) {
    var demo = session && session.demo;
    disconnect();
    kit.writeSession(SESSION_KEY, null);
    els.status.hidden = true;
    var expired = code === 'token_expired';
    if (demo) {
      session = null;
      showPicker(expired ? '会话已过期，请重新选择客户。' : '身份校验失败，请重新选择客户。');
      return;
    }
    els.unavailableTitle.textContent = expired ? '会话已过期' : '身份校验失败';
    els.unavailableText.textContent = '请返回交易 App 重新打开在线客服。';
    show(els.unavailable);
  }

  // ---------------------------------------------------------------- session

  function startSession(s) {
    session = s;
    kit.writeSession(SESSION_KEY, s);
    messages = new Map();
    clearDrafts();
    setTyping(false);
    lastSeq = 0;
    conversationId = null;
    service = null;
    renderService();
    loadOutbox();
    var claims = tokenClaims(s.token) || {};
    var customer = s.customer || { id: claims.sub, name: claims.name };
    var who = [
      customer.name,
      customer.id ? '客户号 ' + customer.id : null,
      customer.tier && customer.tier !== 'standard' ? TIER_LABELS[customer.tier] : null,
    ]
      .filter(Boolean)
      .join(' · ');
    els.who.textContent = who;
    els.who.hidden = !who;
    els.switchCustomer.hidden = !s.demo;
    show(els.chat);
    render(true);
    connect();
    els.input.focus();
  }

  function showPicker(errorText) {
    disconnect();
    session = null;
    messages = new Map();
    outbox = new Map();
    clearDrafts();
    setTyping(false);
    conversationId = null;
    service = null;
    renderService();
    els.who.hidden = true;
    els.status.hidden = true;
    els.switchCustomer.hidden = true;
    els.pickerError.hidden = !errorText;
    els.pickerError.textContent = errorText || '';
    els.customerList.replaceChildren();
    show(els.picker);
    fetch('/api/demo/customers', { headers: { accept: 'application/json' } })
      .then(function (res) {
        if (res.status === 404) return null;
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (body) {
        if (!body) {
          els.unavailableTitle.textContent = '请从交易 App 中打开在线客服';
          els.unavailableText.textContent = '在线客服需要登录交易 App 后使用。';
          show(els.unavailable);
          return;
        }
        renderCustomers(Array.isArray(body.customers) ? body.customers : []);
      })
      .catch(function () {
        showPickerError('客户列表加载失败，请检查网络后刷新页面。');
      });
  }

  function showPickerError(text) {
    els.pickerError.textContent = text;
    els.pickerError.hidden = false;
  }

  function renderCustomers(customers) {
    var fragment = document.createDocumentFragment();
    customers.forEach(function (c) {
      var li = el('li');
      var button = el('button', 'customer');
      button.type = 'button';
      var name = el('span', 'customer-name', c.name);
      if (c.tier) name.appendChild(el('span', 'tier tier-' + c.tier, TIER_LABELS[c.tier] || c.tier));
      button.appendChild(name);
      button.appendChild(el('span', 'customer-meta', '客户号 ' + c.id + (c.branchId ? ' · 营业部 ' + c.branchId : '')));
      if (c.phone) button.appendChild(el('span', 'customer-meta', '手机 ' + c.phone));
      button.addEventListener('click', function () {
        pickCustomer(c.id, button);
      });
      li.appendChild(button);
      fragment.appendChild(li);
    });
    els.customerList.replaceChildren(fragment);
  }

  function pickCustomer(customerId, button) {
    var buttons = els.customerList.querySelectorAll('button');
    buttons.forEach(function (b) {
      b.disabled = true;
    });
    els.pickerError.hidden = true;
    fetch('/api/demo/client-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ customerId: customerId }),
    })
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            if (!res.ok || !body.token) throw new Error(body.message || '进入失败，请重试');
            startSession({ token: body.token, demo: true, customer: body.customer || null });
          });
      })
      .catch(function (err) {
        buttons.forEach(function (b) {
          b.disabled = false;
        });
        showPickerError(err && err.message && /[\u4e00-\u9fa5]/.test(err.message) ? err.message : '无法连接服务器，请稍后重试。');
        if (button) button.focus();
      });
  }

  // ---------------------------------------------------------------- composer

  function submit() {
    var text = els.input.value.trim();
    if (!text || !session) return;
    els.input.value = '';
    autosize();
    sendText(text);
  }

  /** Writes a client message: shown at once, kept in the outbox until the server acknowledges it. */
  function sendText(text) {
    var entry = {
      cmid: kit.newMessageId('w'),
      text: text,
      createdAt: new Date().toISOString(),
      state: 'pending',
      error: null,
      autoRetry: true,
      attempt: 0,
      order: ++localOrder,
    };
    outbox.set(entry.cmid, entry);
    saveOutbox();
    render(true);
    transmit(entry);
  }

  function autosize() {
    els.input.style.height = 'auto';
    els.input.style.height = Math.min(els.input.scrollHeight + 2, 120) + 'px';
  }

  els.composer.addEventListener('submit', function (e) {
    e.preventDefault();
    submit();
    els.input.focus();
  });

  els.input.addEventListener('keydown', function (e) {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate is not a send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });

  els.input.addEventListener('input', autosize);

  els.switchCustomer.addEventListener('click', function () {
    kit.writeSession(SESSION_KEY, null);
    showPicker(null);
  });

  // ---------------------------------------------------------------- start

  function tokenFromHash() {
    var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (!match) return null;
    try {
      return decodeURIComponent(match[1]);
    } catch {
      return null;
    }
  }

  function boot() {
    if (typeof window.io !== 'function') {
      els.unavailableTitle.textContent = '在线客服暂时无法使用';
      els.unavailableText.textContent = '聊天组件加载失败，请稍后刷新页面。';
      show(els.unavailable);
      return;
    }
    var hashToken = tokenFromHash();
    if (hashToken) {
      // Keep the token out of the address bar, history and screenshots.
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
      var claims = tokenClaims(hashToken) || {};
      startSession({ token: hashToken, demo: false, customer: claims.sub ? { id: claims.sub, name: claims.name || '' } : null });
      return;
    }
    var saved = kit.readSession(SESSION_KEY);
    if (saved && typeof saved.token === 'string') {
      startSession(saved);
      return;
    }
    showPicker(null);
  }

  boot();
})();
