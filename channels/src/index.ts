export { createGateway, PUBLIC_DIR, type Gateway } from './gateway';
export { ingest, type IncomingMessage, type IngestResult } from './ingest';
export {
  startOutboundRole,
  deliver,
  claimAppEmit,
  type DeliverOptions,
  type EmitClaim,
  type OutboundRoleOptions,
} from './outbound-worker';
export {
  requeueStrandedOutbound,
  startOutboundRecovery,
  type OutboundRecoveryOptions,
  type OutboundSweepOptions,
  type OutboundSweepResult,
} from './outbound-recovery';
export { mintClientToken, verifyClientToken, type ClientClaims } from './app/client-token';
export { createChannels, type ChannelSet, type ChannelSender, type ChannelSenders } from './channel-set';
export { loadChannelConfig, type ChannelConfig, type WecomSettings, type MiniProgramSettings } from './channel-config';
export { CHANNEL_EVENTS, type BudgetEvent, type DeliveryFailedEvent } from './channel-events';
export type { BudgetView } from './tencent/send-budget';
