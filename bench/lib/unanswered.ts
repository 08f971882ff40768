/**
 * A request with no answer within its timeout. The app cannot cancel the work behind it, so the
 * caller may wait for the answer anyway: `late` settles with the answer's time (ms from the
 * request) when it comes, or null once the drain time has passed.
 */
export class Unanswered extends Error {
  constructor(
    what: string,
    readonly late: Promise<number | null>,
  ) {
    super(`${what}: no answer within the timeout`);
  }
}

/** `answer` (ms) if it settles within `drainMs`, else null. */
export function lateAnswer(answer: Promise<number>, drainMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const drain = new Promise<null>((r) => (timer = setTimeout(() => r(null), drainMs)));
  return Promise.race([answer, drain]).finally(() => clearTimeout(timer));
}
