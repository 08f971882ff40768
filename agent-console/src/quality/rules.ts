import { enforceReplyPolicy } from '@brokerbot/flows';
import { checkAdvisorText } from '../advisor-compliance';
import type { ScorecardItem } from './scorecard-schema';
import type { Evidence, RuleOutcome, ScoredMessage, ScoringInput } from './scoring-input';

/**
 * The scorecard's rules, one pure function per item kind: (item settings, transcript) → outcome
 * with the messages that prove it. No I/O; the LLM item is judged elsewhere (llm-judge.ts).
 */
const QUOTE_MAX = 80;
const NEGATIVE = new Set(['anxious', 'angry', 'sad']);

export function quote(m: ScoredMessage, around?: string): Evidence {
  let text = m.text;
  if (text.length > QUOTE_MAX) {
    const at = around ? Math.max(0, text.indexOf(around) - 20) : 0;
    text = (at > 0 ? '…' : '') + text.slice(at, at + QUOTE_MAX) + (at + QUOTE_MAX < text.length ? '…' : '');
  }
  return { messageId: m.id, quote: text };
}

const notApplicable = (detail: string): RuleOutcome => ({ passed: null, evidence: [], detail });
const firstTerm = (text: string, terms: readonly string[]) => terms.find((t) => text.includes(t));

/** Messages of the human part: from acceptance to the end of the chat. */
function humanPart(input: ScoringInput): ScoredMessage[] {
  if (input.acceptedAt === null) return [];
  return input.messages.filter((m) => m.at >= input.acceptedAt! && (input.closedAt === null || m.at <= input.closedAt));
}
const advisorMessages = (input: ScoringInput) => humanPart(input).filter((m) => m.from === 'advisor');

type Rule<K extends ScorecardItem['kind']> = (item: Extract<ScorecardItem, { kind: K }>, input: ScoringInput) => RuleOutcome;

/** 两融 / 期权 / 高风险产品 discussed with the advisor → the advisor disclosed the risk (after the first mention). */
export const riskDisclosure: Rule<'risk_disclosure'> = (item, input) => {
  const part = humanPart(input).filter((m) => m.from === 'client' || m.from === 'advisor');
  let mention: { m: ScoredMessage; topic: string; term: string } | null = null;
  for (const m of part) {
    for (const [topic, terms] of Object.entries(item.topics)) {
      const term = firstTerm(m.text, terms);
      if (term) {
        mention = { m, topic, term };
        break;
      }
    }
    if (mention) break;
  }
  if (!mention) return notApplicable('未涉及需风险揭示的业务');
  const from = mention.m;
  const disclosure = part.find(
    (m) => m.from === 'advisor' && m.seq >= from.seq && firstTerm(m.text, item.disclosureTerms) !== undefined,
  );
  if (disclosure) {
    return {
      passed: true,
      evidence: [quote(from, mention.term), quote(disclosure, firstTerm(disclosure.text, item.disclosureTerms))],
      detail: `涉及${mention.topic}，顾问已作风险揭示`,
    };
  }
  return { passed: false, evidence: [quote(from, mention.term)], detail: `涉及${mention.topic}，顾问未作风险揭示` };
};

/** The bot's guardrails (荐股, 承诺收益, 预测价格) applied to every advisor message. */
export const guardrails: Rule<'guardrails'> = (item, input) => {
  const advisor = advisorMessages(input);
  if (advisor.length === 0) return notApplicable('顾问没有发言');
  const hits = advisor
    .map((m) => ({
      m,
      rules: enforceReplyPolicy(m.text).violations.filter((v) => item.families.some((f) => v.startsWith(`${f}:`))),
    }))
    .filter((h) => h.rules.length > 0);
  if (hits.length === 0) return { passed: true, evidence: [], detail: '顾问发言未见荐股、承诺收益或预测价格' };
  const words: Record<string, string> = { advice: '荐股或买卖建议', promise: '承诺收益', prediction: '预测价格' };
  const found = [...new Set(hits.flatMap((h) => h.rules.map((r) => words[r.split(':')[0]!] ?? r)))];
  return { passed: false, evidence: hits.map((h) => quote(h.m)), detail: `顾问发言涉及${found.join('、')}` };
};

/** The words of a message that the improper-language rule (the console's, plus the scorecard's extra terms) objects to. */
function improperIn(text: string, extraTerms: readonly string[]): string | null {
  if (checkAdvisorText(text).some((r) => r.id.startsWith('language:'))) return '不当用语';
  return firstTerm(text, extraTerms) ?? null;
}

/** No improper language in any advisor message (the same rule that warns advisors before sending). */
export const improperLanguage: Rule<'improper_language'> = (item, input) => {
  const advisor = advisorMessages(input);
  if (advisor.length === 0) return notApplicable('顾问没有发言');
  const hits = advisor.filter((m) => improperIn(m.text, item.extraTerms) !== null);
  if (hits.length === 0) return { passed: true, evidence: [], detail: '未见不当用语' };
  return { passed: false, evidence: hits.map((m) => quote(m)), detail: `${hits.length} 条顾问消息含不当用语` };
};

