/*
 * The advisor / supervisor console. Plain browser JavaScript, no build step.
 *
 * Login: POST /api/advisor/login → { token, advisor }, kept in sessionStorage so a reload
 * stays logged in. Realtime: Socket.IO namespace /advisor (agent-console/src/advisor-namespace.ts):
 *   requests with ack: queue:list, chat:list, chat:accept, chat:send, chat:close, chat:watch,
 *     chat:unwatch, chat:active
 *   events: ready, offer, queue:added, queue:removed, chat:message, chat:closed, chat:opened
 * Channel facts and help (agent-console/src, channels/src/channel-events.ts):
 *   requests: chat:channel (channel, send budget), chat:assist (summary / suggested replies),
 *     chat:typing (fire and forget; the client sees "typing" where the channel supports it)
 *   events: channel:budget, delivery:failed, chat:recalled, channel:session, chat:insight
 * A message's file (WireMessage.media) is fetched with the advisor's token and shown from a blob URL.
 * On every (re)connect the console asks for the waiting list, its own chats (chat:list also
 * re-joins their rooms), the chats in progress, and re-watches the chats it was watching.
 * A chat accepted in another tab of the same advisor (chat:opened) opens here too. Closing a
 * read-only tab stops its live messages (chat:unwatch).
 *
 * Advisor replies are idempotent: each has a clientMessageId, kept while unacknowledged and
 * re-sent with the same id after a reconnect.
 *
 * All user text is written with textContent, never as HTML.
 */
