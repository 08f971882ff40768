// @ts-check
/*
 * The Socket.IO connection shared by the build-free pages (the app's chat /app/ and the agent
 * console /console/), served at /common/connection.js. One place decides how a page connects,
 * reconnects and asks: auth read afresh on every (re)connect, a retry when the server dropped
 * the connection, auth failures handed to the page, and requests that always resolve with one
 * shape ({ ok: true, ... } or { ok: false, error, message } with a Chinese message).
 *
 * Typed by the shared event maps: `ServerEvents` is what the server sends (shared/src/realtime.ts)
 * and `Requests` what the page asks (shared/src/protocol).
 */

/** After the server itself closed the connection (it does not reconnect by itself), try again after this. */
const RETRY_AFTER_MS = 3000;
export const ACK_TIMEOUT_MS = 15000;

/** @typedef {import('./connection-types').ConnectionState} ConnectionState */

/**
 * Emits a request and resolves with its ack; no connection, a timeout or a malformed ack resolve
 * as an error reply with a Chinese message, so callers handle one shape. Untyped: see Connection.request.
 * @param {import('socket.io-client').Socket | null} socket
 * @param {string} event
 * @param {unknown} payload
 * @param {number} [timeoutMs]
 * @returns {Promise<any>}
 */
export function requestOn(socket, event, payload, timeoutMs = ACK_TIMEOUT_MS) {
  return new Promise((resolve) => {
    if (!socket || !socket.connected) {
      resolve({ ok: false, error: 'disconnected', message: '网络连接已断开，请稍后重试' });
      return;
    }
    /** @param {Error | null} err @param {unknown} res */
    const onAck = (err, res) => {
      if (err) resolve({ ok: false, error: 'timeout', message: '请求超时，请稍后重试' });
      else resolve(res && typeof res === 'object' ? res : { ok: false, error: 'bad_reply', message: '系统繁忙，请稍后重试' });
    };
    const timed = socket.timeout(timeoutMs);
    // A payloadless request is sent with only its ack (the servers read the ack as the last argument).
    if (payload === undefined) timed.emit(event, onAck);
    else timed.emit(event, payload, onAck);
  });
}

/**
 * @template {import('./connection-types').EventsMap} ServerEvents
 * @template {object} Requests
 * @typedef {object} Connection
 * @property {import('socket.io-client').Socket<ServerEvents, any>} socket
 *   the socket; its `on` is typed by ServerEvents (and socket.io's reserved events)
 * @property {<K extends keyof Requests & string>(event: K, ...args: import('./connection-types').RequestArgs<Requests, K>) => Promise<import('./connection-types').RequestReply<Requests, K>>} request
 *   a request with its ack (see requestOn)
 * @property {<K extends keyof Requests & string>(event: K, ...args: import('./connection-types').RequestArgs<Requests, K>) => void} send
 *   a request whose answer does not matter (fire and forget)
 * @property {() => void} close stops for good: no more events, no reconnection
 */

/**
 * Connects to a namespace and keeps reconnecting (socket.io's backoff, 1–10 s).
 * @template {import('./connection-types').EventsMap} ServerEvents
 * @template {object} Requests
 * @param {string} namespace '/advisor' or '/client'
 * @param {object} options
 * @param {() => Record<string, unknown>} options.auth the handshake auth, read at every (re)connect
 * @param {string[]} options.authErrors connect_error codes that end the session (the page signs in again)
 * @param {(state: ConnectionState, reason?: string) => void} options.onStatus
 * @param {(code: string) => void} options.onAuthError
 * @returns {Connection<ServerEvents, Requests>}
 */
export function openConnection(namespace, options) {
  const socket = window.io(namespace, {
    auth: (cb) => cb(options.auth()),
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000,
  });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retryTimer;

  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (!socket.connected) {
        options.onStatus('connecting');
        socket.connect();
      }
    }, RETRY_AFTER_MS);
  }

  options.onStatus('connecting');
  socket.on('connect', () => options.onStatus('connected'));
  socket.on('disconnect', (reason) => {
    options.onStatus('disconnected', reason);
    // The server closed the connection itself (e.g. it could not load the chat): try again later.
    if (reason === 'io server disconnect') scheduleRetry();
  });
  socket.on('connect_error', (err) => {
    const code = err && err.message;
    if (options.authErrors.includes(code)) {
      options.onAuthError(code);
      return;
    }
    options.onStatus('disconnected', code);
    if (!socket.active) scheduleRetry();
  });
  socket.io.on('reconnect_attempt', () => options.onStatus('connecting'));

  return {
    socket: /** @type {any} */ (socket),
    request: (event, ...args) => requestOn(socket, event, args[0]),
    send: (event, ...args) => {
      if (socket.connected) socket.emit(event, args[0], () => undefined);
    },
    close() {
      clearTimeout(retryTimer);
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
    },
  };
}
