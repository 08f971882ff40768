/** The channels' advisor-room events are defined with the other event maps in shared (realtime.ts). */
export { CHANNEL_EVENTS, type BudgetEvent, type DeliveryFailedEvent } from '@brokerbot/shared';
