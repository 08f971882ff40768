/** An error whose message is safe to show to the caller (bad input, not a crash). */
export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Extra fields for the failed ack (e.g. `rules` of a compliance warning), next to error and message. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
