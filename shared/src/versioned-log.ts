import { isDuplicateKey } from './conversations';

/** What the log needs of a mongoose model (the log's and the subject's). */
interface Inserts {
  create(doc: Record<string, unknown>): Promise<unknown>;
}
interface Updates {
  updateOne(filter: Record<string, unknown>, update: Record<string, unknown>): unknown;
}

/**
 * A document (the subject: a conversation, an appointment) whose every change is decided by an
 * insert into its log under a unique index on (subject id, version): of two writers that read
 * version n, the one whose entry n + 1 is inserted first wins; the other gets null and decides
 * what that means. Only the winner then writes the subject, so it has one writer at a time.
 * Conditional updates would not do: on FerretDB they are not atomic (see FERRETDB.md).
 *
 * A writer that dies between the insert and the subject's write leaves the subject one version
 * behind its log; `applyMissed` (crash repair, after a grace period) writes the entry's fields.
 *
 * @example
 *   const log = new VersionedLog(db.Transition, db.Conversation, 'conversationId');
 *   const version = await log.advance(id, current.version ?? 0, { from, to, by }, { state: to });
 *   if (version === null) return null; // someone else changed it first
 */
export class VersionedLog {
  constructor(
    private readonly log: Inserts,
    private readonly subject: Updates,
    /** The log entries' field naming the subject (its `_id`). */
    private readonly key: string,
  ) {}

  /**
   * Takes version `fromVersion + 1` for `entry` and, when won, writes `fields` and the new version
   * onto the subject. Returns the new version, or null when another writer took it.
   */
  async advance(
    subjectId: string,
    fromVersion: number,
    entry: Record<string, unknown>,
    fields: Record<string, unknown>,
  ): Promise<number | null> {
    const version = fromVersion + 1;
    try {
      await this.log.create({ ...entry, [this.key]: subjectId, version, at: entry.at ?? new Date() });
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    await this.subject.updateOne({ _id: subjectId }, { $set: { ...fields, version } });
    return version;
  }

  /**
   * Crash repair: writes a won entry's `fields` onto a subject that is exactly one version behind
   * it (`subjectVersion`). Returns whether it wrote.
   */
  async applyMissed(
    subjectId: string,
    subjectVersion: number,
    entry: { version: number },
    fields: Record<string, unknown>,
  ): Promise<boolean> {
    if (entry.version !== subjectVersion + 1) return false;
    await this.subject.updateOne({ _id: subjectId }, { $set: { ...fields, version: entry.version } });
    return true;
  }
}
