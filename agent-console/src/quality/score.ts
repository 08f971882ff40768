import type { QualityItemResult, QualitySeverity } from '@brokerbot/shared';
import { applyRule } from './rules';
import type { Scorecard } from './scorecard-schema';
import type { RuleOutcome, ScoringInput } from './scoring-input';

export interface ScoreSheet {
  total: number | null;
  scorecardVersion: string;
  items: QualityItemResult[];
  failedItemIds: string[];
  flags: QualitySeverity[];
}

const SEVERITY_ORDER: QualitySeverity[] = ['critical', 'major', 'minor'];

/**
 * Scores one chat against the scorecard (pure). `judged` holds the LLM items' outcomes when a model
 * was asked; an LLM item without one does not apply (no model configured, or its answer was unusable).
 * Total: 100 × the weight of the items passed / the weight of the items that apply, one decimal.
 */
export function scoreChat(
  card: Scorecard,
  input: ScoringInput,
  judged: ReadonlyMap<string, RuleOutcome> = new Map(),
): ScoreSheet {
  const items: QualityItemResult[] = card.items.map((item) => {
    const outcome: RuleOutcome =
      item.kind === 'llm'
        ? (judged.get(item.id) ?? { passed: null, evidence: [], detail: '未配置大模型或大模型未给出可用结论，本项不计分' })
        : applyRule(item, input);
    return {
      id: item.id,
      label: item.label,
      kind: item.kind,
      passed: outcome.passed,
      severity: item.severity,
      weight: item.weight,
      detail: outcome.detail,
      evidence: outcome.evidence,
    };
  });
  const applicable = items.filter((i) => i.passed !== null);
  const weight = applicable.reduce((sum, i) => sum + i.weight, 0);
  const earned = applicable.filter((i) => i.passed).reduce((sum, i) => sum + i.weight, 0);
  const failed = items.filter((i) => i.passed === false);
  return {
    total: weight > 0 ? Math.round((1000 * earned) / weight) / 10 : null,
    scorecardVersion: card.version,
    items,
    failedItemIds: failed.map((i) => i.id),
    flags: SEVERITY_ORDER.filter((s) => failed.some((i) => i.severity === s)),
  };
}
