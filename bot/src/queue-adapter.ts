import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder-core';
import { queueDelivery, type ConversationDoc, type InboundJob, type MessageDoc, type Services } from '@brokerbot/shared';
import { TURN } from './turn-state';

/**
 * The engine boundary: a botbuilder adapter whose input is an inbound queue job and whose
 * output is the outbound queue. Nothing else in the system knows botbuilder exists, so the
 * engine can be swapped (botbuilder 4.x is archived upstream) by replacing this file and
 * the handler.
 */
export class QueueAdapter extends BotAdapter {
  constructor(private readonly services: Pick<Services, 'queues'>) {
    super();
  }

  /** Runs one client message through middleware and bot logic. */
  async processInbound(
    job: InboundJob,
    conversation: ConversationDoc,
    logic: (context: TurnContext) => Promise<void>,
    storedMeta: Record<string, unknown> | null = null,
    inputs: unknown = undefined,
  ): Promise<void> {
    const activity: Partial<Activity> = {
      type: ActivityTypes.Message,
      id: job.messageId,
      channelId: job.channel,
      conversation: { id: job.conversationId, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: job.externalUserId, name: job.customerId ?? job.externalUserId },
      recipient: { id: 'bot', name: 'bot' },
      text: job.text,
      timestamp: new Date(job.receivedAt),
      locale: 'zh-CN',
    };
    const context = new TurnContext(this, activity);
    context.turnState.set(TURN.job, job);
    context.turnState.set(TURN.conversation, conversation);
    context.turnState.set(TURN.storedMeta, storedMeta);
    if (inputs !== undefined) context.turnState.set(TURN.inputs, inputs);
    await this.runMiddleware(context, logic);
  }

  /** Activities arrive here already stored by the transcript middleware (their id is the stored id). */
  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const job = context.turnState.get(TURN.job) as InboundJob;
    const stored = context.turnState.get(TURN.storedReplies) as Map<string, MessageDoc> | undefined;
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type !== ActivityTypes.Message || !activity.id) {
        responses.push({ id: activity.id ?? '' });
        continue;
      }
      await queueDelivery(
        this.services.queues,
        stored?.get(activity.id) ?? { channelMessageId: activity.id, conversationId: job.conversationId, channel: job.channel },
        job.externalUserId,
        job.receivedAt,
      );
      responses.push({ id: activity.id });
    }
    return responses;
  }

  async updateActivity(): Promise<void> {
    throw new Error('QueueAdapter: editing a sent message is not supported by our channels');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('QueueAdapter: recalling a sent message is not supported by our channels');
  }

  async continueConversation(_reference: Partial<ConversationReference>): Promise<void> {
    throw new Error('QueueAdapter: proactive turns go through the outbound queue, not the adapter');
  }
}
