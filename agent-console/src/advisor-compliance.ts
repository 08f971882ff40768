import { checkText } from '@brokerbot/flows';
import { UserError, type ComplianceRuleHit, type MessageDoc } from '@brokerbot/shared';

/**
 * The compliance check on what advisors write (replies and canned replies): the same guardrails
 * that check the bot (flows/src/compliance `checkText`: 个股推荐, 承诺收益, 价格预测, 不当用语).
 * Pure: no I/O.
 */

/** The rules a text breaks, each once (empty: compliant). */
export function checkAdvisorText(text: string): ComplianceRuleHit[] {
  return checkText(text).rules;
}

/** "个股推荐、承诺收益": the rules' labels, for a message. */
export function ruleLabels(rules: ComplianceRuleHit[]): string {
  return rules.map((r) => r.label).join('、');
}

/** What is stored with an advisor's message sent over a compliance warning (meta.compliance), for review. */
export interface ComplianceOverride {
  override: true;
  rules: ComplianceRuleHit[];
  advisorId: string;
  advisorName: string;
  at: string;
}

/**
 * Checks an advisor's reply before it is sent: a compliant text passes (null); one that breaks a
 * rule is refused with `compliance_warning` naming the rules, unless the advisor confirmed it, in
 * which case the override to store with the message is returned.
 */
export function complianceOf(
  advisor: { sub: string; name: string },
  text: string,
  confirmed: boolean,
): ComplianceOverride | null {
  const rules = checkAdvisorText(text);
  if (rules.length === 0) return null;
  if (!confirmed) {
    throw new UserError(
      'compliance_warning',
      `这条消息可能违反合规要求（${ruleLabels(rules)}），尚未发送。请修改；如确认无误，可再次发送（将记录以备合规审查）。`,
      { rules },
    );
  }
  return { override: true, rules, advisorId: advisor.sub, advisorName: advisor.name, at: new Date().toISOString() };
}

/** An advisor message sent over a compliance warning, as review shows it. */
export interface ComplianceOverrideView extends ComplianceOverride {
  messageId: string;
  text: string;
}

/** The messages of a transcript that were sent over a compliance warning (meta.compliance), oldest first. */
export function complianceOverridesOf(messages: readonly MessageDoc[]): ComplianceOverrideView[] {
  return messages.flatMap((m) => {
    const c = (m.meta as { compliance?: ComplianceOverride } | null)?.compliance;
    return c?.override ? [{ ...c, messageId: m.channelMessageId, text: m.text }] : [];
  });
}
