import type { Redis } from 'ioredis';
import type { Db } from '@brokerbot/shared';
import { indexKeys, type IndexKeys } from './index-keys';
import type { TermRecord } from './records';

/**
 * A keyword's conversations (the word records' lists, `transcriptterms` by `term`) kept in Redis
 * once searched, so that a word searched again costs one `SMEMBERS` instead of reading its list
 * from the database (~45 µs a record on FerretDB: a list of 550 at a million messages is ~25 ms).
 *
 * Per word: `<prefix>:tindex:term:<word>` (a set of conversation ids) and its mark
 * `…:termok:<word>`, which holds the activity sets' build (the value of `…:tindex:ready`) it was filled in,
 * or `common:<build>` for a word said in more than `maxList` conversations (those are checked
 * per candidate, never listed). A list counts only while its mark names the current build: after
 * Redis lost its data or the sets were invalidated and rebuilt, every list is filled again.
 *
 * Filling: `…:termfill:<word>` is set first (60 s), then the list is read from the database and
 * added, then the mark. The index worker adds each batch's word records to every list that is
 * marked or being filled (one script per batch), after writing them: a record written before the
 * fill's read is in the read, one written after finds the fill mark. Lists and marks expire after
 * a day without being filled again. A list may keep a conversation retention purged: it has no
 * latest activity any more, so search never lists it.
 *
 * @example
 *   const lists = new TermLists(redis, prefix);
 *   const list = await lists.listOf(db, '爆仓', 5_000); // { common: false, ids: [...] }
 */

const LIST_TTL_MS = 24 * 3600_000;
const FILL_TTL_MS = 60_000;

/**
 * KEYS: per word, its list, mark and fill keys; ARGV: word number (1-based), conversationId
 * pairs. Adds each pair to its word's list if the list is marked or being filled.
 */
const ADD_TO_LISTS = `
local on = {}
for w = 1, #KEYS / 3 do
  on[w] = redis.call('EXISTS', KEYS[3 * w - 1], KEYS[3 * w]) > 0
end
for i = 1, #ARGV, 2 do
  local w = tonumber(ARGV[i])
  if on[w] then redis.call('SADD', KEYS[3 * w - 2], ARGV[i + 1]) end
end
return 0`;

/** Words per ADD_TO_LISTS call. */
const WORDS_PER_CALL = 200;

export type TermList = { common: true } | { common: false; ids: string[] };

/** A word's conversations from the database (its word records by `term`), or that it is too common to list. */
export async function readTermList(db: Pick<Db, 'TranscriptTerm'>, word: string, maxList: number): Promise<TermList> {
  const list = (await db.TranscriptTerm.find({ term: word }, { conversationId: 1, _id: 0 })
    .limit(maxList + 1)
    .lean()) as { conversationId: string }[];
  return list.length > maxList ? { common: true } : { common: false, ids: list.map((t) => t.conversationId) };
}

export class TermLists {
  private readonly keys: IndexKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = indexKeys(prefix);
  }

  private listKey(word: string) {
    return this.keys.termList(word);
  }

  private markKey(word: string) {
    return this.keys.termMark(word);
  }

  private fillKey(word: string) {
    return this.keys.termFill(word);
  }

  /** Adds a batch's word records to the lists kept (the index worker, after writing them). */
  async add(terms: readonly Pick<TermRecord, 'term' | 'conversationId'>[]): Promise<void> {
    const byWord = new Map<string, string[]>();
    for (const t of terms) {
      const ids = byWord.get(t.term);
      if (ids) ids.push(t.conversationId);
      else byWord.set(t.term, [t.conversationId]);
    }
    const words = [...byWord.keys()];
    for (let i = 0; i < words.length; i += WORDS_PER_CALL) {
      const chunk = words.slice(i, i + WORDS_PER_CALL);
      const keys = chunk.flatMap((w) => [this.listKey(w), this.markKey(w), this.fillKey(w)]);
      const args = chunk.flatMap((w, n) => byWord.get(w)!.flatMap((id) => [String(n + 1), id]));
      await this.redis.eval(ADD_TO_LISTS, keys.length, ...keys, ...args);
    }
  }

  /**
   * A word's conversations, or that it is too common to list (more than `maxList`): from Redis
   * when kept for the current build, else read from the database (and kept when the activity
   * sets are whole).
   */
  async listOf(db: Pick<Db, 'TranscriptTerm'>, word: string, maxList: number): Promise<TermList> {
    const [build, mark, members] = ((await this.redis
      .multi()
      .get(this.keys.ready)
      .get(this.markKey(word))
      .smembers(this.listKey(word))
      .exec()) ?? []) as [unknown, string | null][];
    const current = build?.[1];
    if (current && mark?.[1] === `common:${current}`) return { common: true };
    if (current && mark?.[1] === current) return { common: false, ids: (members?.[1] ?? []) as unknown as string[] };
    if (current) await this.redis.set(this.fillKey(word), '1', 'PX', FILL_TTL_MS);
    const result = await readTermList(db, word, maxList);
    if (current) await this.keep(word, result, current);
    return result;
  }

  private async keep(word: string, list: TermList, build: string): Promise<void> {
    const multi = this.redis.multi();
    if (list.common) multi.del(this.listKey(word)).set(this.markKey(word), `common:${build}`, 'PX', LIST_TTL_MS);
    else {
      for (let i = 0; i < list.ids.length; i += 1_000) multi.sadd(this.listKey(word), ...list.ids.slice(i, i + 1_000));
      // The list outlives its mark: a mark never names a list that expired first.
      multi.pexpire(this.listKey(word), LIST_TTL_MS + 60_000).set(this.markKey(word), build, 'PX', LIST_TTL_MS);
    }
    await multi.del(this.fillKey(word)).exec();
  }
}
