import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';

/** The Redis key the gateway's Socket.IO adapter and every emitter share. */
export function socketIoKey(prefix: string): string {
  return `${prefix}-sio`;
}

/** Emits to gateway sockets from any process (workers), through the Socket.IO Redis adapter. */
export function createEmitter(redis: Redis, prefix: string): Emitter {
  return new Emitter(redis, { key: socketIoKey(prefix) });
}
export type { Emitter };
