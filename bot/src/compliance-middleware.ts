import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder-core';
import { enforceReplyPolicy } from '@brokerbot/flows';

/**
 * Every message the bot sends passes the compliance guardrails on its way out, whatever
 * produced it (FAQ, flow, LLM): advice and promises are replaced by the compliant refusal,
 * personal data is masked. Registered before the transcript, so what is stored is what is sent.
 */
export class ComplianceMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    context.onSendActivities(async (_ctx, activities, sendNext) => {
      for (const activity of activities) {
        if (activity.type !== ActivityTypes.Message || !activity.text) continue;
        const checked = enforceReplyPolicy(activity.text);
        activity.text = checked.text;
        if (checked.violations.length) {
          activity.channelData = { ...(activity.channelData as object | undefined), guardrail: checked.violations };
        }
      }
      return sendNext();
    });
    await next();
  }
}
