/** An error whose message is safe to show to the caller (bad input, not a crash). */
export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
