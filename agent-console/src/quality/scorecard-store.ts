import path from 'node:path';
import { WatchedFile, readJsonFile, type WatchedFileEvent } from '@brokerbot/shared';
import { scorecardSchema, type Scorecard } from './scorecard-schema';

export const DEFAULT_SCORECARD_PATH = path.join(__dirname, '..', '..', 'data', 'quality', 'scorecard.json');

export class ScorecardError extends Error {}

/** Reads and validates a scorecard file; the error names the file and every bad field. */
export function readScorecard(file: string): { scorecard: Scorecard; text: string } {
  const scorecard = readJsonFile(file, scorecardSchema, 'quality scorecard', (message) => new ScorecardError(message));
  return { scorecard, text: JSON.stringify(scorecard) };
}

export type ScorecardEvent = WatchedFileEvent;

/**
 * The scorecard in force, reloaded when its file changes (see WatchedFile). A bad edit is reported
 * to the listeners and the previous scorecard stays in force; so is an edit that changes the items
 * without raising `version` (every score must name what it was scored by).
 */
export class ScorecardStore extends WatchedFile<Scorecard> {
  constructor(file = DEFAULT_SCORECARD_PATH) {
    super(
      file,
      (f) => readScorecard(f).scorecard,
      (next, current) => {
        if (JSON.stringify(next) === JSON.stringify(current)) return false;
        if (next.version === current.version) {
          throw new ScorecardError(
            `quality scorecard ${file} changed but its version is still "${next.version}": raise version with every edit`,
          );
        }
        return true;
      },
    );
  }

  /** Hear about new versions and refused edits (chainable). */
  onChange(listener: (event: ScorecardEvent) => void): this {
    this.subscribe(listener);
    return this;
  }
}
