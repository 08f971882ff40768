export { startBotRole, createEngine } from './inbound-worker';
export { QueueAdapter } from './queue-adapter';
export { loadBrain, type Brain } from './brain';
export { requeueStaleInbound } from './inbound-recovery';
export { MemoryStore, type TurnMemory } from './turn-memory';
