import type { Middleware, TurnContext } from 'botbuilder-core';
import { EmotionTrend, type Nlu } from '@brokerbot/flows';
import { isHumanOwned, type ConversationDoc } from '@brokerbot/shared';
import type { TurnInputs } from './broker-bot';
import { TURN, type TurnDecision } from './turn-state';
import { understandingOf } from './understanding';

/**
 * While a person owns the chat (queued or human) the bot stays silent. The advisor already
 * has the client's message: the gateway emits every stored client message to the chat's
 * advisor room as it arrives. The message is still read (emotion, intent), so that the advisor
 * sees how the client feels as the chat goes on; the bot's trend is left as it was.
 */
export class HandoffGateMiddleware implements Middleware {
  constructor(private readonly nlu: Nlu) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const conversation = context.turnState.get(TURN.conversation) as ConversationDoc;
    if (!isHumanOwned(conversation.state)) return next();
    const inputs = context.turnState.get(TURN.inputs) as TurnInputs | undefined;
    const trend = EmotionTrend.fromJSON(inputs?.memory.trend ?? null);
    const decision: TurnDecision = {
      action: 'relayed',
      reasons: [`human_owned:${conversation.state}`, ...(conversation.advisorId ? [`advisor:${conversation.advisorId}`] : [])],
      understanding: understandingOf(this.nlu.analyze((context.activity.text ?? '').trim(), trend), trend),
    };
    context.turnState.set(TURN.decision, decision);
  }
}
