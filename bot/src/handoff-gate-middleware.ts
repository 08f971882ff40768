import type { Middleware, TurnContext } from 'botbuilder-core';
import {
  ADVISOR_EVENTS,
  NAMESPACES,
  isHumanOwned,
  rooms,
  toWire,
  type ConversationDoc,
  type InboundJob,
  type MessageDoc,
  type Services,
} from '@brokerbot/shared';
import { TURN, type TurnDecision } from './turn-state';

/**
 * While a person owns the chat (queued or human) the bot stays silent: the client's
 * message goes to the advisor's screen (and any supervisor watching) instead of the bot.
 */
export class HandoffGateMiddleware implements Middleware {
  constructor(private readonly services: Pick<Services, 'db' | 'emitter'>) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const conversation = context.turnState.get(TURN.conversation) as ConversationDoc;
    if (!isHumanOwned(conversation.state)) return next();

    const job = context.turnState.get(TURN.job) as InboundJob;
    const stored = (await this.services.db.Message.findById(job.messageId).lean()) as MessageDoc | null;
    if (stored) {
      this.services.emitter
        .of(NAMESPACES.advisor)
        .to(rooms.advisorConversation(job.conversationId))
        .emit(ADVISOR_EVENTS.chatMessage, toWire({ ...stored, status: 'handled' }));
    }
    const decision: TurnDecision = {
      action: 'relayed',
      reasons: [`human_owned:${conversation.state}`, ...(conversation.advisorId ? [`advisor:${conversation.advisorId}`] : [])],
    };
    context.turnState.set(TURN.decision, decision);
  }
}
