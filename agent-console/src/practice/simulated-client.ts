import { enforceReplyPolicy } from '@brokerbot/flows';
import type { Scenario } from './scenario-schema';

/**
 * The simulated client of a practice (智能陪练), as a pure state machine: the advisor's turn in,
 * the client's mood and next message out. No I/O and no randomness, so a practice can be replayed
 * and every reaction explained. An LLM may reword the message (llm-voice.ts); it never changes
 * the mood or the end.
 *
 * Each advisor turn (the advisor's messages since the client last wrote, or silence) is read for:
 * - a forbidden answer: the bot's own compliance guardrails (荐股, 预测价格, 承诺收益) → mood +2;
 * - improper language → mood +2;
 * - an acknowledgement (理解, 抱歉, 别着急 …) and a concrete next step (我帮您查询, 登录 App,
 *   追加担保品, 今天内回复 …);
 * - whether it is about the client's matter at all (the scenario's topic terms).
 * Acknowledged with a next step → mood −2 (a step alone −1 once the client no longer needs the
 * acknowledgement); a procedure while the client is upset but not acknowledged → +1; nothing
 * about the matter, or silence → +1; about the matter but neither → +1 while upset.
 * The practice ends calmed after `end.calmTurns` good turns in a row with the client calm, escalated
 * when the mood reaches `mood.escalateAt`, or after `end.maxTurns` turns.
 */
export type ReactionKind = 'calming' | 'calm' | 'acknowledgedOnly' | 'procedureOnly' | 'ignored' | 'forbidden' | 'rude' | 'vague';

/** How a practice ended: by the scenario's rules, or closed by the advisor (`closed`). */
export type PracticeOutcome = 'calmed' | 'escalated' | 'max_turns' | 'closed';

export interface ClientState {
  /** 0 calm … scenario.mood.escalateAt (gone). */
  mood: number;
  /** Advisor turns answered so far. */
  turn: number;
  /** Good turns in a row after which the client was calm. */
  calmStreak: number;
  ended: PracticeOutcome | null;
}

/** What the rules found in one advisor turn (the matched words, for the advisor's feedback). */
export interface TurnReading {
  acknowledgement: string | null;
  nextStep: string | null;
  topic: string | null;
  /** Guardrail rules broken (advice:trade, promise:returns, prediction:price). */
  forbidden: string[];
  rude: string | null;
}

export type AdvisorTurn = { kind: 'reply'; texts: string[] } | { kind: 'silence' };

export interface StepResult {
  state: ClientState;
  reaction: ReactionKind;
  /** Null for silence. */
  reading: TurnReading | null;
  /** Mood change of this turn (after clamping). */
  delta: number;
  /** What the client writes next (the last message when the practice ends). */
  message: string;
  ended: PracticeOutcome | null;
}

/** Words that acknowledge the client's feelings or trouble (a scenario may add its own). */
export const ACKNOWLEDGEMENT_CUES = [
  '理解',
  '明白您',
  '抱歉',
  '对不起',
  '不好意思',
  '别着急',
  '不要着急',
  '别急',
  '您放心',
  '请放心',
  '别担心',
  '不要担心',
  '辛苦',
  '不便',
  '着急',
  '心情',
  '感谢您的耐心',
  '让您久等',
] as const;

/** Words of a concrete next step: an action, who does it, or when (a scenario may add its own). */
export const NEXT_STEP_CUES = [
  '我帮您',
  '我来帮您',
  '马上帮您',
  '我马上',
  '我现在',
  '为您查询',
  '为您核实',
  '为您办理',
  '为您提交',
  '建议您先',
  '第一步',
  '首先',
  '接下来',
  '步骤',
  '登录',
  '点击',
  '进入',
  '提交',
  '上传',
  '拨打',
  '热线',
  '查询',
  '核实',
  '分钟内',
  '小时内',
  '工作日',
  '今天内',
  '追加',
  '转入',
  '还款',
  '携带',
  '预约',
  '工单',
  '跟进',
  '回电',
] as const;

/** Improper words (the same family the inspection scorecard checks). */
export const RUDE_CUES = [
  '傻',
  '笨蛋',
  '滚',
  '闭嘴',
  '有病',
  '爱买不买',
  '自己看着办',
  '关我什么事',
  '不关我事',
  '烦不烦',
  '你懂不懂',
  '自己去查',
] as const;

/** The first cue found in the text that is not negated right before it (不理解, 没抱歉 …). */
function findCue(text: string, cues: readonly string[]): string | null {
  for (const cue of cues) {
    let at = text.indexOf(cue);
    while (at !== -1) {
      const before = text.slice(Math.max(0, at - 2), at);
      if (!/不$|没$|无法$|没法$/.test(before)) return cue;
      at = text.indexOf(cue, at + cue.length);
    }
  }
  return null;
}

