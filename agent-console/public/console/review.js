/*
 * 会话记录: supervisors search past and present conversations, read them read-only with the
 * bot's insight per client message and the state log, and record a review (合规 / 有问题).
 * Plain browser JavaScript, no build step; loaded before console.js so that it hears the
 * first `console:connected` { socket, session, toast } (and `console:logout`).
 * Socket.IO namespace /advisor (agent-console/src/transcript-review.ts), requests with ack:
 *   transcripts:search { from?, to?, branchId?, escalated?, emotion?, reviewed?, before? } → { items, next }
 *   transcripts:open { conversationId } → { transcript: { summary, messages, transitions, handoffs, reviews } }
 *   transcripts:review { conversationId, verdict: ok|issue, note } → { review, reviews }
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
  var NOTE_MAX = 500;
  var labels = window.ConsoleLabels;
  var TIER_LABELS = labels.TIER_LABELS;
  var CHANNEL_LABELS = { app: 'App', wecom: '企业微信客服', miniprogram: '小程序' };
  var STATE_LABELS = {
    bot: '机器人服务',
    queued: '排队转人工',
    human: '顾问服务中',
    after_hours: '非服务时间留言',
    closed: '已关闭',
  };
  var VERDICT_LABELS = { ok: '合规', issue: '有问题' };
  /** Transition reasons (agent-console, router, WeCom mirror) in words. */
  var TRANSITION_LABELS = {
    accepted: '顾问接入',
    closed_by_advisor: '顾问结束人工服务',
    business_hours_opened: '营业时间开始，转入排队',
    taken_in_wecom: '在企业微信中接入',
    ended_in_wecom: '在企业微信中结束',
  };

  var root = byId('review-view');
  var toggle = byId('review-toggle');
  var workspace = document.querySelector('.workspace');

  var socket = null;
  var session = null;
  var toast = function () {};
  /** Search results shown, in order, and the cursor of the next page. */
  var items = [];
  var next = null;
  var searchSeq = 0;
  var openSeq = 0;
  /** The transcript shown on the right, or null. */
  var current = null;

  function request(event, payload) {
    return kit.request(socket, event, payload, ACK_TIMEOUT_MS);
  }

  function button(className, text, onClick) {
    var b = el('button', className, text);
    b.type = 'button';
    if (onClick) b.addEventListener('click', onClick);
    return b;
  }

  function field(labelText, control) {
    var label = el('label', 'review-field');
    label.appendChild(el('span', '', labelText));
    label.appendChild(control);
    return label;
  }

  function checkbox(labelText) {
    var label = el('label', 'review-check');
    var input = el('input');
    input.type = 'checkbox';
    label.appendChild(input);
    label.appendChild(el('span', '', labelText));
    return { label: label, input: input };
  }

  function customerName(summary) {
    return (summary && summary.customer && summary.customer.name) || '访客';
  }

  // ---------------------------------------------------------------- layout (built once)

  var form = el('form', 'review-filters');
  form.setAttribute('aria-label', '筛选会话');
  var fromInput = el('input');
  fromInput.type = 'date';
  var toInput = el('input');
  toInput.type = 'date';
  var branchInput = el('input');
  branchInput.placeholder = '全部';
  branchInput.maxLength = 32;
  branchInput.autocomplete = 'off';
  var emotionSelect = el('select');
  [
    ['', '不限'],
    ['anxious', '焦虑'],
    ['angry', '愤怒'],
    ['sad', '低落'],
  ].forEach(function (pair) {
    var o = el('option', '', pair[1]);
    o.value = pair[0];
    emotionSelect.appendChild(o);
  });
  var escalatedBox = checkbox('仅转人工');
  var unreviewedBox = checkbox('仅未评审');
  form.appendChild(field('开始日期', fromInput));
  form.appendChild(field('结束日期', toInput));
  form.appendChild(field('营业部', branchInput));
  form.appendChild(field('负面情绪', emotionSelect));
  form.appendChild(escalatedBox.label);
  form.appendChild(unreviewedBox.label);
  var searchButton = el('button', 'primary', '查询');
  searchButton.type = 'submit';
  form.appendChild(searchButton);

  var list = el('ul', 'review-list');
  list.setAttribute('aria-label', '会话列表');
  var listStatus = el('p', 'review-status');
  var moreButton = button('ghost-dark', '加载更多', function () {
    runSearch(true);
  });
  moreButton.hidden = true;
  var detail = el('section', 'review-detail');
  detail.setAttribute('aria-label', '会话详情');

  function buildView() {
    var head = el('div', 'review-head');
    var title = el('h2', '', '会话记录');
    title.id = 'review-title';
    head.appendChild(title);
    head.appendChild(el('span', 'review-scope', ''));
    head.appendChild(button('ghost-dark', '返回工作台', close));
    var left = el('div', 'review-left');
    left.appendChild(form);
    left.appendChild(listStatus);
    left.appendChild(list);
    left.appendChild(moreButton);
    var body = el('div', 'review-body');
    body.appendChild(left);
    body.appendChild(detail);
    root.replaceChildren(head, body);
  }

  // ---------------------------------------------------------------- search

  function filters() {
    var f = {};
    if (fromInput.value) f.from = new Date(fromInput.value + 'T00:00:00').toISOString();
    if (toInput.value) f.to = new Date(toInput.value + 'T23:59:59.999').toISOString();
    var branch = branchInput.value.trim();
    if (branch) f.branchId = branch;
    if (emotionSelect.value) f.emotion = emotionSelect.value;
    if (escalatedBox.input.checked) f.escalated = true;
    if (unreviewedBox.input.checked) f.reviewed = false;
    return f;
  }

  function runSearch(more) {
    var seq = ++searchSeq;
    var payload = filters();
    if (more && next) payload.before = next;
    searchButton.disabled = true;
    moreButton.disabled = true;
    listStatus.textContent = '查询中…';
    request('transcripts:search', payload).then(function (res) {
      if (seq !== searchSeq) return;
      searchButton.disabled = false;
      moreButton.disabled = false;
      if (!res.ok) {
        listStatus.textContent = res.message || '查询失败，请重试';
        toast(res.message || '查询失败，请重试', 'error');
        return;
      }
      items = more ? items.concat(res.items || []) : res.items || [];
      next = res.next || null;
      renderList();
    });
  }

  function renderList() {
    list.replaceChildren.apply(list, items.map(renderItem));
    listStatus.textContent = items.length
      ? '共显示 ' + items.length + ' 个会话' + (next ? '，可加载更多' : '')
      : '没有符合条件的会话';
    moreButton.hidden = !next;
  }

  function renderItem(s) {
    var li = el('li', 'review-item');
    li.dataset.conversationId = s.conversationId;
    if (current && current.summary.conversationId === s.conversationId) li.classList.add('is-current');
    var b = button('review-item-open', '', function () {
      openTranscript(s.conversationId);
    });
    var head = el('div', 'qi-head');
    head.appendChild(el('span', 'qi-name', customerName(s)));
    var tier = s.customer && TIER_LABELS[s.customer.tier];
    if (tier) head.appendChild(el('span', 'tier tier-' + s.customer.tier, tier));
    head.appendChild(reviewBadge(s.review));
    b.appendChild(head);
    var meta = [CHANNEL_LABELS[s.channel] || s.channel, formatTime(s.lastMessageAt)];
    if (s.branchId) meta.push('营业部 ' + s.branchId);
    if (typeof s.messageCount === 'number') meta.push(s.messageCount + ' 条消息');
    b.appendChild(el('div', 'qi-meta', meta.join(' · ')));
    var chips = el('div', 'chips');
    (s.escalations || []).forEach(function (x) {
      chips.appendChild(el('span', 'chip reason-distress', '转人工' + (x.advisorName ? ' · ' + x.advisorName : '')));
      (x.reasons || []).forEach(function (r) {
        chips.appendChild(el('span', 'chip', labels.reasonLabel(r)));
      });
    });
    var emotion = labels.emotionText(s.strongestEmotion);
    if (emotion) chips.appendChild(el('span', 'chip review-emotion emo-' + s.strongestEmotion.emotion, '最强情绪 ' + emotion));
    if (chips.childNodes.length) b.appendChild(chips);
    li.appendChild(b);
    return li;
  }

  function reviewBadge(review) {
    if (!review) return el('span', 'review-badge none', '未评审');
    return el('span', 'review-badge ' + review.verdict, VERDICT_LABELS[review.verdict] + ' · ' + review.reviewerName);
  }

  // ---------------------------------------------------------------- transcript

  function openTranscript(conversationId) {
    var seq = ++openSeq;
    detail.replaceChildren(el('p', 'review-status', '加载中…'));
    request('transcripts:open', { conversationId: conversationId }).then(function (res) {
      if (seq !== openSeq) return;
      if (!res.ok) {
        detail.replaceChildren(el('p', 'review-status', res.message || '加载失败，请重试'));
        return;
      }
      current = res.transcript;
      renderDetail();
      renderList();
    });
  }

  function renderDetail() {
    var t = current;
    var s = t.summary;
    var head = el('div', 'review-detail-head');
    var h = el('h3', '', customerName(s));
    head.appendChild(h);
    var facts = [CHANNEL_LABELS[s.channel] || s.channel, STATE_LABELS[s.state] || s.state];
    if (s.branchId) facts.push('营业部 ' + s.branchId);
    if (s.customer) facts.push('客户号 ' + s.customer.id);
    head.appendChild(el('div', 'qi-meta', facts.join(' · ')));

    var log = el('ol', 'review-log');
    log.setAttribute('aria-label', '状态记录');
    t.transitions.forEach(function (x) {
      log.appendChild(el('li', 'review-log-item', formatTime(x.at) + ' ' + transitionText(x)));
    });
    if (!t.transitions.length) log.appendChild(el('li', 'review-log-item', '全程由机器人服务，未转人工'));

    var messages = el('ul', 'review-messages');
    messages.setAttribute('aria-label', '聊天记录');
    t.messages.forEach(function (m) {
      messages.appendChild(renderMessage(m));
    });
    if (t.truncated) messages.appendChild(el('li', 'review-status', '消息过多，仅显示前 10000 条'));

    var sections = [head];
    (t.handoffs || []).forEach(function (x) {
      if (x.summary) sections.push(el('p', 'review-handoff-summary', '转人工摘要：' + x.summary));
    });
    sections.push(el('h4', '', '状态记录'), log, el('h4', '', '聊天记录'), messages, renderReviews());
    detail.replaceChildren.apply(detail, sections);
  }

  /** "转人工（客户要求人工）", "顾问接入（王芳）", "顾问结束人工服务（王芳）" … */
  function transitionText(x) {
    var who = x.byName ? '（' + x.byName + '）' : '';
    if (x.to === 'queued' || (x.to === 'after_hours' && x.from === 'bot')) {
      var reasons = String(x.reason || '')
        .split('; ')
        .filter(Boolean)
        .map(labels.reasonLabel);
      return (x.to === 'queued' ? '转人工' : '非服务时间留言') + (reasons.length ? '（' + reasons.join('、') + '）' : '');
    }
    var label = TRANSITION_LABELS[x.reason] || (STATE_LABELS[x.from] || x.from) + ' → ' + (STATE_LABELS[x.to] || x.to);
    return label + who;
  }

  function renderMessage(m) {
    var li = el('li', 'review-msg from-' + m.from);
    var author =
      { client: '客户', bot: '智能助手', advisor: '顾问 ' + (m.authorName || ''), system: '系统消息' }[m.from] || m.from;
    li.appendChild(el('div', 'review-msg-author', author + ' · ' + formatTime(m.createdAt)));
    li.appendChild(el('div', 'review-msg-text', m.media && !m.text ? '[文件]' : m.text));
    if (m.from === 'client' && m.insight) li.appendChild(labels.renderInsight(m.insight));
    var marks = [];
    if (m.status === 'failed') marks.push('发送失败：' + (m.error || '消息未送达客户'));
    if (m.recalled) marks.push('客户已撤回');
    if (marks.length) li.appendChild(el('div', 'review-msg-mark', marks.join(' · ')));
    return li;
  }

  function renderReviews() {
    var box = el('section', 'review-form-box');
    box.appendChild(el('h4', '', '评审'));
    var existing = el('ul', 'review-existing');
    existing.setAttribute('aria-label', '已有评审');
    current.reviews.forEach(function (r) {
      var li = el('li', 'review-existing-item');
      li.appendChild(reviewBadge(r));
      li.appendChild(el('span', 'qi-meta', formatTime(r.at)));
      if (r.note) li.appendChild(el('div', 'review-note', r.note));
      existing.appendChild(li);
    });
    if (!current.reviews.length) existing.appendChild(el('li', 'review-status', '暂无评审'));
    box.appendChild(existing);

    var mine = current.reviews.filter(function (r) {
      return session && r.reviewerId === session.advisor.id;
    })[0];
    var f = el('form', 'review-form');
    var name = 'verdict-' + current.summary.conversationId;
    var radios = el('div', 'review-verdicts');
    radios.setAttribute('role', 'radiogroup');
    radios.setAttribute('aria-label', '评审结论');
    ['ok', 'issue'].forEach(function (v) {
      var label = el('label', 'review-check');
      var input = el('input');
      input.type = 'radio';
      input.name = name;
      input.value = v;
      input.checked = mine ? mine.verdict === v : false;
      label.appendChild(input);
      label.appendChild(el('span', '', VERDICT_LABELS[v]));
      radios.appendChild(label);
    });
    var note = el('textarea');
    note.maxLength = NOTE_MAX;
    note.rows = 3;
    note.placeholder = '备注（选填，最多 500 字）';
    note.value = mine ? mine.note : '';
    var submit = el('button', 'primary', mine ? '更新评审' : '提交评审');
    submit.type = 'submit';
    f.appendChild(radios);
    f.appendChild(field('备注', note));
    f.appendChild(submit);
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      var chosen = f.querySelector('input[name="' + name + '"]:checked');
      if (!chosen) {
        toast('请选择评审结论：合规或有问题', 'error');
        return;
      }
      submit.disabled = true;
      var conversationId = current.summary.conversationId;
      request('transcripts:review', { conversationId: conversationId, verdict: chosen.value, note: note.value }).then(
        function (res) {
          submit.disabled = false;
          if (!res.ok) {
            toast(res.message || '评审提交失败，请重试', 'error');
            return;
          }
          toast('评审已保存');
          if (!current || current.summary.conversationId !== conversationId) return;
          current.reviews = res.reviews || [];
          items.forEach(function (s) {
            if (s.conversationId === conversationId)
              s.review = { verdict: res.review.verdict, reviewerName: res.review.reviewerName, at: res.review.at };
          });
          renderDetail();
          renderList();
        },
      );
    });
    box.appendChild(f);
    return box;
  }

  // ---------------------------------------------------------------- view

  function open() {
    if (!session) return;
    root.hidden = false;
    if (workspace) workspace.hidden = true;
    toggle.setAttribute('aria-pressed', 'true');
    runSearch(false);
  }

  function close() {
    root.hidden = true;
    if (workspace) workspace.hidden = false;
    toggle.setAttribute('aria-pressed', 'false');
  }

  function reset() {
    searchSeq += 1;
    openSeq += 1;
    items = [];
    next = null;
    current = null;
    form.reset();
    list.replaceChildren();
    listStatus.textContent = '';
    moreButton.hidden = true;
    detail.replaceChildren(el('p', 'review-status', '从左侧列表选择一个会话查看。'));
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    runSearch(false);
  });
  toggle.addEventListener('click', function () {
    if (root.hidden) open();
    else close();
  });

  document.addEventListener('console:connected', function (e) {
    var d = e.detail || {};
    var fresh = !session || !d.session || session.token !== d.session.token;
    socket = d.socket;
    session = d.session;
    if (typeof d.toast === 'function') toast = d.toast;
    var supervisor = !!session && session.advisor.role === 'supervisor';
    toggle.hidden = !supervisor;
    if (!supervisor) {
      close();
      return;
    }
    if (fresh) {
      buildView();
      reset();
      root.querySelector('.review-scope').textContent = session.advisor.allBranches
        ? '全部营业部 · 只读'
        : '营业部 ' + session.advisor.branchId + ' · 只读';
    }
  });

  document.addEventListener('console:logout', function () {
    socket = null;
    session = null;
    toggle.hidden = true;
    close();
    reset();
  });
})();
