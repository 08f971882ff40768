import { findIn, type ConversationDoc, type Db } from '@brokerbot/shared';
import { computeSummaries, storeSummaries } from './summaries';

/**
 * Keeps 会话记录 row summaries current off the read path: the index worker tells it the
 * conversations whose messages it indexed, and once a conversation has been quiet for
 * `quietMs` (the bot has read its last client message by then, and a burst of messages costs one
 * recomputation) its summary is recomputed from the stored data and stored. Memory only: a
 * process that stops forgets what was due, and the search then recomputes those rows when it
 * first lists them (see summaries.ts), so nothing depends on this running.
 */

/** Conversations remembered at most (a backlog beyond this is left to the search's own recomputation). */
const MAX_DUE = 100_000;

export class SummaryRefresher {
  private readonly due = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly quietMs = 20_000,
    private readonly batch = 50,
  ) {}

  /** Conversations that just had messages indexed: due `quietMs` after their latest. */
  noteActive(conversationIds: Iterable<string>, now = Date.now()): void {
    for (const id of conversationIds) {
      if (!/^[0-9a-f]{24}$/.test(id)) continue;
      if (this.due.size >= MAX_DUE && !this.due.has(id)) continue;
      this.due.delete(id); // re-inserted last: the map stays ordered by due time
      this.due.set(id, now + this.quietMs);
    }
  }

  /** How many conversations wait for their recomputation. */
  get pending(): number {
    return this.due.size;
  }

  /** Recomputes the summaries that are due (at most one batch); returns how many were stored. */
  async runDue(now = Date.now()): Promise<number> {
    const ids: string[] = [];
    for (const [id, at] of this.due) {
      if (at > now || ids.length >= this.batch) break;
      ids.push(id);
    }
    if (ids.length === 0) return 0;
    for (const id of ids) this.due.delete(id);
    const conversations = await findIn<ConversationDoc>(this.db.Conversation, '_id', ids);
    const computed = await computeSummaries(this.db, conversations);
    await storeSummaries(this.db, [...computed.values()]);
    return computed.size;
  }
}
