import type { ConversationDoc } from './schemas';

/** Told each conversation as it was just written (see ConversationCache). */
export type ConversationWriteListener = (doc: ConversationDoc) => Promise<void>;

/**
 * The conversation writers' announcements: `transition()` (and its crash repair) says here what
 * it wrote, right after the database took it; copies of conversations (ConversationCache) listen.
 * A listener that fails does not fail the write, which the database has already taken: the copy
 * then ages out (CONVERSATION_CACHE_TTL_MS).
 */
export class ConversationWrites {
  private readonly listeners: ConversationWriteListener[] = [];

  listen(listener: ConversationWriteListener): void {
    this.listeners.push(listener);
  }

  async wrote(doc: ConversationDoc): Promise<void> {
    await Promise.all(this.listeners.map((l) => l(doc).catch(() => undefined)));
  }
}
