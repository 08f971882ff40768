/*
 * Words for what the server sends as codes, shared by the console's scripts (console.js,
 * appointments.js, review.js): client tiers, emotions, what the bot did with a message, the
 * escalation policy's reasons, and the insight line under a client message. Loaded after
 * /common/page-kit.js and before the scripts that use window.ConsoleLabels.
 */
(function () {
  'use strict';

  var el = window.PageKit.el;

  var TIER_LABELS = { vip: 'VIP', gold: '金卡' };
  var EMOTION_LABELS = { calm: '平静', anxious: '焦虑', angry: '愤怒', sad: '低落', positive: '积极' };
  /** What the bot did with a client message (TurnDecision.action); a message the bot skipped shows none. */
  var ACTION_LABELS = {
    answered: '已自动答复',
    clarified: '已追问',
    fallback: '未能回答',
    flow: '引导流程中',
    refused_advice: '合规拒答',
    escalated: '已转人工',
    after_hours: '非服务时间留言',
    relayed: '转给顾问',
  };
  var RISK_LABELS = {
    account_frozen: '账户冻结',
    inheritance_transfer: '继承过户',
    large_transfer_failed: '大额转账失败',
    margin_call: '两融追保/强平',
    complaint: '投诉',
  };
  /** The escalation policy's reasons (flows/src/policy/decide.ts), by their kind before ':'. */
  var REASON_LABELS = {
    explicit_request: '客户要求人工',
    distress: '情绪危机',
    anger: '客户不满',
    anxiety: '客户焦虑',
    sadness: '客户情绪低落',
    rising_distress: '负面情绪持续上升',
    complaint: '客户投诉',
    tier: 'VIP 客户',
  };

  /** "高风险业务（账户冻结）", "情绪危机（爆仓）", "客户焦虑（0.81）"; an unknown code as it is. */
  function reasonLabel(reason) {
    var text = String(reason);
    var i = text.indexOf(':');
    var kind = i >= 0 ? text.slice(0, i) : text;
    var detail = i >= 0 ? text.slice(i + 1) : '';
    if (kind === 'high_risk_intent') return '高风险业务（' + (RISK_LABELS[detail] || detail) + '）';
    if (kind === 'tier') return detail === 'vip' ? REASON_LABELS.tier : '客户等级 ' + detail;
    if (!REASON_LABELS[kind]) return text;
    return REASON_LABELS[kind] + (detail ? '（' + detail + '）' : '');
  }

  /** "焦虑 0.72", or '' for an emotion without a word. */
  function emotionText(e) {
    if (!e || !EMOTION_LABELS[e.emotion]) return '';
    return EMOTION_LABELS[e.emotion] + (typeof e.intensity === 'number' ? ' ' + e.intensity.toFixed(2) : '');
  }

  /**
   * What the bot made of a client's message ("焦虑 0.72 · 账户冻结 · 已转人工"), for advisors and
   * supervisors only; the policy's reasons, in words, are in the tooltip.
   */
  function renderInsight(insight) {
    var parts = [];
    var emotion = emotionText(insight);
    if (emotion) parts.push(emotion);
    if (insight.intentLabel) parts.push(insight.intentLabel);
    if (ACTION_LABELS[insight.action]) parts.push(ACTION_LABELS[insight.action]);
    var line = el('div', 'tinsight emo-' + (insight.emotion || 'unknown'), parts.join(' · '));
    line.setAttribute('aria-label', '智能助手判断：' + parts.join('，'));
    if (insight.reasons && insight.reasons.length) line.title = '依据：' + insight.reasons.map(reasonLabel).join('，');
    return line;
  }

  window.ConsoleLabels = {
    TIER_LABELS: TIER_LABELS,
    EMOTION_LABELS: EMOTION_LABELS,
    RISK_LABELS: RISK_LABELS,
    reasonLabel: reasonLabel,
    emotionText: emotionText,
    renderInsight: renderInsight,
  };
})();
