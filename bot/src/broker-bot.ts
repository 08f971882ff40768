import { ActivityHandler, MessageFactory, type TurnContext } from 'botbuilder-core';
import { DialogTurnStatus, type DialogTurnResult } from 'botbuilder-dialogs';
import {
  ADVICE_REFUSAL,
  BRANCH_MEETING_HOURS,
  FLOW_FOR_INTENT,
  REPLIES,
  createFlowDialogs,
  decideForMessage,
  describeHours,
  groundedAnswer,
  isCancel,
  pickChoice,
  type DraftSink,
  type FlowResult,
  type FlowStart,
  type KbEntry,
  type NluResult,
  type PolicyDecision,
} from '@brokerbot/flows';
import { recentMessages, type ConversationDoc, type CustomerTier, type InboundJob, type Services } from '@brokerbot/shared';
import { recordAppointmentRequest } from './appointment-request';
import type { Brain } from './brain';
import { clientDraft } from './client-draft';
import { CustomerRecords } from './customer-records';
import { distressHoldingReply, escalate } from './escalate';
import { handoffSummary } from './handoff-summary';
import { MemoryDialogState, MemoryStore, trendForMessage, type TurnMemory } from './turn-memory';
import { TURN, type TurnDecision } from './turn-state';
import { intentsNewestFirst, understandingOf } from './understanding';

/** Below this intent confidence a flow is not started on the intent alone. */
const FLOW_MIN_CONFIDENCE = 0.5;

type Deps = Pick<Services, 'db' | 'redis' | 'config' | 'queues' | 'metrics' | 'emitter' | 'logger'>;

/**
 * The bot's judgement for one client message. In order: understand it (emotion, intent, trend);
 * apply the escalation policy (a person takes over, or leaves a call-back after hours); answer a
 * clarifying-menu pick; continue an open flow; refuse investment advice; start a flow; answer
 * from the knowledge base (or ask which question was meant); otherwise say what it can do and,
 * after repeated misses, offer a person. Every decision is stored with its reasons.
 */
export interface TurnInputs {
  memory: TurnMemory;
  tier: CustomerTier | null;
}

export class BrokerBot extends ActivityHandler {
  private readonly customers: CustomerRecords;
  private readonly memories: MemoryStore;

  constructor(
    private readonly services: Deps,
    private readonly brain: Brain,
  ) {
    super();
    this.customers = new CustomerRecords(services.db);
    this.memories = new MemoryStore(services.redis, services.config.QUEUE_PREFIX);
    this.onMessage(async (context, next) => {
      await this.turn(context);
      await next();
    });
  }

  /** What the turn reads before deciding; the engine starts this alongside its own reads. */
  async readInputs(job: InboundJob): Promise<TurnInputs> {
    const [memory, tier] = await Promise.all([this.memories.load(job.conversationId), this.customers.tierOf(job.customerId)]);
    return { memory, tier };
  }

