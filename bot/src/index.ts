export { startBotRole, createEngine } from './inbound-worker';
export { QueueAdapter } from './queue-adapter';

export { requeueStaleInbound } from './inbound-recovery';
export * from './llm';
