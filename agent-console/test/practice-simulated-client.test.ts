import { DEFAULT_SCENARIOS_DIR, readScenarioFolder } from '../src/practice/scenario-store';
import {
  initialState,
  moodInsight,
  readAdvisorTurn,
  step,
  type AdvisorTurn,
  type StepResult,
} from '../src/practice/simulated-client';
import type { Scenario } from '../src/practice/scenario-schema';

/** The bundled scenarios, as the console loads them. */
const folder = readScenarioFolder(DEFAULT_SCENARIOS_DIR);
const scenario = (id: string): Scenario => {
  const s = folder.scenarios.find((x) => x.id === id);
  if (!s) throw new Error(`scenario ${id} missing`);
  return s;
};

/** Plays advisor turns until the practice ends (or the turns run out); returns every step. */
function play(s: Scenario, turns: AdvisorTurn[]): StepResult[] {
  let state = initialState(s);
  const steps: StepResult[] = [];
  for (const turn of turns) {
    const r = step(s, state, turn);
    steps.push(r);
    state = r.state;
    if (r.ended) break;
  }
  return steps;
}
const reply = (...texts: string[]): AdvisorTurn => ({ kind: 'reply', texts });

describe('the simulated client (智能陪练)', () => {
  it('ships the four scenarios, all valid', () => {
    expect(folder.invalid).toEqual([]);
    expect(folder.scenarios.map((s) => s.id).sort()).toEqual([
      'margin-call-anxious',
      'new-account-inquiry',
      'transfer-failed-angry',
      'vip-product-risk',
    ]);
  });

  it('calms the anxious margin client who is acknowledged and given concrete next steps', () => {
    const s = scenario('margin-call-anxious');
    const steps = play(s, [
      reply('刘先生，非常理解您现在的担心，别着急。我马上帮您查一下：担保比例低于130%后，您需要在T+2日前追加担保品或还款。'),
      reply('您可以登录App，在两融页面点击“担保品划转”转入资金，或者卖出部分持仓直接还款，完成后比例会实时更新。'),
    ]);
    expect(steps.map((r) => r.reaction)).toEqual(['calm', 'calm']);
    expect(steps[0]!.state.mood).toBeLessThan(s.mood.start);
    expect(steps.at(-1)!.ended).toBe('calmed');
    expect(steps.at(-1)!.message).toBe(s.lines.endCalmed[0]);
    expect(moodInsight(s, steps.at(-1)!.state.mood).emotion).toBe('calm');
  });

  it('escalates when the upset client gets a procedure without acknowledgement, then a forbidden answer', () => {
    const s = scenario('margin-call-anxious');
    const steps = play(s, [
      reply('根据规定，维持担保比例低于130%需要在T+2日前追加担保品或还款，请您登录App操作。'),
      reply('这只股票明天肯定会涨，您可以加仓摊低成本。'),
    ]);
    expect(steps[0]!.reaction).toBe('procedureOnly');
    expect(steps[0]!.delta).toBe(1);
    expect(steps[1]!.reaction).toBe('forbidden');
    expect(steps[1]!.reading!.forbidden).toEqual(expect.arrayContaining(['prediction:price']));
    expect(steps[1]!.ended).toBe('escalated');
    expect(steps[1]!.message).toBe(s.lines.endEscalated[0]);
    expect(moodInsight(s, steps[1]!.state.mood)).toEqual({ emotion: 'anxious', intensity: 1 });
  });

  it('escalates the angry client who is ignored, or left without an answer', () => {
    const s = scenario('transfer-failed-angry');
    const ignored = play(s, [reply('您好，请问还有什么可以帮您？'), { kind: 'silence' }, reply('请稍等。')]);
    expect(ignored.map((r) => r.reaction)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(ignored.map((r) => r.state.mood)).toEqual([5, 6, 7]);
    expect(ignored.at(-1)!.ended).toBe('escalated');
  });

  it('does not calm down on empathy alone, and asks for the next step', () => {
    const s = scenario('transfer-failed-angry');
    const [r] = play(s, [reply('王女士，真的非常抱歉，给您添麻烦了。')]);
    expect(r!.reaction).toBe('acknowledgedOnly');
    expect(r!.state.mood).toBe(s.mood.start - 1);
    expect(r!.state.calmStreak).toBe(0);
    expect(s.lines.acknowledgedOnly).toContain(r!.message);
  });

  it('reads negated empathy as none and improper language as rude', () => {
    const s = scenario('transfer-failed-angry');
    expect(readAdvisorTurn(s, ['我不理解您为什么这么着急']).acknowledgement).toBe('着急');
    expect(readAdvisorTurn(s, ['我不理解']).acknowledgement).toBeNull();
    const [r] = play(s, [reply('你烦不烦，自己去查流水。')]);
    expect(r!.reaction).toBe('rude');
    expect(r!.delta).toBe(2);
  });

  it('lets a calm new client be served with steps alone, and ends after the turn limit when nothing helps', () => {
    const s = scenario('new-account-inquiry');
    const good = play(s, [
      reply('开户很简单：准备好身份证和本人银行卡，下载我们的App，按提示完成视频见证和风险测评即可。'),
      reply('开户不收费，佣金按您签约的标准收取，我可以帮您预约开户顾问全程指导。'),
    ]);
    expect(good.at(-1)!.ended).toBe('calmed');

    const vague = play(
      s,
      Array.from({ length: s.end.maxTurns }, () => reply('开户的事情比较复杂。')),
    );
    expect(vague.every((r) => r.reaction === 'vague')).toBe(true);
    expect(vague.at(-1)!.ended).toBe('max_turns');
    expect(vague).toHaveLength(s.end.maxTurns);
  });

  it('never moves an ended practice on', () => {
    const s = scenario('vip-product-risk');
    const [r] = play(s, [reply('这个产品保本保收益，稳赚不赔。')]);
    expect(r!.reaction).toBe('forbidden');
    const more = play(s, [reply('这个产品保本保收益，稳赚不赔。'), reply('保证收益。')]);
    expect(more.at(-1)!.ended).toBe('escalated');
    expect(() => step(s, more.at(-1)!.state, reply('抱歉'))).toThrow('the practice has ended');
  });
});
