import { FLOW_FOR_INTENT, KnowledgeBase, Nlu, REPLIES, decideForMessage, sharedPolicyStore } from '@brokerbot/flows';

/**
 * The questions simulated clients ask: the knowledge base's own canonical questions, kept only
 * when the bot's retrieval (the same code the bot runs) answers each with its own entry, and
 * the NLU neither escalates it nor starts a multi-turn flow for it. Each answer is distinct, so
 * a reply tells which question it answers.
 */
export interface Question {
  faqId: string;
  text: string;
  answer: string;
}

export function loadQuestions(): { questions: Question[]; byAnswer: Map<string, string>; dropped: string[] } {
  const kb = KnowledgeBase.load();
  const nlu = Nlu.load();
  const policy = sharedPolicyStore().current;
  const questions: Question[] = [];
  const dropped: string[] = [];
  const seenAnswers = new Set<string>();
  for (const entry of kb.entries) {
    const answer = kb.answer(entry.question);
    const understood = nlu.analyze(entry.question);
    const usable =
      answer.kind === 'answer' &&
      answer.entry.id === entry.id &&
      !decideForMessage(policy, entry.question, understood).escalate &&
      !FLOW_FOR_INTENT[understood.intent] &&
      understood.intent !== 'stock_advice' &&
      !seenAnswers.has(entry.answer);
    if (!usable) {
      dropped.push(entry.id);
      continue;
    }
    seenAnswers.add(entry.answer);
    questions.push({ faqId: entry.id, text: entry.question, answer: entry.answer });
  }
  if (questions.length === 0) throw new Error('no knowledge-base question maps to its own answer: cannot match replies');
  return { questions, byAnswer: new Map(questions.map((q) => [q.answer, q.faqId])), dropped };
}

export const ESCALATION_TEXT = '我要转人工';
export const HANDOFF_NOTICES = [REPLIES.handoffQueued, REPLIES.handoffDistress];
