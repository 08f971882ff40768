import { notifyChannelBudget, notifyDeliveryFailed, type BudgetEvent, type MessageDoc, type Services } from '@brokerbot/shared';
import type { BudgetView } from './tencent/send-budget';

/**
 * A send the platform will not accept however often we retry (window closed, count used up,
 * wrong session state, unknown client): the outbound worker marks the messages failed and
 * tells the advisor instead of retrying blindly.
 */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
  constructor(
    /** Chinese, for the advisor. */
    readonly reason: string,
    readonly code: number | null = null,
    /** Every stored message the failed send carried (a merged answer); default: the job's message. */
    readonly messages: MessageDoc[] = [],
  ) {
    super(code === null ? reason : `${reason} (${code})`);
  }
}

type Deps = Pick<Services, 'db' | 'emitter'>;

/** Marks messages failed with the reason and shows it on the chat: the message's new status and a delivery:failed event. */
export async function markDeliveryFailed(deps: Deps, messages: MessageDoc[], reason: string, code: number | null): Promise<void> {
  for (const m of messages) {
    const error = code === null ? reason : `${reason}（${code}）`;
    await deps.db.Message.updateOne({ _id: m._id }, { $set: { status: 'failed', error } });
    notifyDeliveryFailed(deps.emitter, { ...m, status: 'failed', error }, reason, code);
  }
}

/** The remaining send budget, to the chat's advisor (and supervisors watching). */
export function emitBudget(
  deps: Pick<Services, 'emitter'>,
  conversationId: string,
  channel: BudgetEvent['channel'],
  view: BudgetView,
): void {
  notifyChannelBudget(deps.emitter, { conversationId, channel, ...view });
}
