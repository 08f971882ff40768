export { startBotRole, createEngine } from './inbound-worker';
export { QueueAdapter } from './queue-adapter';
export { KeyedSerializer } from './keyed-serializer';
export { requeueStaleInbound } from './inbound-recovery';
export * from './llm';
