export {
  WecomKfSimulator,
  type WecomKfSimulatorOptions,
  type KfClientMessageInput,
  type KfClientMediaInput,
  type KfEnterSessionInput,
  type SimulatedKfEvent,
  type UrlVerification,
} from './wecom-kf-simulator';
export {
  MiniProgramSimulator,
  type MiniProgramSimulatorOptions,
  type MpClientMessageInput,
  type MpClientImageInput,
  type MpPush,
  type PushMode,
} from './miniprogram-simulator';
export type { KfSentMessage } from './kf-api';
export { sampleMedia, type ClientMediaInput, type ClientMediaKind } from './client-media';
export type { MpSentMessage, MpTypingCall } from './mp-api';
export type { KfMessage } from './kf-message-log';
export type { ServiceState, KfSession } from './kf-sessions';
export type { ApiCall } from './api-server';
export type { CallbackRequest, DeliveryPolicy, DeliveryReport, AttemptReport } from './callback-sender';
export type { SendOptions } from './callback-channel';
export type { RateLimit } from './api-guard';
export { ManualClock, systemClock, SECOND, MINUTE, HOUR, DAY, type Clock } from './clock';
export { Errcode } from './errcodes';
export { startDemoSimulators, type DemoSimulators } from './demo';
