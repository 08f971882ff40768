/**
 * 智能陪练's pure decisions in the console (agent-console/public/console/modules/practice-text.js,
 * compiled for Jest by jest.config.js): the order of the scenario list, a score's colour band,
 * the mood path as one line, and which outcome is a success. No DOM, no services.
 */
export {};

interface Decisions {
  orderScenarios<T extends { assigned: boolean; title: string }>(items: T[]): T[];
  scoreLevel(total: number | null | undefined): 'high' | 'mid' | 'low' | 'none';
  moodPathText(path: { turn: number; mood: number }[]): string;
  isGoodOutcome(outcome: string | null | undefined): boolean;
  OUTCOME_LABELS: Record<string, string>;
}

const MODULE = '../public/console/modules/practice-text.js';
let d: Decisions;

beforeAll(async () => {
  d = (await import(MODULE)) as Decisions;
});

describe('practice in the console: what the screen decides', () => {
  it('lists the scenarios a supervisor assigned first, each group by title, without changing the input', () => {
    const items = [
      { id: 'b', title: 'VIP 客户询问产品风险', assigned: false },
      { id: 'c', title: '咨询开户的新客户', assigned: true },
      { id: 'a', title: '焦虑的两融客户', assigned: false },
      { id: 'd', title: '愤怒的投诉客户', assigned: true },
    ];
    const ordered = d.orderScenarios(items);
    expect(ordered.slice(0, 2).map((i) => i.assigned)).toEqual([true, true]);
    expect(ordered.slice(2).map((i) => i.assigned)).toEqual([false, false]);
    expect(ordered[0]!.title.localeCompare(ordered[1]!.title, 'zh-CN')).toBeLessThan(0);
    expect(items.map((i) => i.id)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('colours a score by band and shows none when no item applied', () => {
    expect(d.scoreLevel(100)).toBe('high');
    expect(d.scoreLevel(80)).toBe('high');
    expect(d.scoreLevel(79.9)).toBe('mid');
    expect(d.scoreLevel(60)).toBe('mid');
    expect(d.scoreLevel(33.3)).toBe('low');
    expect(d.scoreLevel(0)).toBe('low');
    expect(d.scoreLevel(null)).toBe('none');
    expect(d.scoreLevel(undefined)).toBe('none');
  });

  it('writes the client’s mood after each turn in turn order', () => {
    expect(
      d.moodPathText([
        { turn: 2, mood: 6 },
        { turn: 0, mood: 3 },
        { turn: 1, mood: 4 },
      ]),
    ).toBe('3 → 4 → 6');
    expect(d.moodPathText([])).toBe('');
  });

  it('counts only a calmed client as a success, and has words for every outcome', () => {
    expect(d.isGoodOutcome('calmed')).toBe(true);
    for (const o of ['escalated', 'max_turns', 'closed', null]) expect(d.isGoodOutcome(o)).toBe(false);
    expect(Object.keys(d.OUTCOME_LABELS).sort()).toEqual(['calmed', 'closed', 'escalated', 'max_turns']);
  });
});
