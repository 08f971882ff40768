/*
 * 服务看板 (supervisor dashboard). Plain browser JavaScript, no build step; charts by ECharts
 * (served from the installed package at /console/vendor/echarts.min.js, no CDN).
 *
 * Session: the console's sessionStorage entry `bb.console.session` ({ token, advisor }), so a
 * supervisor coming from the console is logged in; otherwise a login form (POST /api/advisor/login).
 * Data: Socket.IO /advisor requests `dashboard:summary` and `dashboard:series` ({ from, to, branchId? }),
 * asked again every 10 seconds while the page is open (and on reconnect). Every table can be
 * downloaded as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese).
 *
 * All text from the server is written with textContent, never as HTML.
 */
(function () {
  'use strict';

  var SESSION_KEY = 'bb.console.session';
  var REFRESH_MS = 10000;
  var ACK_TIMEOUT_MS = 15000;

  var CHANNEL_LABELS = { app: 'App', wecom: '企业微信客服', miniprogram: '小程序' };
  var EMOTION_LABELS = { calm: '平静', positive: '积极', anxious: '焦虑', angry: '愤怒', sad: '低落' };
  var EMOTION_ORDER = ['calm', 'positive', 'anxious', 'angry', 'sad'];
  var EMOTION_COLORS = { calm: '#9fb3c8', positive: '#4caf50', anxious: '#ff9800', angry: '#e53935', sad: '#7e57c2' };
  var REASON_LABELS = {
    explicit_request: '客户要求人工',
    distress: '情绪危机',
    anger: '客户不满',
    anxiety: '客户焦虑',
    sadness: '客户情绪低落',
    rising_distress: '负面情绪持续上升',
    complaint: '客户投诉',
    tier: 'VIP 客户',
    high_risk_intent: '高风险业务',
  };
  var RISK_LABELS = {
    account_frozen: '账户冻结',
    inheritance_transfer: '继承过户',
    large_transfer_failed: '大额转账失败',
    margin_call: '两融追保/强平',
    complaint: '投诉',
  };

  function byId(id) {
    return document.getElementById(id);
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }
  function readSession() {
    try {
      var raw = window.sessionStorage.getItem(SESSION_KEY);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  }
  function writeSession(value) {
    try {
      if (value) window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
      else window.sessionStorage.removeItem(SESSION_KEY);
    } catch {
      /* private mode: the session lasts as long as the page */
    }
  }

  function reasonLabel(reason) {
    var text = String(reason);
    var i = text.indexOf(':');
    var kind = i >= 0 ? text.slice(0, i) : text;
    var detail = i >= 0 ? text.slice(i + 1) : '';
    if (kind === 'high_risk_intent') return '高风险业务（' + (RISK_LABELS[detail] || detail) + '）';
    if (kind === 'tier') return detail === 'vip' ? REASON_LABELS.tier : '客户等级 ' + detail;
    return REASON_LABELS[kind] || text;
  }
  function channelLabel(c) {
    return CHANNEL_LABELS[c] || c;
  }
  function branchLabel(b) {
    return b === '-' ? '未绑定营业部' : b;
  }
  function percent(v) {
    return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%';
  }
  function seconds(v) {
    if (v === null || v === undefined) return '—';
    if (v < 120) return v.toFixed(v < 10 ? 1 : 0) + ' 秒';
    return (v / 60).toFixed(1) + ' 分钟';
  }
  function num(v) {
    return v === null || v === undefined ? '—' : String(v);
  }

  // ---- range ---------------------------------------------------------------------------------

  var rangeKind = 'today';
  var branchId = '';

  /** Today: since local midnight; 7 / 30 days: since midnight that many days ago; to: the end of this hour. */
  function currentRange() {
    var now = new Date();
    var start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    if (rangeKind === '7d') start.setDate(start.getDate() - 6);
    if (rangeKind === '30d') start.setDate(start.getDate() - 29);
    var end = new Date(now.getTime());
    end.setMinutes(0, 0, 0);
    end.setHours(end.getHours() + 1);
    var payload = { from: start.toISOString(), to: end.toISOString() };
    if (branchId) payload.branchId = branchId;
    return payload;
  }

  function bucketLabel(iso, step) {
    var d = new Date(iso);
    if (step === 'hour') return pad(d.getHours()) + ':00';
    return pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  }

  // ---- connection ----------------------------------------------------------------------------

  var socket = null;
  var session = null;
  var timer = null;
  var lastSummary = null;
  var lastSeries = null;

  function request(event, payload) {
    return new Promise(function (resolve) {
      if (!socket || !socket.connected) {
        resolve({ ok: false, error: 'disconnected', message: '网络连接已断开，请稍后重试' });
        return;
      }
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, function (err, res) {
        if (err) resolve({ ok: false, error: 'timeout', message: '请求超时，请稍后重试' });
        else resolve(res && typeof res === 'object' ? res : { ok: false, error: 'bad_reply', message: '系统繁忙，请稍后重试' });
      });
    });
  }

  function showLogin(message) {
    stop();
    byId('dash-view').hidden = true;
    byId('dash-login').hidden = false;
    var err = byId('dash-login-error');
    err.hidden = !message;
    err.textContent = message || '';
  }

  function stop() {
    if (timer) clearInterval(timer);
    timer = null;
    if (socket) socket.disconnect();
    socket = null;
  }

  function setLive(text, state) {
    var live = byId('dash-live');
    live.textContent = text;
    live.setAttribute('data-state', state);
  }

  function start() {
    var me = session.advisor || {};
    if (me.role !== 'supervisor') {
      showLogin('只有督导可以查看看板');
      return;
    }
    byId('dash-login').hidden = true;
    byId('dash-view').hidden = false;
    byId('dash-me').textContent = (me.name || '') + ' · ' + (me.allBranches ? '全部营业部' : '营业部 ' + me.branchId);
    var select = byId('dash-branch');
    if (!me.allBranches) {
      select.textContent = '';
      select.appendChild(new window.Option(me.branchId, me.branchId));
      select.disabled = true;
    }
    socket = window.io('/advisor', { auth: { token: session.token }, transports: ['websocket', 'polling'] });
    socket.on('connect', function () {
      setLive('实时', 'live');
      refresh();
    });
    socket.on('disconnect', function () {
      setLive('连接已断开，正在重连', 'down');
    });
    socket.on('connect_error', function (err) {
      var code = err && err.message;
      if (code === 'token_invalid' || code === 'token_expired' || code === 'token_revoked') {
        writeSession(null);
        showLogin((err.data && err.data.message) || '登录已失效，请重新登录');
        return;
      }
      setLive('连接失败，正在重试', 'down');
    });
    socket.on('session:revoked', function (payload) {
      writeSession(null);
      showLogin((payload && payload.message) || '登录已失效，请重新登录');
    });
    timer = setInterval(refresh, REFRESH_MS);
  }

  var inFlight = false;
  var again = false;
  /** Asks for the figures of the current range; a change while a request is out is asked for right after it. */
  function refresh() {
    if (!socket || !socket.connected) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    var payload = currentRange();
    Promise.all([request('dashboard:summary', payload), request('dashboard:series', payload)]).then(function (res) {
      inFlight = false;
      if (again) {
        again = false;
        refresh();
        return;
      }
      var err = byId('dash-error');
      var failed = !res[0].ok ? res[0] : !res[1].ok ? res[1] : null;
      if (failed) {
        err.hidden = false;
        err.textContent = failed.message || '看板数据暂时无法读取';
        if (failed.error === 'token_revoked') showLogin(failed.message);
        return;
      }
      err.hidden = true;
      lastSummary = res[0].summary;
      lastSeries = res[1].series;
      render(lastSummary, lastSeries);
      var now = new Date();
      setLive('实时 · 更新于 ' + pad(now.getHours()) + ':' + pad(now.getMinutes()) + ':' + pad(now.getSeconds()), 'live');
    });
  }

  // ---- rendering -----------------------------------------------------------------------------

  var charts = {};
  function chart(id) {
    if (!charts[id]) charts[id] = window.echarts.init(byId(id));
    return charts[id];
  }
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) {
      charts[k].resize();
    });
  });

  function kpi(label, value, sub) {
    var card = el('div', 'kpi');
    card.appendChild(el('div', 'kpi-label', label));
    card.appendChild(el('div', 'kpi-value', value));
    if (sub) card.appendChild(el('div', 'kpi-sub', sub));
    return card;
  }

  function renderKpis(s) {
    var box = byId('dash-kpis');
    box.textContent = '';
    box.appendChild(kpi('会话数', num(s.conversations), '当日有客户消息的会话'));
    box.appendChild(kpi('机器人独立解决', percent(s.botResolvedShare), s.botResolved + ' 个会话未转人工'));
    box.appendChild(
      kpi('转人工', num(s.escalations), s.escalationsAfterHours ? '其中非服务时间 ' + s.escalationsAfterHours : ''),
    );
    box.appendChild(
      kpi(
        '消息数',
        num(s.messages.total),
        '客户 ' + s.messages.client + ' · 机器人 ' + s.messages.bot + ' · 顾问 ' + s.messages.advisor,
      ),
    );
    box.appendChild(
      kpi('排队等待 P50 / P90', seconds(s.queueWait.p50) + ' / ' + seconds(s.queueWait.p90), s.queueWait.count + ' 次接入'),
    );
    box.appendChild(
      kpi(
        '首次响应 P50 / P90',
        seconds(s.firstResponse.p50) + ' / ' + seconds(s.firstResponse.p90),
        s.firstResponse.count + ' 次',
      ),
    );
    box.appendChild(
      kpi('处理时长 P50 / P90', seconds(s.handleTime.p50) + ' / ' + seconds(s.handleTime.p90), s.handleTime.count + ' 个已结束'),
    );
    var breaches = s.sla.waitBreaches + s.sla.firstResponseBreaches;
    var slaCard = kpi(
      'SLA 超时',
      String(breaches),
      '等待超 ' +
        s.sla.waitThresholdS +
        ' 秒 ' +
        s.sla.waitBreaches +
        ' · 首响超 ' +
        s.sla.firstResponseThresholdS +
        ' 秒 ' +
        s.sla.firstResponseBreaches,
    );
    if (breaches > 0) slaCard.classList.add('warn');
    box.appendChild(slaCard);
    box.appendChild(
      kpi('满意度', s.satisfaction.avg === null ? '—' : s.satisfaction.avg.toFixed(2) + ' / 5', s.satisfaction.count + ' 份评价'),
    );
    box.appendChild(
      kpi(
        '质检均分',
        s.inspection.avg === null ? '—' : s.inspection.avg.toFixed(1),
        s.inspection.count ? s.inspection.count + ' 个会话' : '暂无质检结果',
      ),
    );
    var negative = (s.emotions.anxious || 0) + (s.emotions.angry || 0) + (s.emotions.sad || 0);
    var read = Object.keys(s.emotions).reduce(function (n, k) {
      return n + s.emotions[k];
    }, 0);
    box.appendChild(
      kpi(
        '负面情绪占比',
        read ? percent(negative / read) : '—',
        '焦虑 ' + (s.emotions.anxious || 0) + ' · 愤怒 ' + (s.emotions.angry || 0) + ' · 低落 ' + (s.emotions.sad || 0),
      ),
    );
  }

  function channelsOf(series) {
    var seen = {};
    series.buckets.forEach(function (b) {
      Object.keys(b.messagesByChannel).forEach(function (c) {
        seen[c] = true;
      });
    });
    var list = Object.keys(seen).sort();
    return list.length ? list : ['app'];
  }

  var EMPTY = { title: { text: '暂无数据', left: 'center', top: 'middle', textStyle: { color: '#98a2b3', fontSize: 14 } } };

  function renderCharts(s, series) {
    var labels = series.buckets.map(function (b) {
      return bucketLabel(b.at, series.step);
    });
    var channels = channelsOf(series);
    chart('chart-volume').setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 40, right: 40, top: 30, bottom: 24 },
        xAxis: { type: 'category', data: labels },
        yAxis: [
          { type: 'value', name: '消息' },
          { type: 'value', name: '会话', splitLine: { show: false } },
        ],
        series: channels
          .map(function (c) {
            return {
              name: channelLabel(c) + ' 消息',
              type: 'bar',
              stack: 'msg',
              data: series.buckets.map(function (b) {
                return b.messagesByChannel[c] || 0;
              }),
            };
          })
          .concat([
            {
              name: '会话数',
              type: 'line',
              yAxisIndex: 1,
              data: series.buckets.map(function (b) {
                return b.conversations;
              }),
            },
            {
              name: '转人工',
              type: 'line',
              yAxisIndex: 1,
              data: series.buckets.map(function (b) {
                return b.escalations;
              }),
            },
          ]),
      },
      true,
    );
    chart('chart-emotion').setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 30, bottom: 24 },
        xAxis: { type: 'category', data: labels },
        yAxis: { type: 'value', name: '客户消息' },
        series: EMOTION_ORDER.map(function (e) {
          return {
            name: EMOTION_LABELS[e],
            type: 'line',
            stack: 'emo',
            areaStyle: {},
            color: EMOTION_COLORS[e],
            data: series.buckets.map(function (b) {
              return b.emotions[e] || 0;
            }),
          };
        }),
      },
      true,
    );
    chart('chart-recent').setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 36, right: 12, top: 30, bottom: 24 },
        xAxis: {
          type: 'category',
          data: series.recent.map(function (r) {
            var d = new Date(r.at);
            return pad(d.getHours()) + ':' + pad(d.getMinutes());
          }),
        },
        yAxis: { type: 'value' },
        series: ['anxious', 'angry', 'sad'].map(function (e) {
          return {
            name: EMOTION_LABELS[e],
            type: 'bar',
            stack: 'neg',
            color: EMOTION_COLORS[e],
            data: series.recent.map(function (r) {
              return r.emotions[e] || 0;
            }),
          };
        }),
      },
      true,
    );
    chart('chart-reasons').setOption(
      s.byReason.length
        ? {
            tooltip: { trigger: 'item' },
            series: [
              {
                type: 'pie',
                radius: ['35%', '65%'],
                data: s.byReason.map(function (r) {
                  return { name: reasonLabel(r.reason), value: r.count };
                }),
              },
            ],
          }
        : EMPTY,
      true,
    );
    chart('chart-durations').setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 48, right: 12, top: 30, bottom: 24 },
        xAxis: { type: 'category', data: ['排队等待', '首次响应', '处理时长'] },
        yAxis: { type: 'value', name: '秒' },
        series: ['p50', 'p90'].map(function (p) {
          return {
            name: p.toUpperCase(),
            type: 'bar',
            data: [s.queueWait[p], s.firstResponse[p], s.handleTime[p]].map(function (v) {
              return v === null ? 0 : v;
            }),
          };
        }),
      },
      true,
    );
    chart('chart-satisfaction').setOption(
      s.satisfaction.count
        ? {
            tooltip: { trigger: 'axis' },
            grid: { left: 36, right: 12, top: 16, bottom: 24 },
            xAxis: { type: 'category', data: ['1 分', '2 分', '3 分', '4 分', '5 分'] },
            yAxis: { type: 'value' },
            series: [
              {
                type: 'bar',
                name: '评价数',
                data: [1, 2, 3, 4, 5].map(function (k) {
                  return s.satisfaction.byScore[k] || 0;
                }),
              },
            ],
          }
        : EMPTY,
      true,
    );
    chart('chart-inspection').setOption(
      s.inspection.failedItems.length
        ? {
            tooltip: { trigger: 'axis' },
            grid: { left: 120, right: 16, top: 16, bottom: 24 },
            xAxis: { type: 'value', name: '次' },
            yAxis: {
              type: 'category',
              inverse: true,
              data: s.inspection.failedItems.map(function (f) {
                return f.item;
              }),
            },
            series: [
              {
                type: 'bar',
                name: '未通过',
                color: '#e53935',
                data: s.inspection.failedItems.map(function (f) {
                  return f.count;
                }),
              },
            ],
          }
        : EMPTY,
      true,
    );
    chart('chart-branches').setOption(
      s.byBranch.length
        ? {
            tooltip: { trigger: 'axis' },
            legend: { top: 0 },
            grid: { left: 48, right: 12, top: 30, bottom: 24 },
            xAxis: {
              type: 'category',
              data: s.byBranch.map(function (b) {
                return branchLabel(b.branchId);
              }),
            },
            yAxis: { type: 'value' },
            series: [
              {
                name: '会话数',
                type: 'bar',
                data: s.byBranch.map(function (b) {
                  return b.conversations;
                }),
              },
              {
                name: '转人工',
                type: 'bar',
                data: s.byBranch.map(function (b) {
                  return b.escalations;
                }),
              },
            ],
          }
        : EMPTY,
      true,
    );
  }

  // ---- tables and CSV ------------------------------------------------------------------------

  function csvCell(v) {
    var text = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function toCsv(headers, rows) {
    return [headers]
      .concat(rows)
      .map(function (r) {
        return r.map(csvCell).join(',');
      })
      .join('\r\n');
  }
  function download(name, headers, rows) {
    var blob = new window.Blob(['\uFEFF' + toCsv(headers, rows)], { type: 'text/csv;charset=utf-8' });
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
  }

  function table(key, title, headers, rows) {
    var box = el('article', 'card table-card');
    box.setAttribute('data-table', key);
    var head = el('div', 'table-head');
    head.appendChild(el('h2', '', title));
    var button = el('button', 'ghost', '导出 CSV');
    button.type = 'button';
    button.setAttribute('data-export', key);
    button.addEventListener('click', function () {
      var stamp = currentRange().from.slice(0, 10);
      download('看板-' + title + '-' + stamp + '.csv', headers, rows);
    });
    head.appendChild(button);
    box.appendChild(head);
    var t = el('table');
    var tr = el('tr');
    headers.forEach(function (h) {
      tr.appendChild(el('th', '', h));
    });
    var thead = el('thead');
    thead.appendChild(tr);
    t.appendChild(thead);
    var tbody = el('tbody');
    if (!rows.length) {
      var empty = el('tr');
      var td = el('td', 'muted', '暂无数据');
      td.colSpan = headers.length;
      empty.appendChild(td);
      tbody.appendChild(empty);
    }
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (v) {
        row.appendChild(el('td', '', v === null || v === undefined ? '—' : v));
      });
      tbody.appendChild(row);
    });
    t.appendChild(tbody);
    box.appendChild(t);
    return box;
  }

  function renderTables(s, series) {
    var box = byId('dash-tables');
    box.textContent = '';
    var countHeaders = ['消息数', '会话数', '转人工', '机器人独立解决率'];
    function countRow(r) {
      return [r.messages, r.conversations, r.escalations, percent(r.botResolvedShare)];
    }
    box.appendChild(
      table(
        'channels',
        '按渠道',
        ['渠道'].concat(countHeaders),
        s.byChannel.map(function (r) {
          return [channelLabel(r.channel)].concat(countRow(r));
        }),
      ),
    );
    box.appendChild(
      table(
        'branches',
        '按营业部',
        ['营业部'].concat(countHeaders),
        s.byBranch.map(function (r) {
          return [branchLabel(r.branchId)].concat(countRow(r));
        }),
      ),
    );
    box.appendChild(
      table(
        'reasons',
        '转人工原因',
        ['原因', '次数'],
        s.byReason.map(function (r) {
          return [reasonLabel(r.reason), r.count];
        }),
      ),
    );
    box.appendChild(
      table(
        'durations',
        '时长与 SLA',
        ['指标', '样本数', 'P50（秒）', 'P90（秒）', '平均（秒）'],
        [
          ['排队等待', s.queueWait],
          ['首次响应', s.firstResponse],
          ['处理时长', s.handleTime],
        ]
          .map(function (d) {
            return [d[0], d[1].count, d[1].p50, d[1].p90, d[1].avg];
          })
          .concat([
            ['等待超过 ' + s.sla.waitThresholdS + ' 秒', s.sla.waitBreaches, null, null, null],
            ['首响超过 ' + s.sla.firstResponseThresholdS + ' 秒', s.sla.firstResponseBreaches, null, null, null],
          ]),
      ),
    );
    var channels = channelsOf(series);
    box.appendChild(
      table(
        'series',
        series.step === 'hour' ? '分时明细' : '每日明细',
        ['时间'].concat(
          channels.map(function (c) {
            return channelLabel(c) + ' 消息';
          }),
          ['会话数', '转人工'],
          EMOTION_ORDER.map(function (e) {
            return EMOTION_LABELS[e];
          }),
        ),
        series.buckets.map(function (b) {
          return [bucketLabel(b.at, series.step)]
            .concat(
              channels.map(function (c) {
                return b.messagesByChannel[c] || 0;
              }),
            )
            .concat([b.conversations, b.escalations])
            .concat(
              EMOTION_ORDER.map(function (e) {
                return b.emotions[e] || 0;
              }),
            );
        }),
      ),
    );
    box.appendChild(
      table(
        'inspection',
        '质检失分项',
        ['质检项', '未通过次数'],
        s.inspection.failedItems.map(function (f) {
          return [f.item, f.count];
        }),
      ),
    );
  }

  function renderBranchOptions(s) {
    var select = byId('dash-branch');
    if (select.disabled || branchId) return;
    var have = {};
    Array.prototype.forEach.call(select.options, function (o) {
      have[o.value] = true;
    });
    s.branches.forEach(function (b) {
      if (!have[b] && b !== '-') select.appendChild(new window.Option(b, b));
    });
  }

  function render(s, series) {
    renderKpis(s);
    renderCharts(s, series);
    renderTables(s, series);
    renderBranchOptions(s);
  }

  // ---- wiring --------------------------------------------------------------------------------

  Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (button) {
    button.addEventListener('click', function () {
      rangeKind = button.getAttribute('data-range');
      Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (b) {
        b.setAttribute('aria-pressed', String(b === button));
      });
      refresh();
    });
  });
  byId('dash-branch').addEventListener('change', function (e) {
    branchId = e.target.value;
    refresh();
  });
  byId('dash-login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var username = byId('dash-username').value.trim();
    var password = byId('dash-password').value;
    if (!username || !password) {
      showLogin('请输入用户名和密码');
      return;
    }
    fetch('/api/advisor/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
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
            byId('dash-password').value = '';
            session = { token: body.token, advisor: body.advisor };
            writeSession(session);
            start();
          });
      })
      .catch(function () {
        showLogin('无法连接服务器，请检查网络后重试');
      });
  });

  session = readSession();
  if (session && session.token) start();
  else showLogin('');
})();