/** Reads one advisor turn (one or more messages) against the scenario's cues and the guardrails. */
export function readAdvisorTurn(scenario: Scenario, texts: string[]): TurnReading {
  const text = texts.join('\n');
  const violations = enforceReplyPolicy(text).violations;
  // The guardrails' language rules (不当用语) count as rude; the others (荐股, 预测, 承诺) as forbidden.
  const language = violations.find((v) => v.startsWith('language:')) ?? null;
  return {
    acknowledgement: findCue(text, [...scenario.acknowledgementTerms, ...ACKNOWLEDGEMENT_CUES]),
    nextStep: findCue(text, [...scenario.nextStepTerms, ...NEXT_STEP_CUES]),
    topic: findCue(text, scenario.topicTerms),
    forbidden: violations.filter((v) => !v.startsWith('language:')),
    rude: findCue(text, RUDE_CUES) ?? language,
  };
}

export function initialState(scenario: Scenario): ClientState {
  return { mood: scenario.mood.start, turn: 0, calmStreak: 0, ended: null };
}

/** The kind of a turn and its mood change, before clamping. */
function classify(
  scenario: Scenario,
  state: ClientState,
  turn: AdvisorTurn,
): { kind: ReactionKind; delta: number; reading: TurnReading | null } {
  if (turn.kind === 'silence') return { kind: 'ignored', delta: 1, reading: null };
  const reading = readAdvisorTurn(scenario, turn.texts);
  const upset = state.mood >= scenario.mood.needsAcknowledgementFrom;
  if (reading.forbidden.length > 0) return { kind: 'forbidden', delta: 2, reading };
  if (reading.rude) return { kind: 'rude', delta: 2, reading };
  if (reading.nextStep) {
    if (reading.acknowledgement) return { kind: 'calming', delta: -2, reading };
    return upset ? { kind: 'procedureOnly', delta: 1, reading } : { kind: 'calming', delta: -1, reading };
  }
  if (reading.acknowledgement) return { kind: 'acknowledgedOnly', delta: upset ? -1 : 0, reading };
  if (reading.topic) return { kind: 'vague', delta: upset ? 1 : 0, reading };
  return { kind: 'ignored', delta: 1, reading };
}

/** The variant of a kind of line for this turn: the client does not repeat itself word for word. */
function lineFor(lines: string[], turn: number): string {
  return lines[(turn - 1) % lines.length]!;
}

/** One advisor turn → the client's new state and next message. A practice that has ended stays ended. */
export function step(scenario: Scenario, state: ClientState, turn: AdvisorTurn): StepResult {
  if (state.ended) throw new Error('the practice has ended');
  const { kind, delta, reading } = classify(scenario, state, turn);
  const mood = Math.max(0, Math.min(scenario.mood.escalateAt, state.mood + delta));
  const good = kind === 'calming';
  const calm = mood <= scenario.mood.calmAt;
  const reaction: ReactionKind = good && calm ? 'calm' : kind;
  const next: ClientState = {
    mood,
    turn: state.turn + 1,
    calmStreak: good && calm ? state.calmStreak + 1 : 0,
    ended: null,
  };
  if (mood >= scenario.mood.escalateAt) next.ended = 'escalated';
  else if (next.calmStreak >= scenario.end.calmTurns) next.ended = 'calmed';
  else if (next.turn >= scenario.end.maxTurns) next.ended = 'max_turns';
  const lines = scenario.lines;
  const message =
    next.ended === 'escalated'
      ? lineFor(lines.endEscalated, next.turn)
      : next.ended === 'calmed'
        ? lineFor(lines.endCalmed, next.turn)
        : next.ended === 'max_turns'
          ? lineFor(lines.endMaxTurns, next.turn)
          : lineFor(lines[reaction], next.turn);
  return { state: next, reaction, reading, delta: mood - state.mood, message, ended: next.ended };
}

/** The emotion and intensity the console shows under a simulated client message (the insight line). */
export function moodInsight(scenario: Scenario, mood: number): { emotion: string; intensity: number } {
  const upset = mood > scenario.mood.calmAt;
  return {
    emotion: upset ? scenario.persona.emotion : 'calm',
    intensity: Math.round((mood / scenario.mood.escalateAt) * 100) / 100,
  };
}

/** Chinese labels of the reactions, for the advisor's feedback. */
export const REACTION_LABELS: Record<ReactionKind, string> = {
  calming: '先安抚并给出具体办理步骤，客户情绪缓和',
  calm: '给出具体办理步骤，客户已平静',
  acknowledgedOnly: '有安抚，但没有给出具体下一步',
  procedureOnly: '客户情绪激动时未先安抚就直接讲流程',
  ignored: '没有回应客户的问题',
  forbidden: '涉及荐股、预测价格或承诺收益（合规红线）',
  rude: '使用了不当用语',
  vague: '回应笼统，既无安抚也无具体步骤',
};
