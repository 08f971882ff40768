import type { Middleware, TurnContext } from 'botbuilder-core';
import { isHumanOwned, type ConversationDoc } from '@brokerbot/shared';
import { TURN, type TurnDecision } from './turn-state';

/**
 * While a person owns the chat (queued or human) the bot stays silent. The advisor already
 * has the client's message: the gateway emits every stored client message to the chat's
 * advisor room as it arrives.
 */
export class HandoffGateMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const conversation = context.turnState.get(TURN.conversation) as ConversationDoc;
    if (!isHumanOwned(conversation.state)) return next();
    const decision: TurnDecision = {
      action: 'relayed',
      reasons: [`human_owned:${conversation.state}`, ...(conversation.advisorId ? [`advisor:${conversation.advisorId}`] : [])],
    };
    context.turnState.set(TURN.decision, decision);
  }
}
