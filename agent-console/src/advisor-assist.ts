import {
  KnowledgeBase,
  enforceReplyPolicy,
  suggestReplies,
  summarizeForAdvisor,
  type LlmClient,
  type TranscriptLine,
} from '@brokerbot/flows';
import { UserError, maskPII, recentMessages, type ConversationDoc, type MessageDoc, type Services } from '@brokerbot/shared';
import { visibleBranchFilter, type AdvisorClaims } from './advisor-token';
import { clientStateOf, empatheticReplies, fitsState, isUpset } from './reply-tone';

export type AssistKind = 'summary' | 'replies';

export type AssistAnswer = { summary: string; source: 'llm' | 'rules' } | { replies: string[]; source: 'llm' | 'rules' };

type Deps = Pick<Services, 'db'>;

const EMOTION_ZH: Record<string, string> = { calm: '平静', anxious: '焦虑', angry: '愤怒', sad: '低落', positive: '积极' };
/** A knowledge-base answer offered as a reply must be about the client's question, not a guess. */
const MIN_REPLY_CONFIDENCE = 0.2;
const MAX_REPLY_CHARS = 300;
const MAX_REPLIES = 3;

interface Understanding {
  emotion?: string;
  intensity?: number;
}

function understandingOf(m: MessageDoc): Understanding | null {
  const u = (m.meta as { understanding?: Understanding } | null)?.understanding;
  return u && typeof u.emotion === 'string' ? u : null;
}

/** "焦虑(0.62) → 愤怒(0.81)": the client's last few read emotions, oldest first. */
export function emotionTrendText(messages: MessageDoc[]): string {
  const read = messages
    .filter((m) => m.direction === 'in')
    .map(understandingOf)
    .filter((u): u is Understanding => u !== null)
    .slice(-5);
  if (read.length === 0) return '无记录';
  return read.map((u) => `${EMOTION_ZH[u.emotion!] ?? u.emotion}(${(u.intensity ?? 0).toFixed(2)})`).join(' → ');
}

const toLines = (messages: MessageDoc[]): TranscriptLine[] =>
  messages
    .filter((m) => !(m.meta as { recalled?: unknown } | null)?.recalled)
    .map((m) => ({ from: m.author.kind, text: m.text }));

/**
 * Writing help for the advisor of a chat: a hand-over summary and suggested replies. An LLM
 * writes them when one is configured and answers; otherwise (or when it fails) rules and the
 * knowledge base do, so the buttons always work. Suggestions are never sent by themselves: the
 * console puts them in the composer, and every one has passed the compliance guardrails.
 */
export class AdvisorAssist {
  private kb: KnowledgeBase | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly llm: LlmClient | null,
    /** Loads the knowledge base on first use (the gateway need not hold it until someone asks). */
    private readonly loadKb: () => KnowledgeBase = () => KnowledgeBase.load(),
  ) {}

  async assist(advisor: AdvisorClaims, conversationId: string, kind: AssistKind): Promise<AssistAnswer> {
    const conversation = (await this.deps.db.Conversation.findOne({
      _id: conversationId,
      ...visibleBranchFilter(advisor),
    }).lean()) as ConversationDoc | null;
    if (!conversation) throw new UserError('not_visible', '会话不存在或不在您的营业部');
    const messages = await recentMessages(this.deps.db, conversationId, 40);
    if (messages.length === 0) throw new UserError('empty_chat', '会话还没有消息');
    return kind === 'summary' ? this.summary(conversation, messages) : this.replies(messages);
  }

  private async summary(conversation: ConversationDoc, messages: MessageDoc[]): Promise<AssistAnswer> {
    const trend = emotionTrendText(messages);
    const written = this.llm ? await summarizeForAdvisor(this.llm, toLines(messages), trend) : null;
    if (written) return { summary: written, source: 'llm' };
    return { summary: await this.ruleSummary(conversation, messages, trend), source: 'rules' };
  }

  /** The bot's hand-over note, brought up to date with what happened since. */
  private async ruleSummary(conversation: ConversationDoc, messages: MessageDoc[], trend: string): Promise<string> {
    const handoff = conversation.handoffId
      ? await this.deps.db.Handoff.findById(conversation.handoffId, { summary: 1, createdAt: 1 }).lean()
      : await this.deps.db.Handoff.findOne({ conversationId: conversation._id.toString() }, { summary: 1, createdAt: 1 })
          .sort({ createdAt: -1 })
          .lean();
    const since = handoff ? new Date(handoff.createdAt).getTime() : 0;
    const clientSince = messages.filter((m) => m.direction === 'in' && new Date(m.createdAt).getTime() > since);
    const lastClient = [...messages].reverse().find((m) => m.direction === 'in');
    const lines = [handoff?.summary || `客户最近的消息：“${maskPII(lastClient?.text ?? '').slice(0, 120)}”`];
    if (handoff && clientSince.length > 0) {
      const last = clientSince[clientSince.length - 1]!;
      lines.push(`转人工后客户又发了 ${clientSince.length} 条消息，最近一条：“${maskPII(last.text).slice(0, 120)}”`);
    }
    lines.push(`情绪走势：${trend}`);
    return lines.join('\n');
  }

  /**
   * Up to three replies that fit the client's state: for a worried, angry or desperate client they
   * acknowledge first and then give the next concrete step, and nothing that pushes the loss or the
   * blame onto the client is offered (see reply-tone.ts).
   */
  private async replies(messages: MessageDoc[]): Promise<AssistAnswer> {
    const state = clientStateOf(messages);
    if (this.llm) {
      const written = (await suggestReplies(this.llm, toLines(messages))).filter((r) => fitsState(r, state));
      if (written.length > 0) return { replies: written, source: 'llm' };
    }
    if (!isUpset(state)) return { replies: this.knowledgeReplies(messages), source: 'rules' };
    const fitting = this.knowledgeReplies(messages, false).filter((r) => fitsState(r, state));
    return { replies: [...empatheticReplies(state), ...fitting].slice(0, MAX_REPLIES), source: 'rules' };
  }

  /** The knowledge base's answers to the client's latest question, as starting points to edit. */
  private knowledgeReplies(messages: MessageDoc[], withFallback = true): string[] {
    const question = [...messages].reverse().find((m) => m.direction === 'in' && m.text && !m.text.startsWith('['));
    this.kb ??= this.loadKb();
    const answers = question
      ? this.kb
          .search(question.text, 3)
          .filter((c) => c.confidence >= MIN_REPLY_CONFIDENCE)
          .map((c) => enforceReplyPolicy(c.entry.answer))
          .filter((r) => r.violations.length === 0)
          .map((r) => (r.text.length > MAX_REPLY_CHARS ? `${r.text.slice(0, MAX_REPLY_CHARS - 1)}…` : r.text))
      : [];
    // With nothing on point, replies that move the conversation on rather than an empty list.
    if (!withFallback) return answers;
    return answers.length > 0
      ? answers
      : ['您好，您的问题我已经了解，正在为您核实，请稍候。', '为了更准确地帮您处理，能否再具体说明一下您遇到的情况？'];
  }
}