(function () {
  'use strict';

  var kit = window.PageKit;
  var byId = kit.byId;
  var el = kit.el;
  var readJson = kit.readSession;
  var writeJson = kit.writeSession;
  var pad = kit.pad;
  function formatTime(iso) {
    return kit.formatTime(iso, { seconds: true });
  }

  var SESSION_KEY = 'bb.console.session';
  var WATCH_KEY = 'bb.console.watching';
  var ACTIVE_KEY = 'bb.console.active';
  var ACK_TIMEOUT_MS = 15000;
  var RETRY_AFTER_MS = 3000;
  var TITLE = '顾问工作台';
  var labels = window.ConsoleLabels;
  var TIER_LABELS = labels.TIER_LABELS;
  var PRIORITY_LABELS = { 1: '紧急', 2: 'VIP 优先', 3: '投诉', 4: '情绪', 5: '普通' };
  /** High-risk business named by the escalation policy (high_risk_intent:<id>). */
  var RISK_LABELS = labels.RISK_LABELS;
  var AUTH_ERRORS = { token_invalid: true, token_expired: true, token_revoked: true };
  var ACTIVE_REFRESH_MS = 15000;
  var CHANNEL_LABELS = { app: 'App', wecom: '企业微信客服', miniprogram: '小程序' };
  /** chat:typing true is repeated at most this often while the advisor keeps typing. */
  var TYPING_EVERY_MS = 5000;
  var MEDIA_LABELS = { image: '图片', voice: '语音', video: '视频', file: '文件' };
  var MEDIA_UNAVAILABLE = '文件已过期或无法获取';
  var COMPOSER_PLACEHOLDER = '输入回复，Enter 发送，Shift+Enter 换行';

  var els = {
    loginView: byId('login-view'),
    loginForm: byId('login-form'),
    username: byId('username'),
    password: byId('password'),
    loginError: byId('login-error'),
    loginButton: byId('login-button'),
    appView: byId('app-view'),
    connStatus: byId('conn-status'),
    meName: byId('me-name'),
    meRole: byId('me-role'),
    meBranch: byId('me-branch'),
    logout: byId('logout'),
    queueCount: byId('queue-count'),
    queueScope: byId('queue-scope'),
    queueList: byId('queue-list'),
    queueEmpty: byId('queue-empty'),
    activeCount: byId('active-count'),
    activeScope: byId('active-scope'),
    activeList: byId('active-list'),
    activeEmpty: byId('active-empty'),
    tabs: byId('tabs'),
    chatArea: byId('chat-area'),
    noChat: byId('no-chat'),
    noChatText: byId('no-chat-text'),
    toasts: byId('toasts'),
    confirmDialog: byId('confirm-dialog'),
    confirmTitle: byId('confirm-title'),
    confirmText: byId('confirm-text'),
    mediaViewer: byId('media-viewer'),
    mediaViewerImage: byId('media-viewer-image'),
  };

  /** { token, advisor: { id, name, role, branchId, allBranches } } */
  var session = null;
  var socket = null;
  var retryTimer = null;
  var clockTimer = null;
  /** Waiting handoffs by handoffId. */
  var queue = new Map();
  /** Open chats by conversationId (see newChat). */
  var chats = new Map();
  var tabOrder = [];
  var activeId = null;
  var attemptCounter = 0;
  var localOrder = 0;
  var acceptInFlight = new Set();
  /** Chats a person is serving now (chat:active), newest first. */
  var activeChats = [];
  var activeTimer = null;
  var activeLoading = false;
  var activeAgain = false;
  /** Fetched message files by URL: { state: 'loading' | 'ready' | 'failed', blobUrl }. */
  var mediaFiles = new Map();

  // ---------------------------------------------------------------- helpers

  function button(className, text, onClick) {
    var b = el('button', className, text);
    b.type = 'button';
    if (onClick) b.addEventListener('click', onClick);
    return b;
  }

  function formatWaiting(iso) {
    var since = new Date(iso).getTime();
    if (isNaN(since)) return '';
    var s = Math.max(0, Math.floor((Date.now() - since) / 1000));
    if (s < 60) return s + ' 秒';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' 分 ' + pad(s % 60) + ' 秒';
    return Math.floor(m / 60) + ' 小时 ' + pad(m % 60) + ' 分';
  }

  function priorityLabel(p) {
    return PRIORITY_LABELS[p] || 'P' + p;
  }

  /**
   * Reason codes from the escalation rules (flows/src/escalation.ts) and policy
   * (flows/src/policy/decide.ts) in words. A numeric detail is an emotion's intensity.
   */
  function reasonInfo(reason) {
    var i = String(reason).indexOf(':');
    var kind = i >= 0 ? reason.slice(0, i) : reason;
    var detail = i >= 0 ? reason.slice(i + 1) : '';
    var intensity = /^\d+(\.\d+)?$/.test(detail) ? detail : '';
    var words = intensity
      ? '强度 ' + intensity
      : detail
          .split(',')
          .filter(function (w) {
            return w && w !== 'shouting';
          })
          .join('、');
    var shouting = detail.split(',').indexOf('shouting') >= 0;
    var withWords = function (label) {
      return words ? label + '（' + words + '）' : label;
    };
    switch (kind) {
      case 'explicit_request':
        return { kind: kind, label: withWords('客户要求人工') };
      case 'distress':
        return { kind: kind, label: withWords('情绪危机') };
      case 'anger':
        return { kind: kind, label: withWords(shouting ? '客户不满 · 语气激烈' : '客户不满') };
      case 'anxiety':
        return { kind: kind, label: withWords('客户焦虑') };
      case 'sadness':
        return { kind: 'anxiety', label: withWords('客户情绪低落') };
      case 'rising_distress':
        return { kind: 'anxiety', label: '负面情绪持续上升' };
      case 'complaint':
        return { kind: 'anger', label: '客户投诉' };
      case 'high_risk_intent':
        return { kind: 'distress', label: '高风险业务（' + (RISK_LABELS[detail] || detail) + '）' };
      case 'tier':
        return { kind: kind, label: detail === 'vip' ? 'VIP 客户' : '客户等级 ' + detail };
      default:
        return { kind: 'other', label: String(reason) };
    }
  }

  function reasonChips(reasons) {
    var box = el('div', 'chips');
    (reasons || []).forEach(function (r) {
      var info = reasonInfo(r);
      box.appendChild(el('span', 'chip reason-' + info.kind, info.label));
    });
    return box;
  }

  function tierBadge(tier) {
    return TIER_LABELS[tier] ? el('span', 'tier tier-' + tier, TIER_LABELS[tier]) : null;
  }

  function customerName(handoff) {
    return (handoff && handoff.customer && handoff.customer.name) || '访客';
  }

  function toast(text, kind) {
    var t = el('div', 'toast' + (kind ? ' ' + kind : ''), text);
    t.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    els.toasts.appendChild(t);
    setTimeout(
      function () {
        t.remove();
      },
      kind === 'error' ? 6000 : 4000,
    );
    return t;
  }

  /** Offer notices by handoffId, dismissed as soon as the chat is taken. */
  var offerToasts = new Map();

  function dismissOffer(handoffId) {
    var t = offerToasts.get(handoffId);
    if (t) t.remove();
    offerToasts.delete(handoffId);
  }

  /** Resolves true when the user confirms (custom modal, not window.confirm). */
  function confirmDialog(title, text) {
    return new Promise(function (resolve) {
      var dialog = els.confirmDialog;
      els.confirmTitle.textContent = title;
      els.confirmText.textContent = text;
      dialog.returnValue = '';
      dialog.addEventListener(
        'close',
        function () {
          resolve(dialog.returnValue === 'ok');
        },
        { once: true },
      );
      dialog.showModal();
    });
  }

  /** A request with an ack on this console's socket (see PageKit.request). */
  function request(event, payload) {
    return kit.request(socket, event, payload, ACK_TIMEOUT_MS);
  }

  // ---------------------------------------------------------------- login

  function showLogin(errorText) {
    els.appView.hidden = true;
    els.loginView.hidden = false;
    els.loginError.textContent = errorText || '';
    els.loginError.hidden = !errorText;
    els.loginButton.disabled = false;
    els.loginButton.textContent = '登录';
    document.title = TITLE;
    (els.username.value ? els.password : els.username).focus();
  }

  els.loginForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var username = els.username.value.trim();
    var password = els.password.value;
    if (!username || !password) {
      els.loginError.textContent = '请输入用户名和密码';
      els.loginError.hidden = false;
      return;
    }
    els.loginButton.disabled = true;
    els.loginButton.textContent = '登录中…';
    els.loginError.hidden = true;
    fetch('/api/advisor/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: username, password: password }),
    })
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return {};
          })
          .then(function (body) {
            if (!res.ok || !body.token) {
              showLogin(body.message || '登录失败，请稍后重试');
              return;
            }
            els.password.value = '';
            session = { token: body.token, advisor: body.advisor };
            writeJson(SESSION_KEY, session);
            startApp();
          });
      })
      .catch(function () {
        showLogin('无法连接服务器，请检查网络后重试');
      });
  });

  els.logout.addEventListener('click', function () {
    logout(null);
  });

  function logout(message) {
    disconnect();
    document.dispatchEvent(new window.CustomEvent('console:logout'));
    clearInterval(clockTimer);
    clearInterval(activeTimer);
    session = null;
    writeJson(SESSION_KEY, null);
    writeJson(WATCH_KEY, null);
    writeJson(ACTIVE_KEY, null);
    queue = new Map();
    chats = new Map();
    tabOrder = [];
    activeId = null;
    activeChats = [];
    activeLoading = false;
    activeAgain = false;
    els.queueList.replaceChildren();
    els.activeList.replaceChildren();
    els.tabs.replaceChildren();
    els.chatArea.replaceChildren();
    forgetMediaFiles();
    showLogin(message);
  }

  // ---------------------------------------------------------------- app

  function isSupervisor() {
    return !!session && session.advisor.role === 'supervisor';
  }

  function startApp() {
    var a = session.advisor;
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
    // Chats watched before a reload are re-watched once connected.
    var watching = readJson(WATCH_KEY);
    if (Array.isArray(watching)) {
      watching.forEach(function (w) {
        if (w && typeof w.conversationId === 'string') ensureChat(w.conversationId, 'watch', w.handoff || null);
      });
    }
    activeId = readJson(ACTIVE_KEY);
    renderQueue();
    renderActive();
    renderTabs();
    clearInterval(clockTimer);
    clockTimer = setInterval(updateWaitingTimes, 1000);
    clearInterval(activeTimer);
    activeTimer = setInterval(refreshActive, ACTIVE_REFRESH_MS);
    connect();
  }

  // ---------------------------------------------------------------- connection

  function setStatus(state) {
    els.connStatus.dataset.state = state;
    els.connStatus.textContent = { connecting: '连接中', connected: '已连接', disconnected: '已断开' }[state];
  }

  function connect() {
    setStatus('connecting');
    socket = window.io('/advisor', {
      auth: function (cb) {
        cb({ token: session ? session.token : '' });
      },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
    });

    socket.on('connect', function () {
      setStatus('connected');
      resync();
    });
    socket.on('disconnect', function (reason) {
      setStatus('disconnected');
      renderAllChats();
      if (reason === 'io server disconnect') scheduleRetry();
    });
    socket.on('connect_error', function (err) {
      var code = err && err.message;
      if (AUTH_ERRORS[code]) {
        logout(
          code === 'token_expired'
            ? '登录已过期，请重新登录'
            : code === 'token_revoked'
              ? '账号已停用或登录已失效，请重新登录'
              : '登录状态无效，请重新登录',
        );
        return;
      }
      setStatus('disconnected');
      if (!socket.active) scheduleRetry();
    });
    // The account was disabled or signed out elsewhere: back to the login form, with the reason.
    socket.on('session:revoked', function (payload) {
      logout((payload && payload.message) || '账号已停用或登录已失效，请重新登录');
    });
    socket.io.on('reconnect_attempt', function () {
      setStatus('connecting');
    });

    socket.on('ready', function (payload) {
      if (payload && payload.advisor && payload.advisor.name) els.meName.textContent = payload.advisor.name;
    });
    socket.on('offer', onOffer);
    socket.on('queue:added', function (view) {
      upsertQueueItem(view);
    });
    socket.on('queue:removed', function (p) {
      if (!p) return;
      dismissOffer(p.handoffId);
      if (queue.delete(p.handoffId)) renderQueue();
      // Usually an advisor has just taken the chat: it is in progress now.
      refreshActive();
    });
    socket.on('chat:message', onChatMessage);
    socket.on('chat:closed', function (p) {
      refreshActive();
      var chat = p && chats.get(p.conversationId);
      if (!chat || chat.closed) return;
      markClosed(chat, chat.mode === 'watch' ? '顾问已结束人工服务。' : '会话已结束。');
      // Ended in another tab of this advisor: this tab stops receiving the chat too.
      if (chat.mode === 'own') request('chat:unwatch', { conversationId: chat.conversationId });
    });
    socket.on('chat:opened', onChatOpened);
    socket.on('channel:budget', onBudget);
    socket.on('delivery:failed', onDeliveryFailed);
    socket.on('chat:recalled', onRecalled);
    socket.on('chat:insight', onInsight);
    socket.on('channel:session', onSessionChanged);
    // Side panels in their own scripts (appointments.js …) attach to the same connection.
    document.dispatchEvent(
      new window.CustomEvent('console:connected', { detail: { socket: socket, session: session, toast: toast } }),
    );
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      if (socket && !socket.connected) {
        setStatus('connecting');
        socket.connect();
      }
    }, RETRY_AFTER_MS);
  }

  function disconnect() {
    clearTimeout(retryTimer);
    if (socket) {
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
      socket = null;
    }
  }

  /** After (re)connecting: the waiting list, own chats (re-joins their rooms), watched chats, unsent replies. */
  function resync() {
    request('queue:list').then(function (res) {
      if (!res.ok) {
        toast(res.message || '等待队列加载失败', 'error');
        return;
      }
      queue = new Map();
      (res.items || []).forEach(function (v) {
        if (v && v.handoffId) queue.set(v.handoffId, v);
      });
      renderQueue();
    });

    if (!isSupervisor()) {
      loadOwnChats().then(function (ok) {
        if (!ok) return;
        chats.forEach(function (chat) {
          if (chat.mode === 'own' && !chat.closed) flushPending(chat);
        });
        restoreActive();
      });
    }

    chats.forEach(function (chat) {
      if (chat.mode === 'watch' && !chat.closed) watch(chat.conversationId, chat.handoff, false);
    });
    // Advisors' tabs are known once chat:list has answered (above); supervisors only watch.
    if (isSupervisor()) restoreActive();
    refreshActive();
  }

  /**
   * The chats this advisor owns (chat:list, which also puts this socket in their rooms), merged
   * into the open tabs. The server reads the transcript just before joining the rooms, so a
   * second pass picks up anything written in between. Resolves false if the list failed.
   */
  function loadOwnChats() {
    return listOwnChats().then(function (found) {
      if (found > 0)
        return listOwnChats().then(function (again) {
          return again >= 0;
        });
      return found >= 0;
    });
  }

  /** One chat:list: resolves the number of chats owned now, or -1 if the request failed. */
  function listOwnChats() {
    return request('chat:list').then(function (res) {
      if (!res.ok) {
        if (res.error !== 'disconnected') toast(res.message || '会话列表加载失败', 'error');
        return -1;
      }
      var owned = new Set();
      (res.chats || []).forEach(function (c) {
        if (!c || typeof c.conversationId !== 'string') return;
        owned.add(c.conversationId);
        openChat(c, 'own', false);
      });
      // Chats this console had open that are no longer ours (ended elsewhere).
      chats.forEach(function (chat) {
        if (chat.mode === 'own' && !chat.closed && !owned.has(chat.conversationId)) markClosed(chat, '会话已结束。');
      });
      return owned.size;
    });
  }

  /** This advisor accepted a chat (here or in another tab): open it here too, once. */
  function onChatOpened(view) {
    if (!view || typeof view.conversationId !== 'string' || isSupervisor()) return;
    var handoffId = view.handoff && view.handoff.handoffId;
    var existing = chats.get(view.conversationId);
    var wasOpen = !!existing && existing.mode === 'own' && !existing.closed;
    if (handoffId) {
      dismissOffer(handoffId);
      if (queue.delete(handoffId)) renderQueue();
    }
    // Take the focus only when nothing else is on screen; the accepting tab focuses it itself.
    openChat(view, 'own', !activeId || !chats.has(activeId));
    refreshActive();
    // Accepted elsewhere: this socket is not in the chat's room yet; chat:list puts it there.
    if (!wasOpen && !(handoffId && acceptInFlight.has(handoffId))) {
      loadOwnChats();
      if (activeId !== view.conversationId) toast('已在其他窗口接入：' + customerName(view.handoff));
    }
  }

  /** Shows the tab that was open before (reload or reconnect), else the first one. */
  function restoreActive() {
    if (activeId && chats.has(activeId)) activate(activeId);
    else if (tabOrder.length) activate(tabOrder[0]);
    else renderTabs();
  }

  // ---------------------------------------------------------------- waiting list

  function isOfferedToMe(view) {
    return !!session && view.status === 'offered' && view.offeredTo === session.advisor.id;
  }

  function upsertQueueItem(view) {
    if (!view || !view.handoffId) return;
    // A chat this console already owns or has closed is not waiting any more.
    if (chats.has(view.conversationId) && chats.get(view.conversationId).mode === 'own' && !chats.get(view.conversationId).closed)
      return;
    // The client wrote something more urgent while waiting: the item moves up, and people are told.
    var known = queue.get(view.handoffId);
    if (known && view.priority < known.priority) {
      toast(
        '等待中的客户 ' + customerName(view) + ' 情况更紧急（' + (PRIORITY_LABELS[view.priority] || view.priority) + '）',
        'error',
      );
    }
    queue.set(view.handoffId, view);
    renderQueue();
  }

  function onOffer(view) {
    if (!view || !view.handoffId) return;
    upsertQueueItem(view);
    dismissOffer(view.handoffId);
    offerToasts.set(view.handoffId, toast('新会话待接入：' + customerName(view), 'offer'));
  }

  function sortedQueue() {
    var list = [];
    queue.forEach(function (v) {
      list.push(v);
    });
    return list.sort(function (a, b) {
      var offered = (isOfferedToMe(b) ? 1 : 0) - (isOfferedToMe(a) ? 1 : 0);
      if (offered) return offered;
      if (a.priority !== b.priority) return a.priority - b.priority;
      return String(a.createdAt).localeCompare(String(b.createdAt));
    });
  }

  function renderQueue() {
    var list = sortedQueue();
    var fragment = document.createDocumentFragment();
    var offers = 0;
    list.forEach(function (v) {
      if (isOfferedToMe(v)) offers += 1;
      fragment.appendChild(renderQueueItem(v));
    });
    els.queueList.replaceChildren(fragment);
    els.queueCount.textContent = String(list.length);
    els.queueEmpty.hidden = list.length > 0;
    document.title = (offers ? '(' + offers + ') ' : '') + TITLE;
  }

  function renderQueueItem(v) {
    var offered = isOfferedToMe(v);
    var li = el('li', 'queue-item' + (offered ? ' offered' : ''));
    li.dataset.handoffId = v.handoffId;
    if (offered) li.appendChild(el('div', 'offer-flag', '新会话待接入'));

    var head = el('div', 'qi-head');
    head.appendChild(el('span', 'qi-name', customerName(v)));
    var badge = v.customer && tierBadge(v.customer.tier);
    if (badge) head.appendChild(badge);
    li.appendChild(head);

    var meta = [];
    if (v.customer && v.customer.phone) meta.push(v.customer.phone);
    if (v.customer && v.customer.id) meta.push('客户号 ' + v.customer.id);
    if (session && session.advisor.allBranches && v.branchId) meta.push('营业部 ' + v.branchId);
    if (meta.length) li.appendChild(el('div', 'qi-meta', meta.join(' · ')));
    if (v.summary) li.appendChild(el('p', 'qi-summary', v.summary));
    if (v.reasons && v.reasons.length) li.appendChild(reasonChips(v.reasons));

    var foot = el('div', 'qi-foot');
    var facts = el('div', 'qi-facts');
    var pr = el('span', '', '优先级：');
    pr.appendChild(el('span', 'priority p' + v.priority, priorityLabel(v.priority)));
    facts.appendChild(pr);
    var wait = el('span', '', '已等待 ');
    var waitValue = el('span', 'wait', formatWaiting(v.createdAt));
    waitValue.dataset.since = v.createdAt;
    wait.appendChild(waitValue);
    facts.appendChild(wait);
    foot.appendChild(facts);

    if (isSupervisor()) {
      foot.appendChild(
        button('ghost-dark', chats.has(v.conversationId) ? '查看监听' : '静默监听', function () {
          watch(v.conversationId, v, true);
        }),
      );
    } else {
      var accept = button('primary', '接入', function () {
        acceptHandoff(v, accept);
      });
      if (acceptInFlight.has(v.handoffId)) {
        accept.disabled = true;
        accept.textContent = '接入中…';
      }
      foot.appendChild(accept);
    }
    li.appendChild(foot);
    return li;
  }

  function updateWaitingTimes() {
    els.queueList.querySelectorAll('.wait').forEach(function (node) {
      node.textContent = formatWaiting(node.dataset.since);
    });
    els.activeList.querySelectorAll('.served').forEach(function (node) {
      node.textContent = formatWaiting(node.dataset.since);
    });
    refreshSendBlocks();
  }

  // ---------------------------------------------------------------- chats in progress

  function isActiveChat(c) {
    return !!c && typeof c.conversationId === 'string';
  }

  /** Asks for the chats in progress; calls while one is on its way are folded into one more. */
  function refreshActive() {
    if (!session || !socket || !socket.connected) return;
    if (activeLoading) {
      activeAgain = true;
      return;
    }
    activeLoading = true;
    var asked = socket;
    request('chat:active').then(function (res) {
      if (asked !== socket) return; // logged out or reconnected meanwhile
      activeLoading = false;
      if (res.ok) {
        activeChats = (Array.isArray(res.chats) ? res.chats : []).filter(isActiveChat);
        renderActive();
      }
      if (activeAgain) {
        activeAgain = false;
        refreshActive();
      }
    });
  }

  /** What a read-only tab opened from this list knows about the chat (no handoff summary). */
  function activeAsHandoff(c) {
    return {
      conversationId: c.conversationId,
      branchId: c.branchId || null,
      customer: c.customer ? { id: c.customer.id, name: c.customer.name, tier: c.customer.tier } : null,
      advisorName: c.advisorName || null,
    };
  }

  function isMine(c) {
    return !!session && c.advisorId === session.advisor.id;
  }

  function renderActive() {
    var fragment = document.createDocumentFragment();
    activeChats.forEach(function (c) {
      fragment.appendChild(renderActiveItem(c));
      // An open read-only tab learns who serves the chat now.
      var chat = chats.get(c.conversationId);
      if (chat && chat.handoff && c.advisorName && chat.handoff.advisorName !== c.advisorName) {
        chat.handoff.advisorName = c.advisorName;
        if (chat.els) renderHeader(chat);
      }
    });
    els.activeList.replaceChildren(fragment);
    els.activeCount.textContent = String(activeChats.length);
    els.activeEmpty.hidden = activeChats.length > 0;
  }

  function renderActiveItem(c) {
    var mine = isMine(c);
    var watching = !mine && chats.has(c.conversationId) && chats.get(c.conversationId).mode === 'watch';
    var li = el('li', 'queue-item active-item' + (mine ? ' mine' : ''));
    li.dataset.conversationId = c.conversationId;

    var head = el('div', 'qi-head');
    head.appendChild(el('span', 'qi-name', (c.customer && c.customer.name) || '访客'));
    var badge = c.customer && tierBadge(c.customer.tier);
    if (badge) head.appendChild(badge);
    if (mine) head.appendChild(el('span', 'tag mine', '我的会话'));
    else if (watching) head.appendChild(el('span', 'tag watching', '监听中'));
    li.appendChild(head);

    var meta = [];
    if (c.customer && c.customer.id) meta.push('客户号 ' + c.customer.id);
    if (c.branchId) meta.push('营业部 ' + c.branchId);
    if (meta.length) li.appendChild(el('div', 'qi-meta', meta.join(' · ')));

    var foot = el('div', 'qi-foot');
    var facts = el('div', 'qi-facts');
    var who = el('span', '', '顾问 ');
    who.appendChild(el('span', 'served-by', c.advisorName || '（未知）'));
    facts.appendChild(who);
    if (c.since) {
      var served = el('span', '', '已服务 ');
      var value = el('span', 'served', formatWaiting(c.since));
      value.dataset.since = c.since;
      served.appendChild(value);
      facts.appendChild(served);
    }
    foot.appendChild(facts);
    if (mine) {
      foot.appendChild(
        button('ghost-dark', '打开', function () {
          if (chats.has(c.conversationId) && !chats.get(c.conversationId).closed) activate(c.conversationId);
          else
            loadOwnChats().then(function () {
              activate(c.conversationId);
            });
        }),
      );
    } else {
      foot.appendChild(
        button('ghost-dark', watching ? '查看监听' : '静默监听', function () {
          watch(c.conversationId, activeAsHandoff(c), true);
        }),
      );
    }
    li.appendChild(foot);
    return li;
  }

  function acceptHandoff(view, acceptButton) {
    if (acceptInFlight.has(view.handoffId)) return;
    acceptInFlight.add(view.handoffId);
    acceptButton.disabled = true;
    acceptButton.textContent = '接入中…';
    request('chat:accept', { handoffId: view.handoffId }).then(function (res) {
      acceptInFlight.delete(view.handoffId);
      dismissOffer(view.handoffId);
      if (res.ok && res.chat) {
        queue.delete(view.handoffId);
        renderQueue();
        openChat(res.chat, 'own', true);
        refreshActive();
        return;
      }
      toast(res.message || '接入失败，请重试', 'error');
      if (res.error === 'not_available') queue.delete(view.handoffId);
      renderQueue();
      if (res.error === 'not_available') refreshQueue();
    });
  }

  function refreshQueue() {
    request('queue:list').then(function (res) {
      if (!res.ok) return;
      queue = new Map();
      (res.items || []).forEach(function (v) {
        queue.set(v.handoffId, v);
      });
      renderQueue();
    });
  }

  // ---------------------------------------------------------------- chats

  function ensureChat(conversationId, mode, handoff) {
    var chat = chats.get(conversationId);
    if (chat) {
      if (handoff) chat.handoff = handoff;
      if (mode === 'own' && chat.mode !== 'own') {
        chat.mode = 'own';
        chat.closed = false;
        buildPane(chat);
      }
      return chat;
    }
    chat = {
      conversationId: conversationId,
      mode: mode,
      handoff: handoff,
      messages: new Map(),
      pending: new Map(),
      closed: false,
      closedText: '',
      unread: 0,
      els: null,
      /** chat:channel / channel:budget: { channel, typing, budget: { remaining, limit, windowEndsAt } | null }. */
      facts: null,
      factsLoading: false,
      /** Counts channel:budget events, so that an older chat:channel answer does not overwrite a newer budget. */
      budgetEvents: 0,
      /** The send block shown now (a reason, or ''), to notice when the window closes by the clock. */
      blockShown: '',
      /** Channel notices (channel:session) placed after the message with seq afterSeq. */
      notices: [],
      /** delivery:failed reasons and chat:recalled ids that arrived before (or without) the message. */
      failReasons: new Map(),
      recalledIds: new Set(),
      /** chat:insight updates (what the bot made of a client message) by message id. */
      insights: new Map(),
      assist: { busy: null, error: null, summary: null, replies: null },
      typing: { on: false, sentAt: 0 },
    };
    chats.set(conversationId, chat);
    tabOrder.push(conversationId);
    buildPane(chat);
    saveWatching();
    return chat;
  }

  function openChat(view, mode, focus) {
    var chat = ensureChat(view.conversationId, mode, view.handoff || null);
    if (mode === 'own' && chat.closed) {
      chat.closed = false;
      buildPane(chat);
    }
    (view.messages || []).forEach(function (m) {
      mergeMessage(chat, m);
    });
    renderHeader(chat);
    renderTranscript(chat, true);
    if (focus) activate(chat.conversationId);
    else renderTabs();
    // Asked at every (re)open: budget events missed while disconnected are not replayed.
    if (!chat.closed) loadChannelFacts(chat);
  }

  function watch(conversationId, handoff, focus) {
    var existing = chats.get(conversationId);
    if (existing && focus) activate(conversationId);
    request('chat:watch', { conversationId: conversationId }).then(function (res) {
      if (existing && !chats.has(conversationId)) {
        // The tab was closed while this request was on its way: stop the live messages again.
        if (res.ok) request('chat:unwatch', { conversationId: conversationId });
        return;
      }
      if (!res.ok) {
        toast(res.message || '无法打开该会话', 'error');
        var chat = chats.get(conversationId);
        if (chat && chat.mode === 'watch' && res.error !== 'disconnected' && res.error !== 'timeout')
          markClosed(chat, res.message || '无法查看该会话。');
        return;
      }
      openChat(
        { conversationId: conversationId, handoff: handoff, messages: res.messages },
        (existing && existing.mode) || 'watch',
        focus,
      );
      renderQueue();
      renderActive();
    });
  }

  function saveWatching() {
    var list = [];
    chats.forEach(function (c) {
      if (c.mode === 'watch') list.push({ conversationId: c.conversationId, handoff: c.handoff });
    });
    writeJson(WATCH_KEY, list.length ? list : null);
  }

  function isWireMessage(m) {
    return m && typeof m.id === 'string' && typeof m.seq === 'number' && typeof m.text === 'string';
  }

  /** Stores a message, keeping a recall or failure reason that was announced separately. */
  function mergeMessage(chat, m) {
    if (!isWireMessage(m)) return false;
    var isNew = !chat.messages.has(m.id);
    var copy = Object.assign({}, m);
    if (chat.recalledIds.has(m.id)) copy.recalled = true;
    if (!copy.insight && chat.insights.has(m.id)) copy.insight = chat.insights.get(m.id);
    if (copy.status === 'failed' && !copy.error && chat.failReasons.has(m.id)) copy.error = chat.failReasons.get(m.id);
    chat.messages.set(m.id, copy);
    return isNew;
  }

  function highestSeq(chat) {
    var max = 0;
    chat.messages.forEach(function (m) {
      if (m.seq > max) max = m.seq;
    });
    return max;
  }

  function onChatMessage(m) {
    if (!isWireMessage(m)) return;
    var chat = chats.get(m.conversationId);
    if (!chat) return;
    var follow = isNearBottom(chat);
    var isNew = mergeMessage(chat, m);
    if (isNew && chat.conversationId !== activeId && m.from === 'client') {
      chat.unread += 1;
      renderTabs();
    }
    renderTranscript(chat, follow);
  }

  function markClosed(chat, text) {
    chat.closed = true;
    chat.closedText = text;
    chat.pending.forEach(function (p) {
      if (p.state === 'pending') {
        p.state = 'failed';
        p.error = '会话已结束，未发送';
        p.noRetry = true;
      }
    });
    buildPane(chat);
    renderTabs();
  }

  function closeTab(conversationId) {
    var chat = chats.get(conversationId);
    if (!chat) return;
    if (chat.mode === 'own' && !chat.closed) return;
    // No more live messages for this chat on this socket (the server never drops a chat the
    // advisor still owns, and a closed own chat has usually been left already).
    request('chat:unwatch', { conversationId: conversationId });
    chats.delete(conversationId);
    tabOrder = tabOrder.filter(function (id) {
      return id !== conversationId;
    });
    if (chat.els) chat.els.pane.remove();
    forgetMediaFiles(chat);
    saveWatching();
    if (activeId === conversationId) {
      activeId = null;
      writeJson(ACTIVE_KEY, null);
      if (tabOrder.length) activate(tabOrder[tabOrder.length - 1]);
      else renderTabs();
    } else renderTabs();
    renderQueue();
    renderActive();
  }

  function activate(conversationId) {
    if (!chats.has(conversationId)) return;
    activeId = conversationId;
    writeJson(ACTIVE_KEY, conversationId);
    var chat = chats.get(conversationId);
    chat.unread = 0;
    renderTabs();
    renderTranscript(chat, true);
    if (chat.els && chat.els.input && !chat.els.input.disabled) chat.els.input.focus();
  }

  function renderTabs() {
    var fragment = document.createDocumentFragment();
    tabOrder.forEach(function (id) {
      var chat = chats.get(id);
      if (!chat) return;
      var selected = id === activeId;
      var tab = el('div', 'tab');
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', selected ? 'true' : 'false');
      tab.tabIndex = 0;
      tab.dataset.conversationId = id;
      tab.appendChild(el('span', 'tab-label', customerName(chat.handoff)));
      if (chat.mode === 'watch') tab.appendChild(el('span', 'tab-kind watch', '监听'));
      if (chat.closed) tab.appendChild(el('span', 'tab-kind', '已结束'));
      if (chat.unread > 0 && !selected) tab.appendChild(el('span', 'unread', chat.unread > 99 ? '99+' : chat.unread));
      if (chat.mode === 'watch' || chat.closed) {
        var x = button('tab-close', '×', function (e) {
          e.stopPropagation();
          closeTab(id);
        });
        x.setAttribute('aria-label', '关闭标签');
        x.title = '关闭标签';
        tab.appendChild(x);
      }
      tab.addEventListener('click', function () {
        activate(id);
      });
      tab.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          activate(id);
        }
      });
      fragment.appendChild(tab);
      if (chat.els) chat.els.pane.hidden = !selected;
    });
    els.tabs.replaceChildren(fragment);
    var anyVisible = activeId && chats.has(activeId);
    els.noChat.hidden = !!anyVisible;
    els.chatArea.hidden = !anyVisible;
  }

  /**
   * (Re)builds a chat's pane: header (with the channel facts), handoff card, assist panel,
   * transcript, and reply box (with the send-budget warning) or read-only note.
   */
  function buildPane(chat) {
    var old = chat.els;
    var draft = old && old.input ? old.input.value : '';
    var pane = el('section', 'chat-pane');
    pane.dataset.conversationId = chat.conversationId;
    pane.setAttribute('role', 'tabpanel');
    pane.hidden = chat.conversationId !== activeId;

    var head = el('div', 'chat-head');
    var who = el('div', 'chat-who');
    var actions = el('div', 'chat-actions');
    head.appendChild(who);
    head.appendChild(actions);
    pane.appendChild(head);

    var card = el('div', 'handoff-card');
    pane.appendChild(card);

    var assist = el('section', 'assist');
    assist.setAttribute('aria-label', '智能辅助');
    pane.appendChild(assist);

    var transcript = el('div', 'transcript');
    transcript.setAttribute('role', 'log');
    transcript.setAttribute('aria-label', '聊天记录');
    var list = el('ol', 'transcript-list');
    transcript.appendChild(list);
    pane.appendChild(transcript);

    var composer = { input: null, send: null, warning: null };
    if (chat.mode === 'watch') {
      actions.appendChild(el('span', 'readonly-tag', '静默监听 · 只读'));
      actions.appendChild(
        button('ghost-dark', '关闭', function () {
          closeTab(chat.conversationId);
        }),
      );
      pane.appendChild(
        el('p', 'pane-note watch', chat.closed ? chat.closedText : '静默监听中：客户看不到您，您在此只能查看，不能发送消息。'),
      );
    } else if (chat.closed) {
      actions.appendChild(
        button('ghost-dark', '关闭标签', function () {
          closeTab(chat.conversationId);
        }),
      );
      pane.appendChild(el('p', 'pane-note closed', chat.closedText || '会话已结束。'));
    } else {
      actions.appendChild(
        button('danger outline', '结束会话', function (e) {
          endChat(chat, e.currentTarget);
        }),
      );
      composer = buildComposer(chat, draft);
      pane.appendChild(composer.warning);
      pane.appendChild(composer.form);
    }

    chat.els = {
      pane: pane,
      who: who,
      facts: el('div', 'channel-facts'),
      card: card,
      assist: assist,
      transcript: transcript,
      list: list,
      input: composer.input,
      send: composer.send,
      warning: composer.warning,
    };
    if (old && old.pane.parentNode) old.pane.replaceWith(pane);
    else els.chatArea.appendChild(pane);
    renderHeader(chat);
    renderAssist(chat);
    applyComposerState(chat);
    renderTranscript(chat, true);
  }

  /** The reply box of an own open chat, and the warning shown above it while sending is not allowed. */
  function buildComposer(chat, draft) {
    var warning = el('p', 'budget-warning');
    warning.setAttribute('role', 'alert');
    warning.hidden = true;
    var form = el('form', 'reply');
    var input = el('textarea');
    input.rows = 3;
    input.maxLength = 2000;
    input.placeholder = COMPOSER_PLACEHOLDER;
    input.setAttribute('aria-label', '回复客户');
    input.value = draft;
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        sendReply(chat);
      }
    });
    input.addEventListener('input', function () {
      if (input.value.trim()) startTyping(chat);
      else stopTyping(chat);
    });
    input.addEventListener('blur', function () {
      stopTyping(chat);
    });
    var side = el('div', 'reply-side');
    var send = el('button', 'primary', '发送');
    send.type = 'submit';
    side.appendChild(send);
    side.appendChild(el('span', 'reply-hint', '客户可见'));
    form.appendChild(input);
    form.appendChild(side);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      sendReply(chat);
      input.focus();
    });
    return { form: form, input: input, send: send, warning: warning };
  }

  function renderHeader(chat) {
    var h = chat.handoff;
    var who = chat.els.who;
    var line = el('div', 'chat-customer');
    line.appendChild(el('h2', 'chat-customer-name', customerName(h)));
    var badge = h && h.customer && tierBadge(h.customer.tier);
    if (badge) line.appendChild(badge);
    var meta = [];
    if (h && h.customer && h.customer.phone) meta.push(h.customer.phone);
    if (h && h.customer && h.customer.id) meta.push('客户号 ' + h.customer.id);
    if (h && h.branchId) meta.push('营业部 ' + h.branchId);
    if (h && h.createdAt) meta.push('转人工于 ' + formatTime(h.createdAt));
    if (chat.mode === 'watch' && h && h.advisorName) meta.push('顾问 ' + h.advisorName + ' 服务中');
    who.replaceChildren(line);
    if (meta.length) who.appendChild(el('div', 'chat-customer-meta', meta.join(' · ')));
    who.appendChild(chat.els.facts);
    renderChannelFacts(chat);

    var card = chat.els.card;
    card.replaceChildren();
    // Opened from 进行中的会话: no handoff summary is known for it.
    card.hidden = !h || (!h.summary && !h.priority);
    if (card.hidden) return;
    card.appendChild(el('p', 'handoff-card-title', '转人工摘要 · 优先级 ' + priorityLabel(h.priority)));
    card.appendChild(el('p', 'handoff-summary', h.summary || '（无摘要）'));
    if (h.reasons && h.reasons.length) card.appendChild(reasonChips(h.reasons));
  }

  function isNearBottom(chat) {
    if (!chat.els) return true;
    var t = chat.els.transcript;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 80;
  }

  function renderAllChats() {
    chats.forEach(function (chat) {
      renderTranscript(chat, false);
    });
  }

  /** Stored messages by seq, then this console's unacknowledged replies in writing order. */
  function renderTranscript(chat, stick) {
    if (!chat.els) return;
    var follow = stick || isNearBottom(chat);
    var list = [];
    chat.messages.forEach(function (m) {
      list.push(m);
    });
    list.sort(function (a, b) {
      return a.seq - b.seq;
    });
    var fragment = document.createDocumentFragment();
    var notices = chat.notices;
    var next = 0;
    list.forEach(function (m) {
      while (next < notices.length && notices[next].afterSeq < m.seq) fragment.appendChild(renderNotice(notices[next++]));
      fragment.appendChild(renderMessage(chat, m, null));
    });
    while (next < notices.length) fragment.appendChild(renderNotice(notices[next++]));
    var pending = [];
    chat.pending.forEach(function (p) {
      pending.push(p);
    });
    pending
      .sort(function (a, b) {
        return a.order - b.order;
      })
      .forEach(function (p) {
        fragment.appendChild(
          renderMessage(
            chat,
            { from: 'advisor', authorName: session ? session.advisor.name : '', text: p.text, createdAt: p.createdAt },
            p,
          ),
        );
      });
    chat.els.list.replaceChildren(fragment);
    if (follow) chat.els.transcript.scrollTop = chat.els.transcript.scrollHeight;
  }

  function renderMessage(chat, m, pending) {
    var li = el('li', 'tmsg from-' + m.from);
    li.dataset.from = m.from;
    var author = el('div', 'tmsg-author');
    if (m.from === 'client') {
      author.appendChild(el('span', 'author-badge client', '客户'));
      author.appendChild(el('span', '', customerName(chat.handoff)));
    } else if (m.from === 'bot') {
      author.appendChild(el('span', 'author-badge bot', '智能助手'));
      author.appendChild(el('span', '', '机器人自动回复'));
    } else if (m.from === 'advisor') {
      author.appendChild(el('span', 'author-badge advisor', '顾问'));
      var mine = session && m.authorName === session.advisor.name;
      author.appendChild(el('span', '', (m.authorName || '') + (mine ? '（我）' : '')));
    } else {
      author.appendChild(el('span', '', '系统消息'));
    }
    li.appendChild(author);
    li.appendChild(el('div', 'tbubble', m.text));
    if (m.media) li.appendChild(renderMedia(m.media));
    if (m.menu && m.menu.length) li.appendChild(renderMenu(m.menu));
    if (m.from === 'client' && m.insight) li.appendChild(labels.renderInsight(m.insight));
    var meta = el('div', 'tmsg-meta');
    if (!pending) {
      renderStoredMeta(li, meta, m);
    } else if (pending.state === 'failed') {
      li.classList.add('is-failed');
      meta.appendChild(el('span', 'tmsg-state failed', '发送失败：' + (pending.error || '请重试')));
      if (!pending.noRetry && !chat.closed) {
        meta.appendChild(
          button('link-retry', '重试', function () {
            transmitReply(chat, pending);
          }),
        );
      }
    } else {
      li.classList.add('is-pending');
      meta.appendChild(el('span', 'tmsg-state', socket && socket.connected ? '发送中…' : '等待网络恢复后发送'));
    }
    li.appendChild(meta);
    return li;
  }

  /** A stored message's time, and whether it failed to reach the client or the client recalled it. */
  function renderStoredMeta(li, meta, m) {
    meta.appendChild(el('time', '', formatTime(m.createdAt)));
    if (m.status === 'failed') {
      li.classList.add('is-failed');
      meta.appendChild(el('span', 'tmsg-state failed', '发送失败：' + (m.error || '消息未送达客户')));
    }
    if (m.recalled) {
      // Kept visible: the record stays for compliance, the mark says the client took it back.
      li.classList.add('is-recalled');
      meta.appendChild(el('span', 'tmsg-state recalled', '客户已撤回'));
    }
  }

  /** The bot's clarifying menu as the client saw it (read-only here). */
  function renderMenu(menu) {
    var box = el('div', 'tmenu');
    box.appendChild(el('p', 'tmenu-title', '客户可点选：'));
    var list = el('ol', 'tmenu-list');
    menu.forEach(function (choice) {
      if (choice && typeof choice.label === 'string') list.appendChild(el('li', '', choice.label));
    });
    box.appendChild(list);
    return box;
  }

  /** A channel notice (channel:session) between the messages. */
  function renderNotice(notice) {
    var li = el('li', 'tnotice');
    li.dataset.kind = notice.kind;
    li.appendChild(el('span', 'tnotice-text', notice.text));
    li.appendChild(el('time', '', formatTime(notice.at)));
    return li;
  }

  // ---------------------------------------------------------------- replies and closing

  function sendReply(chat) {
    if (chat.mode !== 'own' || chat.closed || !chat.els.input || sendBlockReason(chat)) return;
    var text = chat.els.input.value.trim();
    if (!text) return;
    stopTyping(chat);
    var entry = {
      cmid: kit.newMessageId('c'),
      text: text,
      createdAt: new Date().toISOString(),
      state: 'pending',
      error: null,
      autoRetry: true,
      attempt: 0,
      order: ++localOrder,
    };
    chat.pending.set(entry.cmid, entry);
    chat.els.input.value = '';
    renderTranscript(chat, true);
    transmitReply(chat, entry);
  }

  function transmitReply(chat, entry) {
    entry.state = 'pending';
    entry.error = null;
    if (!socket || !socket.connected) {
      renderTranscript(chat, false);
      return; // re-sent after reconnecting (resync → flushPending)
    }
    var attempt = ++attemptCounter;
    entry.attempt = attempt;
    renderTranscript(chat, false);
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit(
        'chat:send',
        { conversationId: chat.conversationId, clientMessageId: entry.cmid, text: entry.text },
        function (err, res) {
          if (entry.attempt !== attempt || chat.pending.get(entry.cmid) !== entry) return;
          if (err) {
            if (socket && socket.connected) failReply(chat, entry, '发送超时，请重试', true);
            return;
          }
          if (res && res.ok) {
            chat.pending.delete(entry.cmid);
            mergeMessage(chat, res.message);
            renderTranscript(chat, false);
          } else {
            failReply(chat, entry, (res && res.message) || '发送失败，请重试', false);
            if (res && res.error === 'not_owner') markClosed(chat, res.message || '会话已结束。');
          }
        },
      );
  }

  function failReply(chat, entry, message, autoRetry) {
    entry.state = 'failed';
    entry.error = message;
    entry.autoRetry = autoRetry;
    renderTranscript(chat, false);
  }

  function flushPending(chat) {
    var list = [];
    chat.pending.forEach(function (p) {
      if (p.state === 'pending' || p.autoRetry) list.push(p);
    });
    list
      .sort(function (a, b) {
        return a.order - b.order;
      })
      .forEach(function (p) {
        transmitReply(chat, p);
      });
  }

  function endChat(chat, endButton) {
    confirmDialog(
      '结束会话',
      '确定结束与 ' + customerName(chat.handoff) + ' 的人工服务吗？结束后客户的新消息将由智能助手回复。',
    ).then(function (ok) {
      if (!ok) return;
      endButton.disabled = true;
      request('chat:close', { conversationId: chat.conversationId }).then(function (res) {
        if (res.ok) {
          markClosed(chat, '会话已结束，客户已收到结束通知。');
          refreshActive();
          toast('已结束与 ' + customerName(chat.handoff) + ' 的会话');
          return;
        }
        endButton.disabled = false;
        toast(res.message || '结束会话失败，请重试', 'error');
        if (res.error === 'not_owner') markClosed(chat, res.message);
      });
    });
  }

  // ---------------------------------------------------------------- channel facts and send budget

  function channelLabel(channel) {
    return CHANNEL_LABELS[channel] || channel || '';
  }

  function readBudget(b) {
    if (!b || typeof b.remaining !== 'number' || typeof b.limit !== 'number') return null;
    return { remaining: Math.max(0, b.remaining), limit: b.limit, windowEndsAt: b.windowEndsAt || null };
  }

  function windowOpen(budget) {
    return !!budget.windowEndsAt && new Date(budget.windowEndsAt).getTime() > Date.now();
  }

  /** "11-27 14:05" */
  function formatMinute(iso) {
    var d = new Date(iso);
    return pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  /** Why nothing may be sent to the client now (WeCom / mini-program limits), or '' when sending is allowed. */
  function sendBlockReason(chat) {
    var budget = chat.facts && chat.facts.budget;
    if (!budget) return '';
    if (!windowOpen(budget)) return '客户超过 48 小时未发言，发送窗口已关闭，暂不能发送。请等待客户再次发消息后再回复。';
    if (budget.remaining <= 0)
      return '客户上次发言后已发满 ' + budget.limit + ' 条（平台上限），暂不能发送。请等待客户再次发消息后再回复。';
    return '';
  }

  /** chat:channel: the chat's channel and send budget, asked when the chat is (re)opened. */
  function loadChannelFacts(chat) {
    if (chat.factsLoading) return;
    chat.factsLoading = true;
    var eventsBefore = chat.budgetEvents;
    request('chat:channel', { conversationId: chat.conversationId }).then(function (res) {
      chat.factsLoading = false;
      if (chats.get(chat.conversationId) !== chat || !res.ok) return;
      // A channel:budget event that arrived meanwhile is newer than this answer.
      var budget = chat.budgetEvents !== eventsBefore && chat.facts ? chat.facts.budget : readBudget(res.budget);
      chat.facts = { channel: res.channel, typing: !!res.typing, budget: budget };
      showChannelFacts(chat);
    });
  }

  function onBudget(p) {
    var chat = p && chats.get(p.conversationId);
    if (!chat) return;
    chat.budgetEvents += 1;
    var known = chat.facts || { channel: p.channel, typing: false };
    chat.facts = { channel: p.channel || known.channel, typing: known.typing, budget: readBudget(p) };
    showChannelFacts(chat);
  }

  function showChannelFacts(chat) {
    if (!chat.els) return;
    renderChannelFacts(chat);
    applyComposerState(chat);
  }

  /** Header line: channel badge, remaining messages, and until when the client may be written to. */
  function renderChannelFacts(chat) {
    var box = chat.els.facts;
    box.replaceChildren();
    var facts = chat.facts;
    if (!facts) return;
    box.appendChild(el('span', 'channel-badge channel-' + facts.channel, channelLabel(facts.channel)));
    var budget = facts.budget;
    if (!budget) return;
    var blocked = !!sendBlockReason(chat);
    var count = el('span', 'budget-count', '剩余可发 ' + budget.remaining + '/' + budget.limit + ' 条');
    count.dataset.state = blocked ? 'blocked' : budget.remaining <= 1 ? 'low' : 'ok';
    box.appendChild(count);
    box.appendChild(
      el(
        'span',
        'budget-window' + (windowOpen(budget) ? '' : ' closed'),
        windowOpen(budget) ? '可发送至 ' + formatMinute(budget.windowEndsAt) : '发送窗口已关闭',
      ),
    );
  }

  /** Disables the reply box, with the reason, while the channel allows nothing to be sent. */
  function applyComposerState(chat) {
    var reason = sendBlockReason(chat);
    chat.blockShown = reason;
    if (!chat.els || !chat.els.input) return;
    chat.els.warning.textContent = reason;
    chat.els.warning.hidden = !reason;
    chat.els.input.disabled = !!reason;
    chat.els.send.disabled = !!reason;
    chat.els.input.placeholder = reason ? '暂不能发送：请等待客户再次发消息' : COMPOSER_PLACEHOLDER;
    if (reason) stopTyping(chat);
  }

  /** Every second: a send window that closed by the clock blocks the reply box without any event. */
  function refreshSendBlocks() {
    chats.forEach(function (chat) {
      if (chat.facts && chat.facts.budget && sendBlockReason(chat) !== chat.blockShown) showChannelFacts(chat);
    });
  }

  // ---------------------------------------------------------------- typing

  /** chat:typing true while the advisor writes, repeated at most every TYPING_EVERY_MS. */
  function startTyping(chat) {
    var now = Date.now();
    if (chat.typing.on && now - chat.typing.sentAt < TYPING_EVERY_MS) return;
    chat.typing.on = true;
    chat.typing.sentAt = now;
    emitTyping(chat, true);
  }

  function stopTyping(chat) {
    if (!chat.typing.on) return;
    chat.typing.on = false;
    emitTyping(chat, false);
  }

  function emitTyping(chat, typing) {
    if (!socket || !socket.connected || chat.mode !== 'own' || chat.closed) return;
    // The ack ({ ok, supported }) does not matter: channels without an indicator just say so.
    socket.emit('chat:typing', { conversationId: chat.conversationId, typing: typing }, function () {});
  }

  // ---------------------------------------------------------------- channel events

  function onDeliveryFailed(p) {
    var chat = p && chats.get(p.conversationId);
    if (!chat || typeof p.messageId !== 'string') return;
    var reason = String(p.reason || '消息未送达客户');
    chat.failReasons.set(p.messageId, reason);
    var m = chat.messages.get(p.messageId);
    if (m && (m.status !== 'failed' || !m.error)) {
      chat.messages.set(p.messageId, Object.assign({}, m, { status: 'failed', error: m.error || reason }));
      renderTranscript(chat, false);
    }
    toast('发给 ' + customerName(chat.handoff) + ' 的消息未送达：' + reason, 'error');
  }

  /** The bot finished reading a client message: its emotion, intent and what it did. */
  function onInsight(p) {
    var chat = p && chats.get(p.conversationId);
    if (!chat || typeof p.messageId !== 'string' || !p.insight) return;
    chat.insights.set(p.messageId, p.insight);
    var m = chat.messages.get(p.messageId);
    if (m) {
      chat.messages.set(p.messageId, Object.assign({}, m, { insight: p.insight }));
      renderTranscript(chat, false);
    }
  }

  function onRecalled(p) {
    var chat = p && chats.get(p.conversationId);
    if (!chat || typeof p.messageId !== 'string') return;
    chat.recalledIds.add(p.messageId);
    var m = chat.messages.get(p.messageId);
    if (m) {
      chat.messages.set(p.messageId, Object.assign({}, m, { recalled: true }));
      renderTranscript(chat, false);
    }
  }

  /** What WeCom's session_status_change means (change_type 1–4, see WECOM.md) in words. */
  function sessionNoticeText(changeType, servicer) {
    var who = servicer ? '接待人员 ' + servicer : '接待人员';
    switch (changeType) {
      case 1:
        return '企业微信：' + who + ' 已从接待池接入该会话';
      case 2:
        return servicer ? '企业微信：会话已转接给' + who : '企业微信：会话已被转接';
      case 3:
        return '企业微信：会话已在企业微信中结束';
      case 4:
        return '企业微信：' + who + ' 重新接入了该会话';
      default:
        return '企业微信：会话接待状态已变更（类型 ' + changeType + '）';
    }
  }

  function onSessionChanged(p) {
    var chat = p && chats.get(p.conversationId);
    if (!chat) return;
    chat.notices.push({
      kind: 'channel-session',
      text: sessionNoticeText(Number(p.changeType), p.servicerUserId || null),
      at: new Date().toISOString(),
      afterSeq: highestSeq(chat),
    });
    renderTranscript(chat, isNearBottom(chat));
  }

  // ---------------------------------------------------------------- assist (summary, suggested replies)

  function sourceLabel(source) {
    return source === 'llm' ? 'AI 生成' : '规则生成';
  }

  function requestAssist(chat, kind) {
    if (chat.assist.busy) return;
    chat.assist.busy = kind;
    chat.assist.error = null;
    renderAssist(chat);
    request('chat:assist', { conversationId: chat.conversationId, kind: kind }).then(function (res) {
      if (chats.get(chat.conversationId) !== chat) return;
      chat.assist.busy = null;
      if (!res.ok) chat.assist.error = res.message || '生成失败，请稍后重试';
      else if (kind === 'summary') chat.assist.summary = { text: String(res.summary || ''), source: res.source };
      else chat.assist.replies = { list: suggestedReplies(res.replies), source: res.source };
      renderAssist(chat);
    });
  }

  function suggestedReplies(list) {
    return (Array.isArray(list) ? list : [])
      .filter(function (r) {
        return typeof r === 'string' && r.trim();
      })
      .slice(0, 3);
  }

  function renderAssist(chat) {
    var box = chat.els.assist;
    box.replaceChildren();
    box.hidden = chat.closed;
    if (box.hidden) return;
    var a = chat.assist;
    var bar = el('div', 'assist-bar');
    bar.appendChild(el('span', 'assist-title', '智能辅助'));
    [
      ['summary', '交接摘要'],
      ['replies', '建议回复'],
    ].forEach(function (pair) {
      var b = button('ghost-dark small', a.busy === pair[0] ? '生成中…' : pair[1], function () {
        requestAssist(chat, pair[0]);
      });
      b.disabled = !!a.busy;
      bar.appendChild(b);
    });
    box.appendChild(bar);
    if (a.busy) {
      var loading = el('p', 'assist-status', a.busy === 'summary' ? '正在生成交接摘要…' : '正在生成建议回复…');
      loading.setAttribute('role', 'status');
      box.appendChild(loading);
    }
    if (a.error) {
      var error = el('p', 'assist-error', a.error);
      error.setAttribute('role', 'alert');
      box.appendChild(error);
    }
    if (a.summary) box.appendChild(renderAssistSummary(chat));
    if (a.replies) box.appendChild(renderAssistReplies(chat));
  }

  function assistBlock(chat, title, source, field) {
    var block = el('div', 'assist-block');
    var head = el('div', 'assist-block-head');
    head.appendChild(el('span', 'assist-block-title', title));
    head.appendChild(el('span', 'assist-source source-' + (source === 'llm' ? 'llm' : 'rules'), sourceLabel(source)));
    var close = button('tab-close', '×', function () {
      chat.assist[field] = null;
      renderAssist(chat);
    });
    close.setAttribute('aria-label', '收起' + title);
    close.title = '收起';
    head.appendChild(close);
    block.appendChild(head);
    return block;
  }

  function renderAssistSummary(chat) {
    var s = chat.assist.summary;
    var block = assistBlock(chat, '交接摘要', s.source, 'summary');
    block.appendChild(el('p', 'assist-summary', s.text || '（无摘要）'));
    return block;
  }

  /** Suggestions as chips; clicking one puts it into the reply box to edit (never sends it). */
  function renderAssistReplies(chat) {
    var r = chat.assist.replies;
    var block = assistBlock(chat, '建议回复', r.source, 'replies');
    if (!r.list.length) {
      block.appendChild(el('p', 'assist-status', '暂无建议回复'));
      return block;
    }
    var box = el('div', 'reply-chips');
    r.list.forEach(function (text) {
      if (chat.mode === 'own') {
        var chip = button('reply-chip', text, function () {
          putInComposer(chat, text);
        });
        chip.title = '放入回复框编辑';
        box.appendChild(chip);
      } else {
        box.appendChild(el('span', 'reply-chip readonly', text));
      }
    });
    block.appendChild(box);
    return block;
  }

  /** Into an empty reply box as is; into a draft at the cursor. */
  function putInComposer(chat, text) {
    var input = chat.els.input;
    if (!input) return;
    if (!input.value.trim()) input.value = text;
    else input.setRangeText(text, input.selectionStart, input.selectionEnd, 'end');
    if (!input.disabled) input.focus();
  }

  // ---------------------------------------------------------------- media

  /** A message's file: fetched once with the advisor's token, shown from a blob URL. */
  function renderMedia(media) {
    var box = el('div', 'tmedia');
    box.dataset.mediaUrl = media.url;
    fillMedia(box, media);
    var file = mediaFiles.get(media.url);
    if (!file) loadMediaFile(media);
    return box;
  }

  function fillMedia(box, media) {
    var file = mediaFiles.get(media.url);
    var label = MEDIA_LABELS[media.kind] || '文件';
    if (!file || file.state === 'loading') {
      box.replaceChildren(el('span', 'tmedia-note', '正在加载' + label + '…'));
    } else if (file.state === 'failed') {
      box.replaceChildren(el('span', 'tmedia-note failed', MEDIA_UNAVAILABLE));
    } else if (media.kind === 'image') {
      var thumb = button('tmedia-thumb', null, function () {
        openImage(file.blobUrl);
      });
      thumb.setAttribute('aria-label', '查看原图');
      var img = el('img');
      img.src = file.blobUrl;
      img.alt = media.name || '客户发送的图片';
      thumb.appendChild(img);
      box.replaceChildren(thumb);
    } else {
      // WeCom's sync_msg carries no file name; the download's Content-Disposition does.
      var name = file.name || media.name || label;
      var link = el('a', 'tmedia-file', '下载' + label + '：' + name);
      link.href = file.blobUrl;
      link.download = name;
      box.replaceChildren(link);
    }
  }

  function loadMediaFile(media) {
    var url = media.url;
    var asked = session;
    mediaFiles.set(url, { state: 'loading', blobUrl: null });
    fetch(url, { headers: { Authorization: 'Bearer ' + (session ? session.token : '') } })
      .then(function (res) {
        if (!res.ok) throw new Error('media ' + res.status);
        var name = fileNameOf(res.headers.get('content-disposition'));
        return res.blob().then(function (blob) {
          return { blob: blob, name: name };
        });
      })
      .then(
        function (got) {
          return { state: 'ready', blobUrl: URL.createObjectURL(got.blob), name: got.name };
        },
        function () {
          return { state: 'failed', blobUrl: null };
        },
      )
      .then(function (file) {
        if (asked !== session || mediaFiles.get(url) === undefined) {
          if (file.blobUrl) URL.revokeObjectURL(file.blobUrl); // logged out or tab closed meanwhile
          return;
        }
        mediaFiles.set(url, file);
        els.chatArea.querySelectorAll('.tmedia').forEach(function (box) {
          if (box.dataset.mediaUrl === url) fillMedia(box, media);
        });
      });
  }

  /** The file name from Content-Disposition: RFC 5987 filename* first, then a plain filename. */
  function fileNameOf(disposition) {
    if (!disposition) return null;
    var extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (extended) {
      try {
        return decodeURIComponent(extended[1].trim());
      } catch {
        return null;
      }
    }
    var plain = /filename\s*=\s*"([^"]*)"/i.exec(disposition);
    return plain ? plain[1] : null;
  }

  function openImage(blobUrl) {
    els.mediaViewerImage.src = blobUrl;
    els.mediaViewer.showModal();
  }

  /** Frees the blob URLs of one chat's files, or of all of them. */
  function forgetMediaFiles(chat) {
    mediaFiles.forEach(function (file, url) {
      var ofChat = !chat;
      if (chat)
        chat.messages.forEach(function (m) {
          if (m.media && m.media.url === url) ofChat = true;
        });
      if (!ofChat) return;
      if (file.blobUrl) URL.revokeObjectURL(file.blobUrl);
      mediaFiles.delete(url);
    });
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
    var saved = readJson(SESSION_KEY);
    if (saved && typeof saved.token === 'string' && saved.advisor && saved.advisor.id) {
      session = saved;
      startApp();
      return;
    }
    showLogin(null);
  }

  boot();
})();
