import { businessDay, type TranscriptIndexEntry } from '@brokerbot/shared';
import { INDEXED_AUTHORS, termsOf } from './terms';

/**
 * What the 会话记录 index stores for a batch of messages (pure): per conversation and business day
 * one activity record (first and latest message of the day, branch, channel), per word said by a
 * client or advisor one term record, and the months seen. See transcriptActivitySchema.
 */

export interface ActivityRecord {
  _id: string;
  conversationId: string;
  day: string;
  scopeDay: string;
  branchId: string | null;
  channel: string;
  firstAt: Date;
  lastAt: Date;
}

export interface TermRecord {
  _id: string;
  term: string;
  conversationId: string;
}

export interface IndexWrites {
  activities: ActivityRecord[];
  terms: TermRecord[];
  months: string[];
}

export const activityId = (day: string, conversationId: string) => `${day}:${conversationId}`;
/** The equality key of a branch's day (`-` for conversations not bound to a branch). */
export const scopeDayOf = (branchId: string | null | undefined, day: string) => `${branchId ?? '-'}:${day}`;
export const termId = (term: string, conversationId: string) => `${term}:${conversationId}`;

/**
 * The records of a batch of index entries; `branchOf` gives a conversation's branch (unknown
 * conversations: null). One activity record per (conversation, day) however many messages.
 */
export function indexWritesOf(
  entries: readonly TranscriptIndexEntry[],
  branchOf: (conversationId: string) => string | null | undefined,
): IndexWrites {
  const activities = new Map<string, ActivityRecord>();
  const terms = new Map<string, TermRecord>();
  const months = new Set<string>();
  for (const e of entries) {
    const day = businessDay(e.at);
    const id = activityId(day, e.conversationId);
    const at = new Date(e.at);
    const known = activities.get(id);
    if (known) {
      if (at < known.firstAt) known.firstAt = at;
      if (at > known.lastAt) known.lastAt = at;
    } else {
      const branchId = branchOf(e.conversationId) ?? null;
      activities.set(id, {
        _id: id,
        conversationId: e.conversationId,
        day,
        scopeDay: scopeDayOf(branchId, day),
        branchId,
        channel: e.channel,
        firstAt: at,
        lastAt: at,
      });
      months.add(day.slice(0, 7));
    }
    if (!e.text || !INDEXED_AUTHORS.includes(e.author)) continue;
    for (const term of termsOf(e.text)) {
      const tid = termId(term, e.conversationId);
      if (!terms.has(tid)) terms.set(tid, { _id: tid, term, conversationId: e.conversationId });
    }
  }
  return { activities: [...activities.values()], terms: [...terms.values()], months: [...months] };
}
