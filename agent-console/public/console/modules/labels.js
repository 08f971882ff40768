// @ts-check
/*
 * Words for what the server sends as codes: client tiers, emotions, what the bot did with a
 * message, the escalation policy's reasons, priorities, channels, and the insight line under a
 * client message. Also on window.ConsoleLabels (console-labels.js) for the classic scripts.
 */
import { el } from '../../common/kit.js';

/** @typedef {import('../../../../shared/src/transcript').MessageInsight} MessageInsight */

/** @type {Record<string, string>} */
export const TIER_LABELS = { vip: 'VIP', gold: '金卡' };
/** @type {Record<string, string>} */
export const EMOTION_LABELS = { calm: '平静', anxious: '焦虑', angry: '愤怒', sad: '低落', positive: '积极' };
/** What the bot did with a client message (TurnDecision.action); a message the bot skipped shows none. @type {Record<string, string>} */
export const ACTION_LABELS = {
  answered: '已自动答复',
  clarified: '已追问',
  fallback: '未能回答',
  flow: '引导流程中',
  refused_advice: '合规拒答',
  escalated: '已转人工',
  after_hours: '非服务时间留言',
  relayed: '转给顾问',
};
/** High-risk business named by the escalation policy (high_risk_intent:<id>). @type {Record<string, string>} */
export const RISK_LABELS = {
  account_frozen: '账户冻结',
  inheritance_transfer: '继承过户',
  large_transfer_failed: '大额转账失败',
  margin_call: '两融追保/强平',
  complaint: '投诉',
};
/** The escalation policy's reasons (flows/src/policy/decide.ts), by their kind before ':'. @type {Record<string, string>} */
export const REASON_LABELS = {
  explicit_request: '客户要求人工',
  distress: '情绪危机',
  anger: '客户不满',
  anxiety: '客户焦虑',
  sadness: '客户情绪低落',
  rising_distress: '负面情绪持续上升',
  complaint: '客户投诉',
  tier: 'VIP 客户',
};
/** @type {Record<number, string>} */
export const PRIORITY_LABELS = { 1: '紧急', 2: 'VIP 优先', 3: '投诉', 4: '情绪', 5: '普通' };
/** @type {Record<string, string>} */
export const CHANNEL_LABELS = { app: 'App', wecom: '企业微信客服', miniprogram: '小程序' };
/** @type {Record<string, string>} */
export const MEDIA_LABELS = { image: '图片', voice: '语音', video: '视频', file: '文件' };

/** @param {number} p */
export function priorityLabel(p) {
  return PRIORITY_LABELS[p] || 'P' + p;
}

/** @param {string | null | undefined} channel */
export function channelLabel(channel) {
  return (channel && CHANNEL_LABELS[channel]) || channel || '';
}

/**
 * "高风险业务（账户冻结）", "情绪危机（爆仓）", "客户焦虑（0.81）"; an unknown code as it is.
 * @param {string} reason
 */
export function reasonLabel(reason) {
  const text = String(reason);
  const i = text.indexOf(':');
  const kind = i >= 0 ? text.slice(0, i) : text;
  const detail = i >= 0 ? text.slice(i + 1) : '';
  if (kind === 'high_risk_intent') return '高风险业务（' + (RISK_LABELS[detail] || detail) + '）';
  if (kind === 'tier') return detail === 'vip' ? REASON_LABELS.tier : '客户等级 ' + detail;
  if (!REASON_LABELS[kind]) return text;
  return REASON_LABELS[kind] + (detail ? '（' + detail + '）' : '');
}

/**
 * A reason chip's words and colour kind, for the waiting list and the handoff card. A numeric
 * detail is an emotion's intensity.
 * @param {string} reason
 * @returns {{ kind: string, label: string }}
 */
export function reasonInfo(reason) {
  const i = String(reason).indexOf(':');
  const kind = i >= 0 ? reason.slice(0, i) : reason;
  const detail = i >= 0 ? reason.slice(i + 1) : '';
  const intensity = /^\d+(\.\d+)?$/.test(detail) ? detail : '';
  const words = intensity
    ? '强度 ' + intensity
    : detail
        .split(',')
        .filter((w) => w && w !== 'shouting')
        .join('、');
  const shouting = detail.split(',').indexOf('shouting') >= 0;
  /** @param {string} label */
  const withWords = (label) => (words ? label + '（' + words + '）' : label);
  switch (kind) {
    case 'explicit_request':
      return { kind, label: withWords('客户要求人工') };
    case 'distress':
      return { kind, label: withWords('情绪危机') };
    case 'anger':
      return { kind, label: withWords(shouting ? '客户不满 · 语气激烈' : '客户不满') };
    case 'anxiety':
      return { kind, label: withWords('客户焦虑') };
    case 'sadness':
      return { kind: 'anxiety', label: withWords('客户情绪低落') };
    case 'rising_distress':
      return { kind: 'anxiety', label: '负面情绪持续上升' };
    case 'complaint':
      return { kind: 'anger', label: '客户投诉' };
    case 'high_risk_intent':
      return { kind: 'distress', label: '高风险业务（' + (RISK_LABELS[detail] || detail) + '）' };
    case 'tier':
      return { kind, label: detail === 'vip' ? 'VIP 客户' : '客户等级 ' + detail };
    default:
      return { kind: 'other', label: String(reason) };
  }
}

/**
 * "焦虑 0.72", or '' for an emotion without a word.
 * @param {{ emotion?: string | null, intensity?: number | null } | null | undefined} e
 */
export function emotionText(e) {
  if (!e || !e.emotion || !EMOTION_LABELS[e.emotion]) return '';
  return EMOTION_LABELS[e.emotion] + (typeof e.intensity === 'number' ? ' ' + e.intensity.toFixed(2) : '');
}

/**
 * What the bot made of a client's message ("焦虑 0.72 · 账户冻结 · 已转人工"), for advisors and
 * supervisors only; the policy's reasons, in words, are in the tooltip.
 * @param {MessageInsight} insight
 */
export function renderInsight(insight) {
  /** @type {string[]} */
  const parts = [];
  const emotion = emotionText(insight);
  if (emotion) parts.push(emotion);
  if (insight.intentLabel) parts.push(insight.intentLabel);
  const action = insight.action ? ACTION_LABELS[insight.action] : undefined;
  if (action) parts.push(action);
  const line = el('div', 'tinsight emo-' + (insight.emotion || 'unknown'), parts.join(' · '));
  line.setAttribute('aria-label', '智能助手判断：' + parts.join('，'));
  if (insight.reasons && insight.reasons.length) line.title = '依据：' + insight.reasons.map(reasonLabel).join('，');
  return line;
}
