import { randomUUID } from 'node:crypto';
import type { Channel } from './states';

/** BullMQ job id of an inbound message: channel + the channel's own message id (":" is reserved by BullMQ). */
export function inboundJobId(channel: Channel, channelMessageId: string): string {
  return `${channel}.${channelMessageId.replace(/:/g, '_')}`;
}

/** Our own id for a message we send; also the channel's idempotency key (WeCom msgid: ≤32 chars, [0-9a-zA-Z_-]). */
export function newOutboundId(): string {
  return `o${randomUUID().replace(/-/g, '').slice(0, 31)}`;
}