  private async turn(context: TurnContext): Promise<void> {
    const text = (context.activity.text ?? '').trim();
    const job = context.turnState.get(TURN.job) as InboundJob;
    const conversation = context.turnState.get(TURN.conversation) as ConversationDoc;
    const { memory, tier } = (context.turnState.get(TURN.inputs) as TurnInputs | undefined) ?? (await this.readInputs(job));
    const trend = trendForMessage(memory, job.messageId);
    const nlu = this.brain.nlu.analyze(text, trend);
    memory.trend = trend.toJSON();
    // The NLU's own verdict is a fresh conversation's; this one knows the tier and the misses.
    const policy = decideForMessage(this.brain.policy.current, text, nlu, { trend, tier, consecutiveMisses: memory.misses });
    const understanding = understandingOf(nlu, trend);
    const decideAs = (d: Omit<TurnDecision, 'understanding'>) => context.turnState.set(TURN.decision, { ...d, understanding });
    // Meetings only when the branch is open: trading days, without the policy's public holidays.
    const meetingHours = { ...BRANCH_MEETING_HOURS, closedDates: this.brain.policy.current.businessHours.closedDates };
    const dialogs = createFlowDialogs(new MemoryDialogState(memory), { meetingHours });
    const dc = await dialogs.createContext(context);

    if (policy.escalate) {
      await dc.cancelAllDialogs();
      memory.menu = [];
      memory.misses = 0;
      await this.handOver(context, job, conversation, nlu, trend.level, policy);
      decideAs({ action: policy.afterHours ? 'after_hours' : 'escalated', reasons: policy.reasons, priority: policy.priority });
    } else if (memory.menu.length && this.menuPick(text, memory)) {
      const entry = this.menuPick(text, memory)!;
      memory.menu = [];
      memory.misses = 0;
      await context.sendActivity(MessageFactory.text(entry.answer));
      decideAs({ action: 'answered', reasons: [`menu_pick:${entry.id}`], intent: nlu.intent, confidence: 1 });
    } else if (dc.activeDialog) {
      if (isCancel(text)) {
        await dc.cancelAllDialogs();
        await context.sendActivity('好的，已退出当前流程。还有什么可以帮您？');
        decideAs({ action: 'answered', reasons: ['flow_cancelled'] });
      } else {
        const result = await dc.continueDialog();
        await this.afterFlow(context, job, conversation, nlu, trend.level, result);
        decideAs({
          action: 'flow',
          reasons: [`flow:${dc.activeDialog?.id ?? 'finished'}`],
          intent: nlu.intent,
          confidence: nlu.confidence,
        });
      }
    } else if (nlu.intent === 'stock_advice') {
      await context.sendActivity(MessageFactory.text(ADVICE_REFUSAL));
      decideAs({
        action: 'refused_advice',
        reasons: ['compliance:stock_advice'],
        intent: nlu.intent,
        confidence: nlu.confidence,
      });
    } else if (FLOW_FOR_INTENT[nlu.intent] && nlu.confidence >= FLOW_MIN_CONFIDENCE) {
      memory.menu = [];
      // The flow reads what this message already says (交易密码忘了: the password's kind) and asks only the rest.
      const result = await dc.beginDialog(FLOW_FOR_INTENT[nlu.intent]!, { text } satisfies FlowStart);
      await this.afterFlow(context, job, conversation, nlu, trend.level, result);
      decideAs({
        action: 'flow',
        reasons: [`flow:${FLOW_FOR_INTENT[nlu.intent]}`],
        intent: nlu.intent,
        confidence: nlu.confidence,
      });
    } else {
      await this.answerFromKnowledge(context, text, memory, nlu, policy, decideAs);
    }
    await this.memories.save(job.conversationId, memory);
  }

  /** Only the trading app can show a message growing as it is written; other channels get the finished one. */
  private draftFor(context: TurnContext): DraftSink | null {
    const job = context.turnState.get(TURN.job) as InboundJob;
    if (job.channel !== 'app') return null;
    const nextReplyId = context.turnState.get(TURN.nextReplyId) as () => string;
    return clientDraft(this.services.emitter, job.conversationId, nextReplyId());
  }

  private menuPick(text: string, memory: TurnMemory): KbEntry | null {
    const options = memory.menu.map((m) => ({ value: m.id, label: m.label, synonyms: [] }));
    const id = pickChoice(text, options);
    return id ? (this.brain.kb.byId(id) ?? null) : null;
  }

