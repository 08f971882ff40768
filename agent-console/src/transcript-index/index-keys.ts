import { escalatedSetKey } from '@brokerbot/shared';

/**
 * The Redis keys of 会话记录 search's index beside its stream (`<prefix>:tindex`), all under
 * `<prefix>:tindex:` (activity-sets.ts, term-lists.ts; shared's `markEscalated` writes
 * `escalated`). Branch-scoped keys carry `b:` so that no branch id can collide with another key.
 */
export function indexKeys(prefix: string) {
  const base = `${prefix}:tindex`;
  return {
    /** The sets' build: present while they are whole; its value names the build. */
    ready: `${base}:ready`,
    /** A rebuild's lock (its token). */
    building: `${base}:building`,
    escalated: escalatedSetKey(prefix),
    /** Latest activity of every branch (undefined) or of one (null: conversations without a branch). */
    latest: (branchId?: string | null) => (branchId === undefined ? `${base}:latest` : `${base}:latest:b:${branchId ?? '-'}`),
    day: (day: string, branchId?: string | null) =>
      branchId === undefined ? `${base}:day:${day}` : `${base}:day:b:${branchId ?? '-'}:${day}`,
    /** A day's first activity per conversation (score: the first message of that day). */
    dayFirst: (day: string, branchId?: string | null) =>
      branchId === undefined ? `${base}:dayfirst:${day}` : `${base}:dayfirst:b:${branchId ?? '-'}:${day}`,
    termList: (word: string) => `${base}:term:${word}`,
    termMark: (word: string) => `${base}:termok:${word}`,
    termFill: (word: string) => `${base}:termfill:${word}`,
  };
}

export type IndexKeys = ReturnType<typeof indexKeys>;
