import { ActivityHandler, MessageFactory, type TurnContext } from 'botbuilder-core';
import { FaqIndex, REPLIES, assessEscalation } from '@brokerbot/flows';
import { HANDOFF_PRIORITY, type ConversationDoc, type InboundJob, type Services } from '@brokerbot/shared';
import { escalate } from './escalate';
import { TURN, type TurnDecision } from './turn-state';

/** The bot's judgement for one client message: escalate, answer from the FAQ, or say what it can do. */
export class BrokerBot extends ActivityHandler {
  constructor(
    private readonly services: Pick<Services, 'db' | 'queues' | 'metrics' | 'emitter'>,
    private readonly faq: FaqIndex,
  ) {
    super();
    this.onMessage(async (context, next) => {
      await this.answer(context);
      await next();
    });
  }

  private async answer(context: TurnContext): Promise<void> {
    const text = (context.activity.text ?? '').trim();
    const job = context.turnState.get(TURN.job) as InboundJob;
    const conversation = context.turnState.get(TURN.conversation) as ConversationDoc;

    const assessment = assessEscalation(text);
    if (assessment.escalate) {
      const result = await escalate(this.services, {
        conversation,
        job,
        reasons: assessment.reasons,
        priority: assessment.priority,
      });
      this.decide(context, { action: 'escalated', reasons: assessment.reasons });
      if (result) {
        const reply = assessment.priority === HANDOFF_PRIORITY.distress ? REPLIES.handoffDistress : REPLIES.handoffQueued;
        await context.sendActivity(MessageFactory.text(reply));
      }
      return;
    }

    const match = this.faq.match(text);
    if (match) {
      this.decide(context, {
        action: 'answered',
        reasons: [`faq:${match.entry.id}`, `matched:${match.matched.join(',')}`],
        intent: match.entry.id,
        confidence: match.confidence,
      });
      await context.sendActivity(MessageFactory.text(match.entry.answer));
      return;
    }
    this.decide(context, { action: 'fallback', reasons: ['no_faq_match'] });
    await context.sendActivity(MessageFactory.text(REPLIES.fallback));
  }

  private decide(context: TurnContext, decision: TurnDecision): void {
    context.turnState.set(TURN.decision, decision);
  }
}