  private async answerFromKnowledge(
    context: TurnContext,
    text: string,
    memory: TurnMemory,
    nlu: NluResult,
    policy: PolicyDecision,
    decideAs: (d: Omit<TurnDecision, 'understanding'>) => void,
  ): Promise<void> {
    const kb = this.brain.kb.answer(text);
    if (kb.kind === 'answer') {
      memory.menu = [];
      memory.misses = 0;
      await context.sendActivity(MessageFactory.text(kb.entry.answer));
      decideAs({ action: 'answered', reasons: [`kb:${kb.entry.id}`], intent: nlu.intent, confidence: kb.confidence });
      return;
    }
    // An LLM, when configured, may answer from the closest passages (and must cite them).
    if (this.brain.llm && kb.candidates.length) {
      const grounded = await groundedAnswer(
        this.brain.llm,
        text,
        kb.candidates.slice(0, 3).map((c) => ({ id: c.entry.id, question: c.entry.question, answer: c.entry.answer })),
        this.draftFor(context),
      );
      if (grounded) {
        memory.menu = [];
        memory.misses = 0;
        await context.sendActivity(
          MessageFactory.text(
            `${grounded.text}\n（参考：${grounded.sources.map((id) => this.brain.kb.byId(id)?.question ?? id).join('；')}）`,
          ),
        );
        decideAs({
          action: 'answered',
          reasons: grounded.sources.map((s) => `llm_grounded:${s}`),
          intent: nlu.intent,
          confidence: nlu.confidence,
        });
        return;
      }
    }
    if (kb.kind === 'clarify') {
      memory.menu = kb.candidates.map((c) => ({ id: c.entry.id, label: c.entry.question }));
      const lines = memory.menu.map((m, i) => `${i + 1}. ${m.label}`).join('\n');
      const reply = MessageFactory.text(`您想问的是以下哪个问题？\n${lines}\n（回复序号即可）`);
      reply.channelData = { menu: memory.menu };
      await context.sendActivity(reply);
      decideAs({
        action: 'clarified',
        reasons: memory.menu.map((m) => `candidate:${m.id}`),
        intent: nlu.intent,
        confidence: nlu.confidence,
      });
      return;
    }
    memory.misses += 1;
    memory.menu = [];
    await context.sendActivity(MessageFactory.text(policy.offerHuman ? REPLIES.offerHuman : REPLIES.fallback));
    decideAs({
      action: 'fallback',
      reasons: policy.offerHuman ? ['no_answer', 'offered_human'] : ['no_answer'],
      intent: nlu.intent,
      confidence: nlu.confidence,
    });
  }

  private async handOver(
    context: TurnContext,
    job: InboundJob,
    conversation: ConversationDoc,
    nlu: NluResult,
    trendLevel: number,
    policy: { reasons: string[]; priority: number; afterHours: boolean },
  ): Promise<void> {
    const current = this.brain.policy.current;
    // What the client is told; the advisor's note quotes it as the bot's answer to this message.
    const reply = policy.afterHours
      ? REPLIES.afterHours(describeHours(current.businessHours))
      : policy.priority === current.priorities.distress
        ? distressHoldingReply(current, job.text, nlu.intent, new Date())
        : policy.reasons.includes('complaint')
          ? REPLIES.complaintIntake
          : REPLIES.handoffQueued;
    const [recent, customer] = await Promise.all([
      recentMessages(this.services.db, job.conversationId, 20),
      this.customers.of(job.customerId),
    ]);
    const result = await escalate(this.services, {
      customer,
      conversation,
      job,
      reasons: policy.reasons,
      priority: policy.priority,
      summary: handoffSummary({ nlu, text: job.text, messageId: job.messageId, trendLevel, recent, reply }),
      afterHours: policy.afterHours,
      intents: [nlu.intent, ...intentsNewestFirst(recent, job.messageId)],
    });
    if (!result) return;
    await context.sendActivity(MessageFactory.text(reply));
  }

  private async afterFlow(
    context: TurnContext,
    job: InboundJob,
    conversation: ConversationDoc,
    nlu: NluResult,
    trendLevel: number,
    turn: DialogTurnResult,
  ): Promise<void> {
    // Only a flow that finished this turn asks for something (a handoff, an appointment).
    if (turn.status !== DialogTurnStatus.complete) return;
    const result = turn.result as FlowResult;
    if (result.outcome === 'escalate') {
      const policy = this.brain.policy.current;
      await this.handOver(context, { ...job, text: `${job.text}（${result.summary}）` }, conversation, nlu, trendLevel, {
        reasons: [result.reason],
        priority: policy.priorities.complaint,
        afterHours: false,
      });
    } else if (result.outcome === 'appointment') {
      // Keyed by the message that finished the flow: a redelivered job stores no second request.
      await recordAppointmentRequest(this.services, {
        requestMessageId: job.messageId,
        conversationId: job.conversationId,
        customerId: job.customerId,
        branchId: conversation.branchId,
        topic: result.topic,
        preferredTime: result.preferredTime,
      });
    }
  }
}
