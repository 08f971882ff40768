// @ts-check
/*
 * 智能陪练's pure decisions for the console (no DOM, no requests; unit-tested in
 * agent-console/test/console-decisions.test.ts): the order of the scenario list, the words for an
 * outcome, a score's colour band and the mood path as one line.
 */

/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeScenarioItem} PracticeScenarioItem */
/** @typedef {import('../../../../shared/src/protocol/advisor-practice').PracticeOutcome} PracticeOutcome */

/** Short words for an outcome (the result also carries the server's longer outcomeLabel). @type {Record<PracticeOutcome, string>} */
export const OUTCOME_LABELS = {
  calmed: '客户已平复',
  escalated: '客户情绪升级',
  max_turns: '轮次用完',
  closed: '提前结束',
};

/** The simulated client's reaction to one advisor turn, short (the feedback carries the full label). @type {Record<string, string>} */
export const REACTION_SHORT = {
  calming: '安抚 + 具体步骤',
  calm: '具体步骤',
  acknowledgedOnly: '只有安抚',
  procedureOnly: '未安抚就讲流程',
  ignored: '未回应',
  forbidden: '合规红线',
  rude: '不当用语',
  vague: '回应笼统',
};

/**
 * Scenarios to show: those a supervisor assigned first, then the others, each group by title.
 * @template {Pick<PracticeScenarioItem, 'assigned' | 'title'>} T
 * @param {T[]} items
 * @returns {T[]}
 */
export function orderScenarios(items) {
  return items.slice().sort((a, b) => Number(b.assigned) - Number(a.assigned) || a.title.localeCompare(b.title, 'zh-CN'));
}

/**
 * The colour band of a score: 'high' (80+), 'mid' (60–79), 'low', or 'none' (no item applied).
 * @param {number | null | undefined} total
 */
export function scoreLevel(total) {
  if (total === null || total === undefined) return 'none';
  return total < 60 ? 'low' : total < 80 ? 'mid' : 'high';
}

/**
 * "3 → 1 → 0" from the client's mood after each turn (turn 0: the start).
 * @param {{ turn: number, mood: number }[]} path
 */
export function moodPathText(path) {
  return path
    .slice()
    .sort((a, b) => a.turn - b.turn)
    .map((p) => String(p.mood))
    .join(' → ');
}

/**
 * Whether a practice outcome is a success for the advisor (the client calmed down).
 * @param {PracticeOutcome | null | undefined} outcome
 */
export function isGoodOutcome(outcome) {
  return outcome === 'calmed';
}
