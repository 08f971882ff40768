import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_SCORECARD_PATH,
  ScorecardError,
  ScorecardStore,
  readScorecard,
  type ScorecardEvent,
} from '../src/quality/scorecard-store';

const bundled = () =>
  JSON.parse(readFileSync(DEFAULT_SCORECARD_PATH, 'utf8')) as { version: string; items: Record<string, unknown>[] };

function tempCard(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bb-scorecard-')), 'scorecard.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('the scorecard file', () => {
  it('the bundled scorecard is valid and names a version', () => {
    expect(readScorecard(DEFAULT_SCORECARD_PATH).scorecard.version).toMatch(/\S/);
  });

  it('names the file and every bad field', () => {
    const card = bundled();
    card.items[0]!.severity = 'huge';
    delete card.items[3]!.withinSeconds;
    const file = tempCard(card);
    let message = '';
    try {
      readScorecard(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ScorecardError);
      message = (err as Error).message;
    }
    expect(message).toContain(file);
    expect(message).toContain('items.0.severity');
    expect(message).toContain('items.3.withinSeconds');
    expect(() => readScorecard(tempCard('{ not json'))).toThrow(/not readable JSON/);
  });

  it('refuses two items with one id', () => {
    const card = bundled();
    card.items[1]!.id = card.items[2]!.id;
    expect(() => readScorecard(tempCard(card))).toThrow(/items\.2\.id: duplicate item id/);
  });

  it('reloads a new version, keeps the old one on a bad edit or an edit under the same version', () => {
    const card = bundled();
    const file = tempCard(card);
    const events: ScorecardEvent[] = [];
    const store = new ScorecardStore(file).onChange((e) => events.push(e));
    expect(store.current.version).toBe(card.version);

    writeFileSync(file, JSON.stringify({ ...card, items: card.items.slice(1) }));
    expect(store.reload()).toBe(false);
    expect(store.current.items).toHaveLength(card.items.length);
    expect((events.at(-1) as { error: Error }).error.message).toContain('raise version');

    writeFileSync(file, '{ broken');
    expect(store.reload()).toBe(false);
    expect(store.current.version).toBe(card.version);

    writeFileSync(file, JSON.stringify({ ...card, version: 'v-next', items: card.items.slice(1) }));
    expect(store.reload()).toBe(true);
    expect(store.current).toMatchObject({ version: 'v-next' });
    expect(store.current.items).toHaveLength(card.items.length - 1);
    expect(events.at(-1)).toEqual({ version: 'v-next', previous: card.version });
  });

  it('picks up a changed file by itself (hot reload)', async () => {
    const card = bundled();
    const file = tempCard(card);
    const store = new ScorecardStore(file).watch(50);
    try {
      // Let the watcher take its first look at the file before it changes.
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(file, JSON.stringify({ ...card, version: 'v-hot' }));
      const deadline = Date.now() + 5_000;
      while (store.current.version !== 'v-hot' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(store.current.version).toBe('v-hot');
    } finally {
      store.close();
    }
  });
});
