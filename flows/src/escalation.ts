import { HANDOFF_PRIORITY } from '@brokerbot/shared';

/**
 * The foundation's escalation rule: an explicit request for a person, or words that show
 * distress or anger. Every decision carries its reasons so that it can be explained.
 */
const EXPLICIT = ['转人工', '人工客服', '人工服务', '找人工', '真人', '找客服', '客服经理', '投诉'];
const DISTRESS = ['爆仓', '强平', '血本无归', '活不下去', '不想活', '跳楼', '倾家荡产'];
const ANGER = ['骗子', '垃圾', '坑人', '太差', '气死', '报警', '曝光', '凭什么', '什么破'];
const ANXIETY = ['急死', '着急', '怎么办啊', '慌', '担心死', '害怕', '快点'];

export interface EscalationDecision {
  escalate: boolean;
  reasons: string[];
  priority: number;
}

function hits(text: string, terms: string[]): string[] {
  return terms.filter((t) => text.includes(t));
}

export function assessEscalation(text: string): EscalationDecision {
  const reasons: string[] = [];
  let priority: number = HANDOFF_PRIORITY.normal;
  const distress = hits(text, DISTRESS);
  if (distress.length) {
    reasons.push(`distress:${distress.join(',')}`);
    priority = HANDOFF_PRIORITY.distress;
  }
  const explicit = hits(text, EXPLICIT);
  if (explicit.length) {
    reasons.push(`explicit_request:${explicit.join(',')}`);
    if (explicit.includes('投诉')) priority = Math.min(priority, HANDOFF_PRIORITY.complaint);
  }
  const anger = hits(text, ANGER);
  const shouting = /[!！]{3,}|[?？]{3,}/.test(text);
  if (anger.length) reasons.push(`anger:${anger.join(',')}${shouting ? ',shouting' : ''}`);
  const anxiety = hits(text, ANXIETY);
  if (anxiety.length && (shouting || anxiety.length > 1)) reasons.push(`anxiety:${anxiety.join(',')}`);
  return { escalate: reasons.length > 0, reasons, priority };
}
