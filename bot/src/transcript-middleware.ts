import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder-core';
import {
  countForDashboard,
  emitMessageInsight,
  recordOutbound,
  type InboundJob,
  type MessageDoc,
  type Services,
} from '@brokerbot/shared';
import { TURN, type TurnDecision } from './turn-state';

/**
 * Stores every message of a turn once. The client's message was stored at the edge
 * (idempotent on channel + message id); here we record what the bot decided about it and
 * store each reply before it is queued. Reply ids derive from the inbound message id, so a
 * turn that runs again after a crash re-sends nothing.
 */
export class TranscriptMiddleware implements Middleware {
  constructor(private readonly services: Pick<Services, 'db' | 'seq' | 'emitter' | 'queues'>) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const job = context.turnState.get(TURN.job) as InboundJob;
    let replyIndex = 0;
    context.turnState.set(TURN.nextReplyId, () => `r${job.messageId}_${replyIndex}`);
    const storedReplies = new Map<string, MessageDoc>();
    context.turnState.set(TURN.storedReplies, storedReplies);
    context.onSendActivities(async (_ctx, activities, sendNext) => {
      for (const activity of activities) {
        if (activity.type !== ActivityTypes.Message || !activity.text) continue;
        const { message } = await recordOutbound(this.services, {
          id: `r${job.messageId}_${replyIndex++}`,
          conversationId: job.conversationId,
          channel: job.channel,
          author: { kind: 'bot', name: '智能助手' },
          text: activity.text,
          meta: (activity.channelData as Record<string, unknown> | undefined) ?? null,
        });
        activity.id = message.channelMessageId;
        storedReplies.set(message.channelMessageId, message);
      }
      return sendNext();
    });

    await next();

    const decision = (context.turnState.get(TURN.decision) as TurnDecision | undefined) ?? {
      action: 'skipped',
      reasons: [],
    };
    // The channel's own meta (message type, menu click …) stays; the decision is added to it.
    const storedMeta = (context.turnState.get(TURN.storedMeta) as Record<string, unknown> | null) ?? {};
    const meta = { ...storedMeta, ...decision };
    await this.services.db.Message.updateOne({ _id: job.messageId }, { $set: { status: 'handled', meta } });
    await countForDashboard(this.services.queues, {
      kind: 'insight',
      messageId: job.messageId,
      conversationId: job.conversationId,
      channel: job.channel,
      emotion: decision.understanding?.emotion,
    });
    // The advisors on the chat saw the message when it arrived; now they see what the bot made of it.
    emitMessageInsight(this.services.emitter, {
      conversationId: job.conversationId,
      channelMessageId: job.channelMessageId,
      direction: 'in',
      meta,
    });
  }
}
