/**
 * Every broadcast to Socket.IO rooms, from any process (through the Redis emitter): one function
 * per thing that happened, typed by the event maps of shared/src/realtime.ts. Code elsewhere calls
 * these instead of emitting to rooms itself.
 */
export * from './client';
export * from './conversation';
export * from './advisors';
export * from './practice';
