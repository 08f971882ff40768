import type { Middleware, TurnContext } from 'botbuilder-core';
import { EmotionTrend, decideForMessage } from '@brokerbot/flows';
import { isHumanOwned, type ConversationDoc, type Services } from '@brokerbot/shared';
import type { Brain } from './brain';
import type { TurnInputs } from './broker-bot';
import { TURN, type TurnDecision } from './turn-state';
import { understandingOf } from './understanding';
import { raiseIfMoreUrgent } from './waiting-client';

/**
 * While a person owns the chat (queued or human) the bot stays silent. The advisor already
 * has the client's message: the gateway emits every stored client message to the chat's
 * advisor room as it arrives. The message is still read (emotion, intent), so that the advisor
 * sees how the client feels as the chat goes on (the bot's trend is left as it was); and while
 * the client is still waiting, a message more urgent than the reason they wait for raises the
 * handoff (see waiting-client.ts).
 */
export class HandoffGateMiddleware implements Middleware {
  constructor(
    private readonly brain: Pick<Brain, 'nlu' | 'policy'>,
    private readonly services: Pick<Services, 'db' | 'emitter' | 'config'>,
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const conversation = context.turnState.get(TURN.conversation) as ConversationDoc;
    if (!isHumanOwned(conversation.state)) return next();
    const inputs = context.turnState.get(TURN.inputs) as TurnInputs | undefined;
    const trend = EmotionTrend.fromJSON(inputs?.memory.trend ?? null);
    const text = (context.activity.text ?? '').trim();
    const nlu = this.brain.nlu.analyze(text, trend);
    const reasons = [
      `human_owned:${conversation.state}`,
      ...(conversation.advisorId ? [`advisor:${conversation.advisorId}`] : []),
    ];
    if (conversation.state === 'queued') {
      const urgency = decideForMessage(this.brain.policy.current, text, nlu, { trend, tier: inputs?.tier ?? null });
      if (await raiseIfMoreUrgent(this.services, conversation, urgency))
        reasons.push(...urgency.reasons.map((r) => `raised:${r}`));
    }
    const decision: TurnDecision = { action: 'relayed', reasons, understanding: understandingOf(nlu, trend) };
    context.turnState.set(TURN.decision, decision);
  }
}
