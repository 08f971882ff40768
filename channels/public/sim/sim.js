/*
 * Client simulator for WeCom 微信客服 and the mini-program (demo mode only). Plain browser
 * JavaScript. Actions go to /api/sim/:channel/* (the loopback simulator calls our callback URL as
 * Tencent would); the chat shows the simulator's log of what the client sent and what the kf
 * account / mini-program sent back, polled every second. All text is written with textContent.
 */
(function () {
  'use strict';

  var POLL_MS = 1000;
  var NOTES = {
    wecom:
      '企业微信客服：回复经 kf/send_msg 发出；客户上次发言后48小时内最多5条。菜单消息可直接点击。发图片/发文件会上传一个示例文件，顾问可在坐席工作台查看原件。',
    miniprogram:
      '小程序客服：回复经 message/custom/send 发出（安全模式，JSON）；进入会话后1分钟内可发2条，发言后48小时内5条。发图片会上传一张示例图片，顾问可在坐席工作台查看。',
  };
  var state = { channel: 'wecom', customerId: '', lastRendered: '' };
  var els = {
    tabs: document.querySelectorAll('.tab'),
    customer: document.getElementById('customer'),
    enter: document.getElementById('enter'),
    error: document.getElementById('error'),
    note: document.getElementById('channel-note'),
    lines: document.getElementById('lines'),
    typing: document.getElementById('typing'),
    composer: document.getElementById('composer'),
    input: document.getElementById('input'),
    sendFile: document.getElementById('send-file'),
  };

  function showError(text) {
    els.error.textContent = text || '';
    els.error.hidden = !text;
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error((data && data.error) || '请求失败');
        return data;
      });
    });
  }

  function post(action, extra) {
    showError('');
    var body = Object.assign({ customerId: state.customerId }, extra || {});
    return request('POST', '/api/sim/' + state.channel + '/' + action, body)
      .then(refresh)
      .catch(function (err) {
        showError(err.message);
      });
  }

  function formatTime(ms) {
    var d = new Date(ms);
    return (
      String(d.getHours()).padStart(2, '0') +
      ':' +
      String(d.getMinutes()).padStart(2, '0') +
      ':' +
      String(d.getSeconds()).padStart(2, '0')
    );
  }

  function render(transcript) {
    var key = JSON.stringify(transcript);
    if (key === state.lastRendered) return;
    state.lastRendered = key;
    var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    var fragment = document.createDocumentFragment();
    transcript.lines.forEach(function (line) {
      var li = document.createElement('li');
      li.className = 'line from-' + line.from;
      var who = document.createElement('span');
      who.className = 'who';
      who.textContent =
        (line.from === 'client' ? '我' : state.channel === 'wecom' ? '客服账号' : '小程序客服') + ' · ' + formatTime(line.at);
      var bubble = document.createElement('p');
      bubble.className = 'bubble';
      bubble.textContent = line.text;
      li.appendChild(who);
      li.appendChild(bubble);
      if (line.menu && line.menu.length) {
        var menu = document.createElement('div');
        menu.className = 'menu';
        line.menu.forEach(function (item) {
          var b = document.createElement('button');
          b.type = 'button';
          b.textContent = item.label;
          b.addEventListener('click', function () {
            post('message', { text: item.label, menuId: item.id });
          });
          menu.appendChild(b);
        });
        li.appendChild(menu);
      }
      fragment.appendChild(li);
    });
    els.lines.replaceChildren(fragment);
    els.typing.hidden = !transcript.typing;
    if (atBottom) window.scrollTo(0, document.body.scrollHeight);
  }

  function refresh() {
    if (!state.customerId) return Promise.resolve();
    return request('GET', '/api/sim/' + state.channel + '/transcript?customerId=' + encodeURIComponent(state.customerId))
      .then(render)
      .catch(function (err) {
        showError(err.message);
      });
  }

  function selectChannel(channel) {
    state.channel = channel;
    state.lastRendered = '';
    els.tabs.forEach(function (t) {
      t.setAttribute('aria-selected', String(t.dataset.channel === channel));
    });
    els.note.textContent = NOTES[channel];
    els.sendFile.hidden = channel !== 'wecom';
    els.lines.replaceChildren();
    refresh();
  }

  els.tabs.forEach(function (tab) {
    tab.addEventListener('click', function () {
      selectChannel(tab.dataset.channel);
    });
  });
  els.customer.addEventListener('change', function () {
    state.customerId = els.customer.value;
    state.lastRendered = '';
    refresh();
  });
  els.enter.addEventListener('click', function () {
    post('enter');
  });
  els.composer.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = els.input.value.trim();
    if (!text) return;
    els.input.value = '';
    post('message', { text: text });
  });
  els.composer.querySelectorAll('[data-kind]').forEach(function (b) {
    b.addEventListener('click', function () {
      post('message', { kind: b.dataset.kind });
    });
  });

  request('GET', '/api/demo/customers')
    .then(function (data) {
      data.customers.forEach(function (c) {
        var option = document.createElement('option');
        option.value = c.id;
        option.textContent = c.name + '（' + c.id + '，' + c.branchId + '）';
        els.customer.appendChild(option);
      });
      state.customerId = els.customer.value;
      selectChannel('wecom');
      setInterval(refresh, POLL_MS);
    })
    .catch(function (err) {
      showError('无法读取演示客户：' + err.message);
    });
})();
