/*
 * 会话记录: supervisors search past and present conversations, read them read-only with the
 * bot's insight per client message and the state log, and record a review (合规 / 有问题).
 * Plain browser JavaScript, no build step; loaded before console.js so that it hears the
 * first `console:connected` { socket, session, toast } (and `console:logout`).
 * Socket.IO namespace /advisor (agent-console/src/transcript-review.ts), requests with ack:
 *   transcripts:search { from?, to?, branchId?, escalated?, emotion?, reviewed?, keyword?, before? } → { items, next, terms? }
 *     (keyword: 关键词, every word in the conversation; `terms` are the words matched, highlighted in the transcript)
 *   transcripts:open { conversationId } → { transcript: { summary, messages, transitions, handoffs, reviews } }
 *   transcripts:review { conversationId, verdict: ok|issue, note } → { review, reviews }
 *   (智能质检, agent-console/src/requests/quality.ts)
 *   qa:branches → { items: [{ id, name }] }   the 营业部 filter
 *   qa:result { conversationId } → { result: { total, scorecardVersion, items, flags, confirmations } } | not_scored
 *   qa:confirm { conversationId, itemId, verdict: confirmed|overridden, note? } → { confirmation, confirmations }
 *   qa:rescore { conversationId } → { queued, revision }
 * Search adds minScore/maxScore, flag (critical|major|minor|any) and sort (recent|score_asc|score_desc).
 *   (质培一体化) practice:fromConversation { conversationId } → { scenario, created }   生成陪练场景
 *   (记录, agent-console/src/requests/records.ts)
 *   transcripts:export { conversationId } → { html, filename }   printable page, opened in a new window
 *   transcripts:hold { conversationId, hold, reason } → { legalHold: { held, reason, byName, at } }
 *   audit:list { conversationId?, advisorId?, before? } → { items, next }   审计记录
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
  var SEVERITY_LABELS = { critical: '严重', major: '重要', minor: '一般' };
  var QA_VERDICT_LABELS = { confirmed: '已确认', overridden: '已推翻' };
  /** How long after a re-score request the result is asked for again (the quality role scores within seconds). */
  var RESCORE_POLL_MS = 1500;
  var RESCORE_POLLS = 10;
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
  /** The words of the last keyword search (from the server's segmentation), marked in opened transcripts. */
  var highlightTerms = [];
  var openSeq = 0;
  var qaSeq = 0;
  /** The inspection result of the open transcript, or null (not scored / not loaded). */
  var quality = null;
  var rescoreTimer = null;
  /** The transcript shown on the right, or null. */
  var current = null;
  /** The open transcript's audit entries (审计记录) and the cursor of their next page. */
  var auditItems = [];
  var auditNext = null;
  var auditSeq = 0;
  /** The 审计记录 section on screen (replaced alone when entries arrive). */
  var auditBox = null;

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
  /** The branches this account may see (qa:branches), filled after connecting. */
  var branchSelect = el('select');
  function fillBranches(list) {
    var keep = branchSelect.value;
    // One branch: only that one; several: 全部 first.
    var options = (list.length === 1 ? [] : [['', '全部']]).concat(
      list.map(function (b) {
        return [b.id, b.id + ' ' + b.name];
      }),
    );
    branchSelect.replaceChildren.apply(
      branchSelect,
      options.map(function (pair) {
        var o = el('option', '', pair[1]);
        o.value = pair[0];
        return o;
      }),
    );
    if (keep) branchSelect.value = keep;
  }
  function select(pairs) {
    var sel = el('select');
    pairs.forEach(function (pair) {
      var o = el('option', '', pair[1]);
      o.value = pair[0];
      sel.appendChild(o);
    });
    return sel;
  }
  var scoreSelect = select([
    ['', '不限'],
    ['0-59.9', '低于 60 分'],
    ['60-79.9', '60–80 分'],
    ['80-100', '80 分及以上'],
  ]);
  var flagSelect = select([
    ['', '不限'],
    ['any', '有未通过项'],
    ['critical', '严重'],
    ['major', '重要'],
    ['minor', '一般'],
  ]);
  var sortSelect = select([
    ['recent', '最近活动'],
    ['score_asc', '质检分从低到高'],
    ['score_desc', '质检分从高到低'],
  ]);
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
  var keywordInput = el('input', 'review-keyword');
  keywordInput.type = 'search';
  keywordInput.maxLength = 50;
  keywordInput.placeholder = '如：强平 两融';
  form.appendChild(field('关键词', keywordInput));
  form.appendChild(field('开始日期', fromInput));
  form.appendChild(field('结束日期', toInput));
  form.appendChild(field('营业部', branchSelect));
  form.appendChild(field('负面情绪', emotionSelect));
  form.appendChild(field('质检分数', scoreSelect));
  form.appendChild(field('质检标记', flagSelect));
  form.appendChild(field('排序', sortSelect));
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
    if (branchSelect.value) f.branchId = branchSelect.value;
    if (scoreSelect.value) {
      var range = scoreSelect.value.split('-');
      f.minScore = Number(range[0]);
      f.maxScore = Number(range[1]);
    }
    if (flagSelect.value) f.flag = flagSelect.value;
    if (sortSelect.value && sortSelect.value !== 'recent') f.sort = sortSelect.value;
    if (emotionSelect.value) f.emotion = emotionSelect.value;
    if (escalatedBox.input.checked) f.escalated = true;
    if (unreviewedBox.input.checked) f.reviewed = false;
    if (keywordInput.value.trim()) f.keyword = keywordInput.value.trim();
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
      if (!more) highlightTerms = res.terms || [];
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
    head.appendChild(qualityBadge(s.quality));
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
    ((s.quality && s.quality.flags) || []).forEach(function (f) {
      chips.appendChild(el('span', 'chip qa-flag qa-flag-' + f, '质检' + (SEVERITY_LABELS[f] || f)));
    });
    var emotion = labels.emotionText(s.strongestEmotion);
    if (emotion) chips.appendChild(el('span', 'chip review-emotion emo-' + s.strongestEmotion.emotion, '最强情绪 ' + emotion));
    if (chips.childNodes.length) b.appendChild(chips);
    li.appendChild(b);
    return li;
  }

  function qualityBadge(q) {
    if (!q) return el('span', 'qa-score none', '未质检');
    var total = q.total === null || q.total === undefined ? '—' : String(q.total);
    var level = q.total === null || q.total === undefined ? 'none' : q.total < 60 ? 'low' : q.total < 80 ? 'mid' : 'high';
    var badge = el('span', 'qa-score ' + level, '质检 ' + total);
    badge.title = '评分卡版本 ' + q.scorecardVersion;
    return badge;
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
      quality = null;
      auditItems = [];
      auditNext = null;
      loadAudit(conversationId, false);
      renderDetail();
      renderList();
      loadQuality(conversationId);
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
    head.appendChild(practiceButton(s.conversationId));
    head.appendChild(recordsBox(s.conversationId));

    var log = el('ol', 'review-log');
    log.setAttribute('aria-label', '状态记录');
    t.transitions.forEach(function (x) {
      log.appendChild(el('li', 'review-log-item', formatTime(x.at) + ' ' + transitionText(x)));
    });
    if (!t.transitions.length) log.appendChild(el('li', 'review-log-item', '全程由机器人服务，未转人工'));

    var messages = el('ul', 'review-messages');
    messages.setAttribute('aria-label', '聊天记录');
    // Internal notes (never sent to the client) sit after the message they followed.
    var notes = (t.notes || []).slice();
    var overrides = {};
    (t.complianceOverrides || []).forEach(function (o) {
      overrides[o.messageId] = o;
    });
    function notesUpTo(seq) {
      while (notes.length && (seq === null || notes[0].afterSeq <= seq)) messages.appendChild(renderNote(notes.shift()));
    }
    t.messages.forEach(function (m) {
      notesUpTo(m.seq - 1);
      messages.appendChild(renderMessage(m, overrides[m.id]));
    });
    notesUpTo(null);
    if (t.truncated) messages.appendChild(el('li', 'review-status', '消息过多，仅显示前 10000 条'));

    var sections = [head];
    (t.handoffs || []).forEach(function (x) {
      if (x.summary) sections.push(el('p', 'review-handoff-summary', '转人工摘要：' + x.summary));
      if (x.wrapUp) {
        var w = '服务小结：' + x.wrapUp.category + (x.wrapUp.note ? ' · ' + x.wrapUp.note : '');
        sections.push(el('p', 'review-wrapup', w + (x.wrapUp.advisorName ? '（' + x.wrapUp.advisorName + '）' : '')));
      }
      if (x.satisfaction) sections.push(el('p', 'review-satisfaction', satisfactionText(x.satisfaction)));
    });
    sections.push(renderQuality());
    sections.push(el('h4', '', '状态记录'), log, el('h4', '', '聊天记录'), messages, renderReviews(), renderAudit());
    // Re-rendered when the inspection result arrives or changes: keep the reader's place.
    var scrollTop = detail.scrollTop;
    detail.replaceChildren.apply(detail, sections);
    detail.scrollTop = scrollTop;
  }

  /** The client's rating of a chat (satisfaction survey): answered, still asked, or not given. */
  function satisfactionText(v) {
    if (v.score !== null && v.score !== undefined) return '客户满意度：' + v.score + ' 分' + (v.comment ? ' · ' + v.comment : '');
    return (
      '客户满意度：' + ({ asked: '待客户评价', dismissed: '客户未评价', expired: '评价已过期，客户未评价' }[v.status] || '未评价')
    );
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

  function renderNote(n) {
    var li = el('li', 'review-msg review-note-msg');
    li.appendChild(el('div', 'review-msg-author', '内部备注 · ' + (n.authorName || '') + ' · ' + formatTime(n.createdAt)));
    li.appendChild(el('div', 'review-msg-text', n.text));
    return li;
  }

  /** A message's text with the searched words marked (<mark>), as text nodes only. */
  function highlighted(text, terms) {
    var box = el('div', 'review-msg-text');
    var words = (terms || []).filter(Boolean);
    if (!words.length || !text) {
      box.textContent = text || '';
      return box;
    }
    var pattern = new RegExp(
      '(' +
        words
          .map(function (w) {
            return w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          })
          .join('|') +
        ')',
      'gi',
    );
    text.split(pattern).forEach(function (part, i) {
      if (i % 2 === 1) box.appendChild(el('mark', 'review-hit', part));
      else if (part) box.appendChild(document.createTextNode(part));
    });
    return box;
  }

  function renderMessage(m, override) {
    var li = el('li', 'review-msg from-' + m.from);
    li.dataset.messageId = m.id;
    var cited = evidenceItems(m.id);
    if (cited.length) {
      li.classList.add('qa-evidence');
      if (
        cited.some(function (i) {
          return i.passed === false;
        })
      )
        li.classList.add('qa-evidence-failed');
      li.appendChild(
        el(
          'div',
          'qa-evidence-tag',
          '质检证据：' +
            cited
              .map(function (i) {
                return i.label;
              })
              .join('、'),
        ),
      );
    }
    var author =
      { client: '客户', bot: '智能助手', advisor: '顾问 ' + (m.authorName || ''), system: '系统消息' }[m.from] || m.from;
    li.appendChild(el('div', 'review-msg-author', author + ' · ' + formatTime(m.createdAt)));
    li.appendChild(m.media && !m.text ? el('div', 'review-msg-text', '[文件]') : highlighted(m.text, highlightTerms));
    if (m.from === 'client' && m.insight) li.appendChild(labels.renderInsight(m.insight));
    var marks = [];
    if (m.status === 'failed') marks.push('发送失败：' + (m.error || '消息未送达客户'));
    if (m.recalled) marks.push('客户已撤回');
    if (override)
      marks.push(
        '合规警告后仍发送（' +
          (override.rules || [])
            .map(function (r) {
              return r.label;
            })
            .join('、') +
          '）',
      );
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

  // ---------------------------------------------------------------- 记录: export, legal hold, audit log

  var AUDIT_ACTION_LABELS = {
    open: '查看记录',
    review: '评审',
    export: '导出',
    qa_confirm: '质检确认',
    watch: '静默监听',
    legal_hold: '法律保全',
    purge: '超期清除',
  };

  /** 导出 / 打印 and the legal hold (法律保全) of the open transcript. */
  function recordsBox(conversationId) {
    var box = el('div', 'review-records');
    box.appendChild(
      button('ghost-dark review-export', '导出 / 打印', function () {
        // Opened now, inside the click (a window opened after the answer would be blocked), filled when it arrives.
        var w = window.open('', '_blank');
        request('transcripts:export', { conversationId: conversationId }).then(function (res) {
          if (!res.ok) {
            if (w) w.close();
            toast(res.message || '导出失败，请重试', 'error');
            return;
          }
          if (w) {
            w.document.open();
            w.document.write(res.html);
            w.document.close();
            w.focus();
            w.print();
          } else {
            var a = el('a');
            a.href = URL.createObjectURL(new window.Blob([res.html], { type: 'text/html;charset=utf-8' }));
            a.download = res.filename;
            a.click();
            setTimeout(function () {
              URL.revokeObjectURL(a.href);
            }, 10000);
          }
          if (current && current.summary.conversationId === conversationId) loadAudit(conversationId, false);
        });
      }),
    );
    var h = current.legalHold || { held: false };
    box.appendChild(
      el(
        'span',
        'review-hold-status' + (h.held ? ' held' : ''),
        h.held ? '法律保全中：' + h.reason + (h.byName ? '（' + h.byName + '）' : '') : '未保全',
      ),
    );
    var reason = el('input');
    reason.type = 'text';
    reason.maxLength = 200;
    reason.placeholder = h.held ? '解除原因' : '保全原因（如诉讼、监管问询）';
    reason.setAttribute('aria-label', h.held ? '解除保全的原因' : '保全的原因');
    var toggleHold = button('ghost-dark review-hold', h.held ? '解除保全' : '法律保全', function () {
      toggleHold.disabled = true;
      request('transcripts:hold', { conversationId: conversationId, hold: !h.held, reason: reason.value }).then(function (res) {
        toggleHold.disabled = false;
        if (!res.ok) {
          toast(res.message || '操作失败，请重试', 'error');
          return;
        }
        toast(res.legalHold.held ? '已保全：保存期满也不会被清除' : '已解除保全');
        if (!current || current.summary.conversationId !== conversationId) return;
        current.legalHold = res.legalHold;
        renderDetail();
        loadAudit(conversationId, false);
      });
    });
    box.appendChild(reason);
    box.appendChild(toggleHold);
    return box;
  }

  function loadAudit(conversationId, more) {
    var seq = ++auditSeq;
    var payload = { conversationId: conversationId };
    if (more && auditNext) payload.before = auditNext;
    request('audit:list', payload).then(function (res) {
      if (seq !== auditSeq || !current || current.summary.conversationId !== conversationId) return;
      if (!res.ok) return;
      auditItems = more ? auditItems.concat(res.items || []) : res.items || [];
      auditNext = res.next || null;
      // Only the section changes (a re-render of the whole transcript would drop a review being typed).
      var old = auditBox;
      var fresh = renderAudit();
      if (old && old.parentNode) old.replaceWith(fresh);
    });
  }

  /** 审计记录: who opened, reviewed, exported, watched or held this conversation's record. */
  function renderAudit() {
    var box = el('section', 'review-audit');
    auditBox = box;
    box.appendChild(el('h4', '', '审计记录'));
    var list = el('ul', 'review-audit-list');
    list.setAttribute('aria-label', '审计记录');
    auditItems.forEach(function (e) {
      var what = AUDIT_ACTION_LABELS[e.action] || e.action;
      var d = e.details || {};
      if (e.action === 'review' && d.verdict) what += '：' + (VERDICT_LABELS[d.verdict] || d.verdict);
      if (e.action === 'legal_hold') what = (d.hold ? '法律保全' : '解除保全') + (d.reason ? '：' + d.reason : '');
      if (e.action === 'qa_confirm' && d.verdict) what += '：' + (QA_VERDICT_LABELS[d.verdict] || d.verdict);
      list.appendChild(el('li', 'review-audit-item', formatTime(e.at) + ' ' + e.actorName + ' · ' + what));
    });
    if (!auditItems.length) list.appendChild(el('li', 'review-status', '暂无审计记录'));
    box.appendChild(list);
    if (auditNext) {
      var conversationId = current.summary.conversationId;
      box.appendChild(
        button('ghost-dark review-audit-more', '加载更多', function () {
          loadAudit(conversationId, true);
        }),
      );
    }
    return box;
  }

  // ---------------------------------------------------------------- 质培一体化

  /** Scenarios made from conversations shown here, by conversationId: { title, created }. */
  var madeScenarios = {};

  /** 生成陪练场景: the conversation becomes a practice scenario of its branch (practice:fromConversation), once. */
  function practiceButton(conversationId) {
    var box = el('div', 'review-practice');
    var made = madeScenarios[conversationId];
    var b = button('ghost-dark review-practice-make', '生成陪练场景', function () {
      b.disabled = true;
      request('practice:fromConversation', { conversationId: conversationId }).then(function (res) {
        b.disabled = false;
        if (!res.ok) {
          toast(res.message || '生成陪练场景失败，请重试', 'error');
          return;
        }
        madeScenarios[conversationId] = { title: res.scenario.title, created: res.created };
        toast(res.created ? '已生成陪练场景：' + res.scenario.title : '该会话已生成过陪练场景：' + res.scenario.title);
        if (current && current.summary.conversationId === conversationId) renderDetail();
      });
    });
    b.title = '把这段真实会话变成本营业部顾问可练习的场景（个人信息已脱敏）';
    box.appendChild(b);
    if (made) {
      box.appendChild(el('span', 'review-practice-made', (made.created ? '已生成陪练场景：' : '已有陪练场景：') + made.title));
    }
    return box;
  }

  // ---------------------------------------------------------------- 智能质检

  /** The result's items that cite this message as evidence. */
  function evidenceItems(messageId) {
    if (!quality) return [];
    return quality.items.filter(function (i) {
      return (i.evidence || []).some(function (e) {
        return e.messageId === messageId;
      });
    });
  }

  function loadQuality(conversationId, wantRevision) {
    var seq = ++qaSeq;
    return request('qa:result', { conversationId: conversationId }).then(function (res) {
      if (seq !== qaSeq || !current || current.summary.conversationId !== conversationId) return null;
      if (!res.ok && res.error !== 'not_scored') {
        toast(res.message || '质检结果加载失败', 'error');
        return null;
      }
      quality = res.ok ? res.result : null;
      renderDetail();
      return quality && (wantRevision === undefined || quality.revision >= wantRevision) ? quality : null;
    });
  }

  function statusText(item) {
    if (item.passed === null) return '不适用';
    return item.passed ? '通过' : '未通过';
  }

  function renderQuality() {
    var box = el('section', 'qa-box');
    box.setAttribute('aria-label', '智能质检');
    var head = el('div', 'qa-head');
    head.appendChild(el('h4', '', '智能质检'));
    if (!quality) {
      head.appendChild(el('span', 'qa-score none', '未质检'));
      box.appendChild(head);
      box.appendChild(el('p', 'review-status', '该会话尚无质检结果（人工服务结束后数秒内自动质检）。'));
      box.appendChild(rescoreButton());
      return box;
    }
    head.appendChild(qualityBadge(quality));
    head.appendChild(
      el(
        'span',
        'qi-meta',
        '评分卡 ' +
          quality.scorecardVersion +
          (quality.revision ? ' · 第 ' + (quality.revision + 1) + ' 次质检' : '') +
          ' · ' +
          formatTime(quality.scoredAt),
      ),
    );
    head.appendChild(rescoreButton());
    box.appendChild(head);
    var listEl = el('ul', 'qa-items');
    listEl.setAttribute('aria-label', '质检项');
    quality.items.forEach(function (item) {
      listEl.appendChild(renderQualityItem(item));
    });
    box.appendChild(listEl);
    return box;
  }

  function rescoreButton() {
    return button('ghost-dark qa-rescore', '重新质检', function (e) {
      var b = e.currentTarget;
      var conversationId = current.summary.conversationId;
      b.disabled = true;
      request('qa:rescore', { conversationId: conversationId }).then(function (res) {
        if (!res.ok) {
          b.disabled = false;
          toast(res.message || '重新质检失败，请重试', 'error');
          return;
        }
        toast('已提交重新质检');
        var polls = 0;
        clearTimeout(rescoreTimer);
        var poll = function () {
          loadQuality(conversationId, res.revision).then(function (found) {
            if (!found && ++polls < RESCORE_POLLS) rescoreTimer = setTimeout(poll, RESCORE_POLL_MS);
          });
        };
        rescoreTimer = setTimeout(poll, RESCORE_POLL_MS);
      });
    });
  }

  function renderQualityItem(item) {
    var state = item.passed === null ? 'na' : item.passed ? 'pass' : 'fail';
    var li = el('li', 'qa-item qa-' + state);
    li.dataset.itemId = item.id;
    var line = el('div', 'qa-item-head');
    line.appendChild(el('span', 'qa-status', statusText(item)));
    line.appendChild(el('span', 'qa-label', item.label));
    line.appendChild(el('span', 'chip qa-flag qa-flag-' + item.severity, SEVERITY_LABELS[item.severity] || item.severity));
    li.appendChild(line);
    if (item.detail) li.appendChild(el('div', 'qa-detail', item.detail));
    if (item.evidence && item.evidence.length) {
      var ev = el('ul', 'qa-evidence-list');
      item.evidence.forEach(function (e) {
        var q = button('qa-quote', '“' + e.quote + '”', function () {
          showMessage(e.messageId);
        });
        q.title = '在聊天记录中查看';
        var row = el('li');
        row.appendChild(q);
        ev.appendChild(row);
      });
      li.appendChild(ev);
    }
    if (item.passed !== null) li.appendChild(renderConfirm(item));
    return li;
  }

  /** Scrolls the transcript to a message and marks it for a moment. */
  function showMessage(messageId) {
    var target = detail.querySelector('.review-msg[data-message-id="' + cssEscape(messageId) + '"]');
    if (!target) {
      toast('该消息不在当前显示的聊天记录中', 'error');
      return;
    }
    target.scrollIntoView({ block: 'center' });
    target.classList.remove('qa-focus');
    void target.offsetWidth;
    target.classList.add('qa-focus');
  }

  function cssEscape(s) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&');
  }

  /** Confirm or override an item's automatic result (each supervisor's latest verdict counts). */
  function renderConfirm(item) {
    var box = el('div', 'qa-confirm');
    var all = (quality.confirmations || []).filter(function (c) {
      return c.itemId === item.id;
    });
    all.forEach(function (c) {
      box.appendChild(
        el(
          'div',
          'qa-confirmation qa-' + c.verdict,
          QA_VERDICT_LABELS[c.verdict] + ' · ' + c.reviewerName + (c.note ? ' · ' + c.note : ''),
        ),
      );
    });
    if (item.passed !== false) return box;
    var note = el('input');
    note.type = 'text';
    note.maxLength = NOTE_MAX;
    note.placeholder = '说明（选填）';
    note.setAttribute('aria-label', item.label + ' 的说明');
    var mine = all.filter(function (c) {
      return session && c.reviewerId === session.advisor.id;
    })[0];
    if (mine) note.value = mine.note;
    var send = function (verdict) {
      return function (e) {
        var b = e.currentTarget;
        var conversationId = current.summary.conversationId;
        b.disabled = true;
        request('qa:confirm', { conversationId: conversationId, itemId: item.id, verdict: verdict, note: note.value }).then(
          function (res) {
            b.disabled = false;
            if (!res.ok) {
              toast(res.message || '提交失败，请重试', 'error');
              return;
            }
            toast(verdict === 'confirmed' ? '已确认该项结果' : '已推翻该项结果');
            if (!quality || !current || current.summary.conversationId !== conversationId) return;
            quality.confirmations = res.confirmations || [];
            renderDetail();
          },
        );
      };
    };
    var actions = el('div', 'qa-actions');
    actions.appendChild(note);
    actions.appendChild(button('ghost-dark qa-confirm-ok', '确认', send('confirmed')));
    actions.appendChild(button('ghost-dark qa-confirm-override', '推翻', send('overridden')));
    box.appendChild(actions);
    return box;
  }

  function loadBranches() {
    request('qa:branches').then(function (res) {
      if (res.ok) fillBranches(res.items || []);
    });
  }

  // ---------------------------------------------------------------- view

  function open() {
    if (!session) return;
    root.hidden = false;
    if (workspace) workspace.hidden = true;
    toggle.setAttribute('aria-pressed', 'true');
    loadBranches();
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
    qaSeq += 1;
    clearTimeout(rescoreTimer);
    items = [];
    next = null;
    current = null;
    quality = null;
    madeScenarios = {};
    auditSeq += 1;
    auditItems = [];
    auditNext = null;
    form.reset();
    fillBranches([]);
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
