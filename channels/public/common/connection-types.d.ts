/*
 * Types for /common/connection.js (checked with checkJs, never served): a request's payload and
 * reply read from a typed request map such as AdvisorRequestEvents or ClientRequestEvents
 * (shared/src/protocol), whose entries are Request<Payload, Result> or PayloadlessRequest<Result>.
 */
import type { io } from 'socket.io-client';
import type { AckFailure } from '../../../shared/src/protocol/ack';

/** The arguments after the event name: none for a payloadless request, else the payload. */
export type RequestArgs<M, K extends keyof M> = M[K] extends (ack: any) => void
  ? []
  : M[K] extends (payload: infer P, ack: any) => void
    ? [payload: P]
    : never;

/** What the request's ack answers, or the failure the page sees without an answer (disconnected, timeout). */
export type RequestReply<M, K extends keyof M> =
  | (M[K] extends (ack: (reply: infer R) => void) => void
      ? R
      : M[K] extends (payload: any, ack: (reply: infer R) => void) => void
        ? R
        : never)
  | (AckFailure & Record<string, unknown>);

/** socket.io's constraint on event maps. */
export interface EventsMap {
  [event: string]: any;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

declare global {
  interface Window {
    /** The Socket.IO client, from /socket.io/socket.io.js (a classic script loaded first). */
    io: typeof io;
    /** /common/page-kit.js, for the console's classic scripts. */
    PageKit: object;
  }
}
