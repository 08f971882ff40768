import type { AdvisorWireMessage } from '../transcript';
import type { PayloadlessRequest, Request } from './ack';
import type { QualityItemResult, QualitySeverity } from './advisor-quality';

/**
 * Requests on the /advisor namespace for practice with a simulated client (智能陪练, practice:*).
 * A practice chat is an ordinary chat for the console — the simulated client's messages arrive
 * as `chat:message`, the advisor answers with `chat:send` and may end it with `chat:close` — but
 * every view of it carries `practice: true`, and it is never mixed with real clients' chats:
 * not in the waiting list, routing, capacity, dashboard counts or the review search, never
 * delivered to any channel.
 */

/** How a practice ended: the client calmed down, escalated, the turns ran out, or the advisor closed it. */
export type PracticeOutcome = 'calmed' | 'escalated' | 'max_turns' | 'closed';

/** The simulated client's reaction to one advisor turn (see agent-console/src/practice/simulated-client.ts). */
export type PracticeReaction =
  'calming' | 'calm' | 'acknowledgedOnly' | 'procedureOnly' | 'ignored' | 'forbidden' | 'rude' | 'vague';

export interface PracticePersona {
  name: string;
  tier: 'standard' | 'gold' | 'vip';
  /** Chinese briefing for the advisor. */
  background: string;
  emotion: 'anxious' | 'angry' | 'sad';
}

/** One scenario an advisor may practise. */
export interface PracticeScenarioItem {
  id: string;
  title: string;
  persona: PracticePersona;
  /** `file`: the scenario folder (every branch); `conversation`: made from a real chat (its branch only). */
  source: 'file' | 'conversation';
  branchId: string | null;
  /** A supervisor assigned it to the asking advisor. */
  assigned: boolean;
}

/** A practice chat's message as the console gets it (`chat:message`, and in every view). */
export type PracticeMessageView = AdvisorWireMessage & { practice: true };

/** An open or ended practice chat, for (re)opening it in the console. */
export interface PracticeChatView {
  conversationId: string;
  practice: true;
  status: 'active' | 'ended';
  scenario: { id: string; title: string; persona: PracticePersona };
  startedAt: string;
  messages: PracticeMessageView[];
}

export interface PracticeEvidence {
  messageId: string;
  quote: string;
}

/** What one advisor turn did to the simulated client, with the advisor's words as evidence. */
export interface PracticeFeedback {
  turn: number;
  reaction: PracticeReaction;
  /** Chinese: what was good or missing. */
  label: string;
  moodBefore: number;
  moodAfter: number;
  /** The advisor's messages of the turn (none for silence). */
  evidence: PracticeEvidence[];
  /** The cue words the rules matched (acknowledgement, nextStep, topic, forbidden rules, rude). */
  matched: Record<string, string | string[] | null>;
}

/** The inspection scorecard's score of a practice (the same scorecard and rules as real chats). */
export interface PracticeScore {
  /** 0–100; null when no item applied. */
  total: number | null;
  scorecardVersion: string;
  items: QualityItemResult[];
  /** Distinct severities of the failed items. */
  flags: QualitySeverity[];
}

export interface PracticeResultView {
  conversationId: string;
  practice: true;
  advisorId: string;
  advisorName: string;
  branchId: string;
  scenarioId: string;
  scenarioTitle: string;
  outcome: PracticeOutcome;
  /** Chinese label of the outcome (客户情绪平复 …). */
  outcomeLabel: string;
  endedBy: 'rules' | 'advisor';
  turns: number;
  startMood: number;
  endMood: number;
  /** The client's mood after each turn (turn 0: the start). */
  moodPath: { turn: number; mood: number; emotion: string }[];
  feedback: PracticeFeedback[];
  /** Null when automatic inspection is not available in this build. */
  score: PracticeScore | null;
  startedAt: string;
  endedAt: string;
}

export interface PracticeHistoryItem {
  conversationId: string;
  practice: true;
  scenarioId: string;
  scenarioTitle: string;
  status: 'active' | 'ended';
  startedAt: string;
  endedAt: string | null;
  outcome: PracticeOutcome | null;
  total: number | null;
}

export interface PracticeAssignmentView {
  advisorId: string;
  scenarioId: string;
  scenarioTitle: string;
  assignedByName: string;
  at: string;
  /** The advisor has finished a practice of this scenario since it was assigned. */
  done: boolean;
}

export interface PracticeRequests {
  /** The scenarios the asking user may practise: the folder's and those made from their branch's chats. */
  'practice:scenarios': PayloadlessRequest<{ items: PracticeScenarioItem[] }>;
  /** Starts a practice; the opening message follows as `chat:message` (and is in `chat.messages`). Errors `not_found`. */
  'practice:start': Request<{ scenarioId: string }, { conversationId: string; chat: PracticeChatView }>;
  /** Re-opens one's own practice chat (after a reload); the socket receives its messages again. Errors `not_found`. */
  'practice:open': Request<{ conversationId: string }, { chat: PracticeChatView; result: PracticeResultView | null }>;
  /** The result of an ended practice: outcome, per-turn feedback with evidence, the scorecard's score. Errors `not_ended`, `not_found`. */
  'practice:result': Request<{ conversationId: string }, { result: PracticeResultView }>;
  /** The asking user's own practices, newest first, and the scenarios assigned to them. */
  'practice:history': PayloadlessRequest<{ items: PracticeHistoryItem[]; assignments: PracticeAssignmentView[] }>;
  /** Supervisors: assign a scenario to an advisor of a visible branch. Errors `not_a_supervisor`, `not_visible`, `not_found`. */
  'practice:assign': Request<{ advisorId: string; scenarioId: string }, { assignment: PracticeAssignmentView }>;
  /** Supervisors: ended practices of visible branches (of one advisor), newest first. Errors `not_a_supervisor`, `not_visible`. */
  'practice:results': Request<{ advisorId?: string }, { items: PracticeResultView[] }>;
  /**
   * Supervisors: turn a real conversation into a scenario for its branch (personal data masked);
   * once per conversation (`created: false` returns the one made before). Errors `not_a_supervisor`, `not_visible`, `too_short`.
   */
  'practice:fromConversation': Request<{ conversationId: string }, { scenario: PracticeScenarioItem; created: boolean }>;
}
