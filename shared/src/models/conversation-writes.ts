import type { ConversationDoc } from './schemas';

/** Told each conversation as it was just written (see ConversationCache). */
export type ConversationWriteListener = (doc: ConversationDoc) => Promise<void>;

/** Told a conversation is about to change (its current copy); the change waits for it. */
export type ConversationChangeListener = (current: ConversationDoc) => Promise<void>;

/**
 * The conversation writers' announcements. `transition()` (and its crash repair):
 * - says before it writes that the conversation is about to change (`writing`): listeners that
 *   must not miss a change register with `before`, and a listener that fails fails the change
 *   (nothing was written yet; the caller retries as for any failed write). 会话记录 search's index
 *   hears of every change this way (the composition root, scripts/system.ts);
 * - says what it wrote, right after the database took it (`wrote`); copies of conversations
 *   (ConversationCache) listen. A listener that fails does not fail the write, which the database
 *   has already taken: the copy then ages out (CONVERSATION_CACHE_TTL_MS).
 * `ensureConversation()` says when it inserted a new conversation (`created`), which has no
 * messages yet: the SequenceAllocator starts its counter then, instead of asking the database for
 * the highest stored seq at the first message. A listener that fails does not fail the insert.
 */
export class ConversationWrites {
  private readonly listeners: ConversationWriteListener[] = [];
  private readonly changeListeners: ConversationChangeListener[] = [];
  private readonly createListeners: ConversationWriteListener[] = [];

  listen(listener: ConversationWriteListener): void {
    this.listeners.push(listener);
  }

  before(listener: ConversationChangeListener): void {
    this.changeListeners.push(listener);
  }

  async writing(current: ConversationDoc): Promise<void> {
    await Promise.all(this.changeListeners.map((l) => l(current)));
  }

  async wrote(doc: ConversationDoc): Promise<void> {
    await Promise.all(this.listeners.map((l) => l(doc).catch(() => undefined)));
  }

  onCreated(listener: ConversationWriteListener): void {
    this.createListeners.push(listener);
  }

  async created(doc: ConversationDoc): Promise<void> {
    await Promise.all(this.createListeners.map((l) => l(doc).catch(() => undefined)));
  }
}
