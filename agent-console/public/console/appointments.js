/*
 * 客户预约: the side panel listing clients' appointment requests (from the bot's 预约 flow).
 * Plain browser JavaScript, no build step; loaded before console.js so that it hears the
 * first `console:connected` (console.js connects as soon as it loads with a saved session).
 *
 * console.js tells side panels about the connection with document events:
 *   console:connected { socket, session, toast }: a new socket (it reconnects by itself)
 *   console:logout
 * Socket.IO namespace /advisor (agent-console/src/appointments.ts):
 *   requests with ack: appointments:list {} → { items }, appointments:update
 *     { appointmentId, status: confirmed|done|cancelled } → { appointment }
 *   events: appointment:added, appointment:updated (an AppointmentView each)
 * The list is (re)loaded on every `ready`, which the server sends once this socket is in its
 * branch's room, so no event falls between the list and the live feed.
 *
 * All user text is written with textContent, never as HTML.
 */
(function () {
  'use strict';

  var kit = window.PageKit;
  var byId = kit.byId;
  var el = kit.el;
  function formatTime(iso) {
    return kit.formatTime(iso, { today: true });
  }

  var ACK_TIMEOUT_MS = 15000;
  var STATUS_LABELS = { requested: '待确认', confirmed: '已确认', done: '已完成', cancelled: '已取消' };
  var TIER_LABELS = window.ConsoleLabels.TIER_LABELS;
  /** Errors after which what this console shows is out of date. */
  var STALE_ERRORS = {
    already_confirmed: true,
    appointment_closed: true,
    conflict: true,
    not_found: true,
    not_owner: true,
    not_visible: true,
  };

  var els = {
    count: byId('appointments-count'),
    scope: byId('appointments-scope'),
    list: byId('appointment-list'),
    empty: byId('appointments-empty'),
    dialog: byId('appointment-dialog'),
    dialogText: byId('appointment-dialog-text'),
  };

  var socket = null;
  var session = null;
  var toast = function () {};
  /** AppointmentViews by appointmentId. */
  var items = new Map();
  /** Requests in flight by appointmentId (their buttons stay disabled). */
  var busy = new Set();
  /** Events that arrive while a list request is in flight, applied again on top of its answer. */
  var duringLoad = null;
  var loadSeq = 0;

  function isView(v) {
    return v && typeof v.appointmentId === 'string' && typeof v.status === 'string' && STATUS_LABELS[v.status];
  }

  function isOpen(v) {
    return v.status === 'requested' || v.status === 'confirmed';
  }

  function customerName(v) {
    return (v.customer && v.customer.name) || '访客';
  }

  // ---------------------------------------------------------------- state

  /** Keeps the newer of two versions of an appointment (events and list answers may cross). */
  function upsert(v) {
    if (!isView(v)) return false;
    var known = items.get(v.appointmentId);
    if (known && new Date(known.updatedAt).getTime() > new Date(v.updatedAt).getTime()) return false;
    items.set(v.appointmentId, v);
    return !known;
  }

  function onEvent(v) {
    if (duringLoad) duringLoad.push(v);
    var isNew = upsert(v);
    if (isNew && v.status === 'requested') toast('新预约：' + customerName(v) + ' · ' + v.topic);
    render();
  }

  function load() {
    var seq = ++loadSeq;
    duringLoad = [];
    request('appointments:list', {}).then(function (res) {
      if (seq !== loadSeq) return;
      var late = duringLoad || [];
      duringLoad = null;
      if (!res.ok) {
        if (res.error !== 'disconnected') toast(res.message || '客户预约加载失败', 'error');
        return;
      }
      items = new Map();
      (res.items || []).forEach(upsert);
      late.forEach(upsert);
      render();
    });
  }

  /** A request with an ack on this console's socket (see PageKit.request). */
  function request(event, payload) {
    return kit.request(socket, event, payload, ACK_TIMEOUT_MS);
  }

  function update(v, status) {
    busy.add(v.appointmentId);
    render();
    request('appointments:update', { appointmentId: v.appointmentId, status: status }).then(function (res) {
      busy.delete(v.appointmentId);
      if (res.ok) {
        upsert(res.appointment);
        if (status === 'confirmed') toast('已确认 ' + customerName(v) + ' 的预约，已通知客户');
        if (status === 'cancelled') toast('已取消 ' + customerName(v) + ' 的预约，已通知客户');
      } else {
        toast(res.message || '操作失败，请重试', 'error');
        if (STALE_ERRORS[res.error]) load();
      }
      render();
    });
  }

  /** Asks before cancelling: the client is told at once. */
  function cancel(v) {
    var dialog = els.dialog;
    els.dialogText.textContent = '确定取消 ' + customerName(v) + ' 的预约「' + v.topic + '」吗？取消后客户会在聊天中收到通知。';
    dialog.returnValue = '';
    dialog.addEventListener(
      'close',
      function () {
        if (dialog.returnValue === 'ok') update(v, 'cancelled');
      },
      { once: true },
    );
    dialog.showModal();
  }

  // ---------------------------------------------------------------- rendering

  /** Open requests first, oldest first; then those closed this week, most recent first. */
  function sorted() {
    var open = [];
    var closed = [];
    items.forEach(function (v) {
      (isOpen(v) ? open : closed).push(v);
    });
    open.sort(function (a, b) {
      return new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime();
    });
    closed.sort(function (a, b) {
      return new Date(b.updatedAt).getTime() - new Date(a.updatedAt).getTime();
    });
    return { open: open, closed: closed };
  }

  function render() {
    if (!session) return;
    var lists = sorted();
    var waiting = lists.open.filter(function (v) {
      return v.status === 'requested';
    }).length;
    var fragment = document.createDocumentFragment();
    lists.open.forEach(function (v) {
      fragment.appendChild(renderItem(v));
    });
    if (lists.closed.length) {
      fragment.appendChild(el('li', 'appointment-divider', '近 7 天已处理'));
      lists.closed.forEach(function (v) {
        fragment.appendChild(renderItem(v));
      });
    }
    els.list.replaceChildren(fragment);
    els.count.textContent = String(waiting);
    els.count.title = '待确认 ' + waiting + ' 个';
    els.count.classList.toggle('muted', waiting === 0);
    els.empty.hidden = items.size > 0;
  }

  function renderItem(v) {
    var me = session.advisor;
    var li = el('li', 'queue-item appointment-item status-' + v.status);
    li.dataset.appointmentId = v.appointmentId;
    li.dataset.status = v.status;

    var head = el('div', 'qi-head');
    head.appendChild(el('span', 'qi-name', customerName(v)));
    var tier = v.customer && TIER_LABELS[v.customer.tier];
    if (tier) head.appendChild(el('span', 'tier tier-' + v.customer.tier, tier));
    head.appendChild(el('span', 'appointment-status ' + v.status, STATUS_LABELS[v.status]));
    li.appendChild(head);

    var facts = el('dl', 'appointment-facts');
    [
      ['事项', v.topic],
      ['时间', v.preferredTime],
    ].forEach(function (pair) {
      facts.appendChild(el('dt', '', pair[0]));
      facts.appendChild(el('dd', '', pair[1]));
    });
    li.appendChild(facts);

    var meta = ['申请于 ' + formatTime(v.createdAt)];
    if (me.allBranches && v.branchId) meta.push('营业部 ' + v.branchId);
    if (v.advisorName) meta.push((v.advisorId === me.id ? '我' : v.advisorName) + ' 负责');
    li.appendChild(el('div', 'qi-meta', meta.join(' · ')));

    var actions = actionsFor(v);
    if (actions.length) {
      var foot = el('div', 'appointment-actions');
      actions.forEach(function (a) {
        var b = el('button', a.className, a.label);
        b.type = 'button';
        b.disabled = busy.has(v.appointmentId);
        b.addEventListener('click', a.run);
        foot.appendChild(b);
      });
      li.appendChild(foot);
    }
    return li;
  }

  /** The buttons the server's rules allow this user (it checks them again). */
  function actionsFor(v) {
    var me = session.advisor;
    var supervisor = me.role === 'supervisor';
    var owner = v.advisorId === me.id;
    var actions = [];
    if (v.status === 'requested' && !supervisor) {
      actions.push({
        label: '确认',
        className: 'primary',
        run: function () {
          update(v, 'confirmed');
        },
      });
    }
    if (v.status === 'confirmed' && (owner || supervisor)) {
      actions.push({
        label: '完成',
        className: 'primary',
        run: function () {
          update(v, 'done');
        },
      });
    }
    if (v.status === 'requested' || (v.status === 'confirmed' && (owner || supervisor))) {
      actions.push({
        label: '取消',
        className: 'ghost-dark',
        run: function () {
          cancel(v);
        },
      });
    }
    return actions;
  }

  // ---------------------------------------------------------------- connection

  document.addEventListener('console:connected', function (e) {
    var detail = e.detail || {};
    socket = detail.socket;
    session = detail.session;
    if (typeof detail.toast === 'function') toast = detail.toast;
    items = new Map();
    busy = new Set();
    els.scope.textContent = session.advisor.allBranches
      ? '全部营业部的客户预约'
      : '营业部 ' + session.advisor.branchId + ' 的客户预约';
    render();
    socket.on('ready', load);
    socket.on('appointment:added', onEvent);
    socket.on('appointment:updated', onEvent);
    if (socket.connected) load();
  });

  document.addEventListener('console:logout', function () {
    socket = null;
    session = null;
    loadSeq += 1;
    duringLoad = null;
    items = new Map();
    busy = new Set();
    els.list.replaceChildren();
    els.count.textContent = '0';
    els.empty.hidden = false;
    if (els.dialog.open) els.dialog.close();
  });
})();