/** The advisor's first message came within N s of accepting. */
export const firstResponse: Rule<'first_response'> = (item, input) => {
  if (input.acceptedAt === null) return notApplicable('没有顾问接入');
  const first = advisorMessages(input)[0];
  const limitMs = item.withinSeconds * 1000;
  if (!first) {
    const end = input.closedAt ?? input.acceptedAt;
    return {
      passed: false,
      evidence: [],
      detail: `接入后顾问未回复（${Math.round((end - input.acceptedAt) / 1000)} 秒内无回复）`,
    };
  }
  const seconds = Math.round((first.at - input.acceptedAt) / 1000);
  return {
    passed: first.at - input.acceptedAt <= limitMs,
    evidence: [quote(first)],
    detail: `接入后 ${seconds} 秒首次回复（要求 ${item.withinSeconds} 秒内）`,
  };
};

/** Every client message of the human part was answered by the advisor within N s. */
export const unanswered: Rule<'unanswered'> = (item, input) => {
  const part = humanPart(input);
  const clientMessages = part.filter((m) => m.from === 'client');
  if (input.acceptedAt === null || clientMessages.length === 0) return notApplicable('人工服务期间客户没有发言');
  const limitMs = item.withinSeconds * 1000;
  const late: ScoredMessage[] = [];
  for (const c of clientMessages) {
    const answer = part.find((m) => m.from === 'advisor' && m.seq > c.seq);
    // Unanswered when the chat ended: the client waited until the end of the human part.
    const waitedUntil = answer ? answer.at : (input.closedAt ?? c.at);
    if (waitedUntil - c.at > limitMs) late.push(c);
  }
  if (late.length === 0) return { passed: true, evidence: [], detail: `客户消息均在 ${item.withinSeconds} 秒内得到回复` };
  return {
    passed: false,
    evidence: late.map((m) => quote(m)),
    detail: `${late.length} 条客户消息超过 ${item.withinSeconds} 秒未回复或未回复`,
  };
};

/** An anxious or angry client got an acknowledgement in the advisor's first answer after it. */
export const empathy: Rule<'empathy'> = (item, input) => {
  if (input.acceptedAt === null) return notApplicable('没有顾问接入');
  const emotional = input.messages.find(
    (m) =>
      m.from === 'client' &&
      m.insight?.emotion != null &&
      (item.emotions as readonly string[]).includes(m.insight.emotion) &&
      (m.insight.intensity ?? 0) >= item.minIntensity &&
      (input.closedAt === null || m.at <= input.closedAt),
  );
  if (!emotional) return notApplicable('客户未表现出焦虑或愤怒');
  const answer = advisorMessages(input).find((m) => m.seq > emotional.seq);
  if (!answer) return { passed: false, evidence: [quote(emotional)], detail: '客户情绪激动，顾问没有回应' };
  const term = firstTerm(answer.text, item.acknowledgementTerms);
  return term
    ? { passed: true, evidence: [quote(emotional), quote(answer, term)], detail: `顾问先安抚了客户（“${term}”）` }
    : { passed: false, evidence: [quote(emotional), quote(answer)], detail: '客户情绪激动，顾问未先安抚就直接办理' };
};

/** Negativity of a client message: its intensity when the emotion is negative, else 0. */
const negativity = (m: ScoredMessage) =>
  m.insight?.emotion && NEGATIVE.has(m.insight.emotion) ? Math.max(0, Math.min(1, m.insight.intensity ?? 0.5)) : 0;

/** The client's emotion at the end is not (more than `tolerance`) worse than at the start. */
export const emotionTrend: Rule<'emotion_trend'> = (item, input) => {
  const read = input.messages.filter(
    (m) => m.from === 'client' && m.insight?.emotion != null && (input.closedAt === null || m.at <= input.closedAt),
  );
  if (read.length < 2) return notApplicable('客户消息不足两条，无法比较情绪');
  const start = read[0]!;
  const end = read.at(-1)!;
  const [a, b] = [negativity(start), negativity(end)];
  const change = b < a ? '好转' : b > a ? '恶化' : '持平';
  return {
    passed: b - a <= item.tolerance,
    evidence: [quote(start), quote(end)],
    detail: `客户情绪${change}（开始 ${start.insight!.emotion}，结束 ${end.insight!.emotion}）`,
  };
};

/** The advisor recorded a wrap-up. */
export const wrapUp: Rule<'wrap_up'> = (_item, input) => {
  if (input.acceptedAt === null) return notApplicable('没有顾问接入');
  const present = input.wrapUp != null && !(typeof input.wrapUp === 'string' && input.wrapUp.trim() === '');
  return { passed: present, evidence: [], detail: present ? '已填写服务小结' : '未填写服务小结' };
};

/** The client's rating, when given, is at least minScore. */
export const satisfaction: Rule<'satisfaction'> = (item, input) => {
  if (input.satisfaction === null) return notApplicable('客户未评价');
  return {
    passed: input.satisfaction >= item.minScore,
    evidence: [],
    detail: `客户评价 ${input.satisfaction} 分（要求不低于 ${item.minScore} 分）`,
  };
};

/** The rule of a (non-LLM) item. */
export function applyRule(item: Exclude<ScorecardItem, { kind: 'llm' }>, input: ScoringInput): RuleOutcome {
  switch (item.kind) {
    case 'risk_disclosure':
      return riskDisclosure(item, input);
    case 'guardrails':
      return guardrails(item, input);
    case 'improper_language':
      return improperLanguage(item, input);
    case 'first_response':
      return firstResponse(item, input);
    case 'unanswered':
      return unanswered(item, input);
    case 'empathy':
      return empathy(item, input);
    case 'emotion_trend':
      return emotionTrend(item, input);
    case 'wrap_up':
      return wrapUp(item, input);
    case 'satisfaction':
      return satisfaction(item, input);
  }
}
