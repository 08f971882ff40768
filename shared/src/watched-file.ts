import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import type { ZodType, ZodTypeDef } from 'zod';

/**
 * Reads a JSON settings file and validates it; the error names the file and every bad field.
 *
 * @example
 * readJsonFile(file, skillsFileSchema, 'routing skills', (m) => new SkillsFileError(m));
 */
export function readJsonFile<T>(
  file: string,
  schema: ZodType<T, ZodTypeDef, unknown>,
  what: string,
  makeError: (message: string) => Error,
): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw makeError(`${what} ${file} is not readable JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw makeError(`${what} ${file} is invalid: ${issues}`);
  }
  return parsed.data;
}

/** What a watched file's listeners hear: a new version taken, or an edit refused (the old one stays). */
export type WatchedFileEvent = { version: string; previous: string } | { error: Error };

/**
 * An operator-edited settings file (escalation policy, routing skills, inspection scorecard) kept
 * in force while the process runs: read once, re-read when the file changes (polled, so it works
 * on every file system and with editors that replace the file). A bad edit is reported to the
 * listeners and the previous content stays in force: a typo never turns a feature off.
 *
 * @example
 * const store = new WatchedFile(file, (f) => readJsonFile(f, schema, 'routing skills', (m) => new Error(m)));
 * store.subscribe((e) => ('error' in e ? log.error(e.error.message) : log.info(e, 'reloaded')));
 * store.watch();
 */
export class WatchedFile<T extends { version: string }> {
  private value: T;
  private watching = false;
  private readonly listeners = new Set<(event: WatchedFileEvent) => void>();

  /**
   * @param read reads and validates the file (throws a clear error)
   * @param admit checks a re-read value against the one in force: returns false when nothing
   *   changed (no event), throws to refuse it
   */
  constructor(
    readonly file: string,
    private readonly read: (file: string) => T,
    private readonly admit: (next: T, current: T) => boolean = () => true,
  ) {
    this.value = read(file);
  }

  get current(): T {
    return this.value;
  }

  /** Hear about reloads and refused edits; returns the unsubscribe function. */
  subscribe(listener: (event: WatchedFileEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the file now; returns whether new content was taken. */
  reload(): boolean {
    try {
      const next = this.read(this.file);
      if (!this.admit(next, this.value)) return false;
      const previous = this.value.version;
      this.value = next;
      this.emit({ version: next.version, previous });
      return true;
    } catch (err) {
      this.emit({ error: err as Error });
      return false;
    }
  }

  watch(intervalMs = 2_000): this {
    if (!this.watching) {
      statSync(this.file);
      watchFile(this.file, { interval: intervalMs, persistent: false }, (cur, prev) => {
        if (cur.mtimeMs !== prev.mtimeMs) this.reload();
      });
      this.watching = true;
    }
    return this;
  }

  close(): void {
    if (this.watching) unwatchFile(this.file);
    this.watching = false;
  }

  private emit(event: WatchedFileEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
