import type { LlmClient } from '@brokerbot/flows';
import type { PracticeScore } from '@brokerbot/shared';
import { judgeWithLlm } from '../quality/llm-judge';
import { scoreChat } from '../quality/score';
import type { Scorecard } from '../quality/scorecard-schema';
import type { ScoringInput } from '../quality/scoring-input';

/**
 * The one place practice reaches automatic inspection: the same scorecard and the same scoring
 * function (agent-console/src/quality) as real chats, LLM items included when a model is
 * configured. Items that cannot apply to a practice are left out: the wrap-up (a practice has no
 * 服务小结) — satisfaction does not apply by itself (no rating).
 */
export async function scorePractice(card: Scorecard, input: ScoringInput, llm: LlmClient | null): Promise<PracticeScore> {
  const practiceCard: Scorecard = { ...card, items: card.items.filter((item) => item.kind !== 'wrap_up') };
  const judged = await judgeWithLlm(llm, practiceCard, input);
  const sheet = scoreChat(practiceCard, input, judged);
  return { total: sheet.total, scorecardVersion: sheet.scorecardVersion, items: sheet.items, flags: sheet.flags };
}
