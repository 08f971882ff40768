/**
 * The shape every request on a Socket.IO namespace answers with: its ack callback receives
 * `{ ok: true, ...result }` or `{ ok: false, error, message }` (Chinese `message`, for the user).
 *
 * @example
 * socket.emit('chat:close', { conversationId, wrapUp: { category: '咨询解答' } }, (res) => {
 *   if (!res.ok) alert(res.message);
 * });
 */
export interface AckFailure {
  ok: false;
  /** Machine-readable code, e.g. `invalid_request`, `forbidden`, `compliance_warning`. */
  error: string;
  /** Chinese, shown to the user. */
  message?: string;
}

export type AckResponse<Result extends object = object> = ({ ok: true } & Result) | (AckFailure & Record<string, unknown>);

/** A request event: a payload and the ack that answers it. */
export type Request<Payload, Result extends object = object> = (
  payload: Payload,
  ack: (response: AckResponse<Result>) => void,
) => void;

/** A request event that takes no payload (it may be emitted with only the ack). */
export type PayloadlessRequest<Result extends object = object> = (ack: (response: AckResponse<Result>) => void) => void;
