import { DAY_MS, businessDay, businessDayStart, findIn, type Db } from '@brokerbot/shared';
import type { ActivitySets, LatestScores } from './activity-sets';
import { scopeDayOf, termId } from './records';

/**
 * 会话记录 search over the index (no range or sort over messages): conversations newest activity
 * first, each once, at its latest activity (in the date range). First, when the range reaches the
 * present and Redis's activity sets are whole (activity-sets.ts): the scope's newest
 * conversations in score order, or the filter's conversations (`only`) ranked by one ZMSCORE.
 * Otherwise two ways, both by equality only:
 *  - the day walk: a business day's activity records by `day` (or `scopeDay` for one branch), or
 *    its members in Redis's day sets when they are whole,
 *    newest day first, days fetched 1, 2, 4, 8 … at a time until the page is full; empty months
 *    are skipped (transcriptmonths), a page walks at most MAX_DAYS_PER_PAGE days (its cursor goes on);
 *  - the direct list, when the other filters leave few conversations (`only`, at most DIRECT_MAX):
 *    their activity records by conversationId.
 * A conversation active on several days has a record per day: the walk meets its latest first;
 * after a cursor, a candidate with a record on a later day (in the range) was listed before.
 * Words too common to list (`verifyTerms`) are checked per candidate by their record's `_id`.
 *
 * Order: (lastAt desc, conversationId desc). Cursor: the last listed (lastAt, conversationId), or
 * (start of a day, ZERO_ID) after a day walked to its end.
 */

export const ZERO_ID = '0'.repeat(24);
export const DIRECT_MAX = 100;
const MAX_DAYS_PER_PAGE = 92;
/** Lookups (per candidate: earlier days, common words) a page may spend before it returns short. */
const MAX_CHECKS_PER_PAGE = 600;

type IndexDb = Pick<Db, 'TranscriptActivity' | 'TranscriptTerm' | 'TranscriptMonth'>;

export interface IndexCursor {
  at: Date;
  id: string;
}

export interface IndexSearch {
  /** One branch (asked for, or the only one this supervisor sees); undefined: every branch. */
  branchId?: string;
  from?: Date;
  to?: Date;
  /** Conversations the other filters allow (null: any) and exclude. */
  only: Set<string> | null;
  except: Set<string>;
  /** Words every listed conversation must have said, checked per candidate. */
  verifyTerms: string[];
  cursor: IndexCursor | null;
  pageSize: number;
  /** The index mirrored in Redis (absent: always read the day records). */
  sets?: ActivitySets;
}

export interface ActivityHit {
  conversationId: string;
  lastAt: Date;
}

interface Row {
  conversationId: string;
  day: string;
  branchId?: string | null;
  firstAt: Date;
  lastAt: Date;
}

const PROJECTION = { conversationId: 1, day: 1, branchId: 1, firstAt: 1, lastAt: 1 } as const;

/** What a page lists: a conversation at its latest activity (in the range). */
type Listed = Pick<Row, 'conversationId' | 'lastAt'>;

const newestFirst = (a: Listed, b: Listed) =>
  +b.lastAt - +a.lastAt || (a.conversationId < b.conversationId ? 1 : a.conversationId > b.conversationId ? -1 : 0);

/** Strictly after the cursor in the list's order. */
export const afterCursor = (r: { lastAt: Date; conversationId: string }, c: IndexCursor | null) =>
  !c || +r.lastAt < +c.at || (+r.lastAt === +c.at && r.conversationId < c.id);

/** Whether a record's day overlaps the date range. */
const inRange = (r: Row, s: Pick<IndexSearch, 'from' | 'to'>) =>
  (!s.from || +new Date(r.lastAt) >= +s.from) && (!s.to || +new Date(r.firstAt) <= +s.to);

/** The business days from `start` back to `floor` (inclusive), newest first, skipping months without activity. */
export function daysBack(start: string, floor: string, months: ReadonlySet<string>, max: number): string[] {
  const out: string[] = [];
  let t = businessDayStart(start);
  const end = businessDayStart(floor);
  while (t >= end && out.length < max) {
    const day = businessDay(t);
    const month = day.slice(0, 7);
    if (months.has(month)) {
      out.push(day);
      t -= DAY_MS;
    } else {
      // To the last day of the previous month.
      t = businessDayStart(`${month}-01`) - DAY_MS;
    }
  }
  return out;
}

/** Conversations of ZSET batches fetched at a time when listing a scope's newest. */
const LATEST_BATCH = 200;

/**
 * The filter's conversations that have a latest activity, newest first, from `from` on and
 * after the cursor, excluding `except` (pure).
 */
export function rankByLatest(
  scores: LatestScores,
  s: { except: ReadonlySet<string>; from?: Date; cursor: IndexCursor | null },
): Listed[] {
  const out: Listed[] = [];
  for (const [conversationId, at] of scores) {
    if (s.except.has(conversationId) || (s.from && at < +s.from)) continue;
    const r = { conversationId, lastAt: new Date(at) };
    if (afterCursor(r, s.cursor)) out.push(r);
  }
  return out.sort(newestFirst);
}

export class IndexSearcher {
  private checks = 0;

  constructor(
    private readonly db: IndexDb,
    private readonly s: IndexSearch,
  ) {}

  async run(now = Date.now()): Promise<{ hits: ActivityHit[]; next: IndexCursor | null }> {
    const { only, except } = this.s;
    const fromLatest = await this.fromLatest(now);
    if (fromLatest) return fromLatest;
    if (only && [...only].filter((id) => !except.has(id)).length <= DIRECT_MAX) return this.direct();
    return this.walk(now);
  }

  /**
   * From Redis's activity sets; null when they cannot answer (not whole, or a range that
   * ends before now, where a conversation's latest activity in the range may be an earlier one).
   */
  private async fromLatest(now: number): Promise<{ hits: ActivityHit[]; next: IndexCursor | null } | null> {
    const { sets, only, except, from, to, cursor, branchId, pageSize } = this.s;
    if (!sets || (to && +to < now)) return null;
    const hits: Listed[] = [];
    if (only) {
      const scores = await sets.scoresOf(
        branchId,
        [...only].filter((id) => !except.has(id)),
      );
      if (!scores) return null;
      const ordered = rankByLatest(scores, { except, from, cursor });
      for (let i = 0; i < ordered.length;) {
        const slice = ordered.slice(i, i + pageSize + 1 - hits.length + 4);
        i += slice.length;
        hits.push(...(await this.verified(slice)));
        if (hits.length > pageSize) break;
        if (this.checks >= MAX_CHECKS_PER_PAGE && i < ordered.length) return this.shortPage(hits, slice.at(-1)!);
      }
      return this.page(hits, null);
    }
    // Every conversation of the scope, newest first: ZSET batches below the last score read (ties
    // skipped by count), so conversations that move up meanwhile do not shift the batches.
    let max = cursor ? +cursor.at : Infinity;
    let skip = 0;
    let looked: Listed | null = null;
    for (;;) {
      const batch = await sets.newest(branchId, max, from ? +from : -Infinity, skip, LATEST_BATCH);
      // The sets stopped being whole between two batches: a short page, continued (by the walk) after what was looked at.
      if (!batch) return looked ? this.shortPage(hits, looked) : null;
      const candidates = batch
        .map((b) => ({ conversationId: b.conversationId, lastAt: new Date(b.at) }))
        .filter((r) => !except.has(r.conversationId) && afterCursor(r, cursor));
      for (let k = 0; k < candidates.length;) {
        const slice = candidates.slice(k, k + pageSize + 1 - hits.length + 4);
        k += slice.length;
        looked = slice.at(-1)!;
        hits.push(...(await this.verified(slice)));
        if (hits.length > pageSize) return this.page(hits, null);
        if (this.checks >= MAX_CHECKS_PER_PAGE) return this.shortPage(hits, slice.at(-1)!);
      }
      if (batch.length < LATEST_BATCH) return this.page(hits, null);
      const last = batch.at(-1)!.at;
      skip = last === max ? skip + batch.length : batch.filter((b) => b.at === last).length;
      max = last;
    }
  }

  /** Out of lookups: a short page, continued after the last candidate looked at. */
  private shortPage(hits: Listed[], last: Listed): { hits: ActivityHit[]; next: IndexCursor } {
    return { hits: hits.map(toHit), next: { at: new Date(last.lastAt), id: last.conversationId } };
  }

  private passes(r: Row): boolean {
    if (this.s.only && !this.s.only.has(r.conversationId)) return false;
    if (this.s.except.has(r.conversationId)) return false;
    if (this.s.branchId && r.branchId !== this.s.branchId) return false;
    return inRange(r, this.s) && afterCursor(r, this.s.cursor);
  }

  /** Few conversations: all their records, the latest in range per conversation. */
  private async direct(): Promise<{ hits: ActivityHit[]; next: IndexCursor | null }> {
    const ids = [...this.s.only!].filter((id) => !this.s.except.has(id));
    const rows = await findIn<Row>(this.db.TranscriptActivity, 'conversationId', ids, { projection: PROJECTION });
    const latest = new Map<string, Row>();
    for (const r of rows) {
      if (this.s.branchId && r.branchId !== this.s.branchId) continue;
      if (!inRange(r, this.s)) continue;
      const known = latest.get(r.conversationId);
      if (!known || +r.lastAt > +known.lastAt) latest.set(r.conversationId, r);
    }
    const ordered = [...latest.values()].filter((r) => afterCursor(r, this.s.cursor)).sort(newestFirst);
    const hits: Row[] = [];
    for (let i = 0; i < ordered.length && hits.length <= this.s.pageSize; i += this.s.pageSize) {
      hits.push(...(await this.verified(ordered.slice(i, i + this.s.pageSize))));
    }
    return this.page(hits, null);
  }

  /** Candidates (in order) that said every common word; counts the lookups. */
  private async verified<T extends Listed>(rows: T[]): Promise<T[]> {
    let left = rows;
    for (const term of this.s.verifyTerms) {
      if (left.length === 0) break;
      this.checks += left.length;
      const found = await findIn<{ conversationId: string }>(
        this.db.TranscriptTerm,
        '_id',
        left.map((r) => termId(term, r.conversationId)),
        { projection: { conversationId: 1 } },
      );
      const have = new Set(found.map((f) => f.conversationId));
      left = left.filter((r) => have.has(r.conversationId));
    }
    return left;
  }

  /** After a cursor: candidates not listed before, i.e. without a record on a later day in the range. */
  private async notListedBefore(rows: Row[]): Promise<Row[]> {
    if (!this.s.cursor || rows.length === 0) return rows;
    this.checks += rows.length;
    const all = await findIn<Row>(
      this.db.TranscriptActivity,
      'conversationId',
      rows.map((r) => r.conversationId),
      { projection: PROJECTION },
    );
    const later = new Set(
      rows
        .filter((r) => all.some((o) => o.conversationId === r.conversationId && o.day > r.day && inRange(o, this.s)))
        .map((r) => r.conversationId),
    );
    return rows.filter((r) => !later.has(r.conversationId));
  }

  private dayFilter(day: string): Record<string, string> {
    return this.s.branchId ? { scopeDay: scopeDayOf(this.s.branchId, day) } : { day };
  }

  /**
   * The day records of `days`: from Redis's day sets when they are whole (with each member's
   * first activity that day for the day the range ends in), else from the database.
   */
  private async readDays(days: string[]): Promise<Row[][]> {
    const { sets, to, branchId } = this.s;
    const endsInRange = (day: string) => !to || businessDayStart(day) + DAY_MS - 1 <= +to;
    const members = sets ? await sets.days(branchId, days, new Set(days.filter((d) => !endsInRange(d)))) : null;
    return Promise.all(
      days.map(async (day) => {
        const m = members?.get(day);
        const dayStart = new Date(businessDayStart(day));
        // A member whose first time is unknown on the day the range ends in: that day from the database.
        if (!m || (!endsInRange(day) && m.some((x) => !x.firstAt))) {
          return (await this.db.TranscriptActivity.find(this.dayFilter(day), PROJECTION).lean()) as Row[];
        }
        return m.map((x) => ({
          conversationId: x.conversationId,
          day,
          branchId: branchId ?? null,
          firstAt: x.firstAt ?? dayStart,
          lastAt: x.lastAt,
        }));
      }),
    );
  }

  private async walk(now: number): Promise<{ hits: ActivityHit[]; next: IndexCursor | null }> {
    const { cursor, from, to } = this.s;
    const months = new Set(((await this.db.TranscriptMonth.find({}, { _id: 1 }).lean()) as { _id: string }[]).map((m) => m._id));
    if (months.size === 0) return { hits: [], next: null };
    const top = Math.min(to ? +to : now, now);
    let start = businessDay(top);
    if (cursor) {
      const cursorDay = businessDay(cursor.id === ZERO_ID ? +cursor.at - 1 : +cursor.at);
      if (cursorDay < start) start = cursorDay;
    }
    const earliest = [...months].sort()[0]!;
    const floor = from && businessDay(+from) > `${earliest}-01` ? businessDay(+from) : `${earliest}-01`;
    const days = daysBack(start, floor, months, MAX_DAYS_PER_PAGE);
    const seen = new Set<string>();
    const hits: Row[] = [];
    let chunk = 1;
    for (let i = 0; i < days.length;) {
      const group = days.slice(i, i + chunk);
      i += group.length;
      chunk = Math.min(chunk * 2, 8);
      const perDay = await this.readDays(group);
      for (let d = 0; d < group.length; d++) {
        const candidates: Row[] = [];
        for (const r of perDay[d]!.filter((x) => inRange(x, this.s)).sort(newestFirst)) {
          // The conversation's latest record in the range is the first one met (or was on an earlier page).
          if (seen.has(r.conversationId)) continue;
          seen.add(r.conversationId);
          if (this.passes(r)) candidates.push(r);
        }
        for (let k = 0; k < candidates.length;) {
          const need = this.s.pageSize + 1 - hits.length;
          const slice = candidates.slice(k, k + need + 4);
          k += slice.length;
          hits.push(...(await this.verified(await this.notListedBefore(slice))));
          if (hits.length > this.s.pageSize) return this.page(hits, null);
          if (this.checks >= MAX_CHECKS_PER_PAGE) {
            // Out of lookups: a short page, continued after the last candidate looked at.
            const last = slice.at(-1)!;
            return { hits: hits.map(toHit), next: { at: new Date(last.lastAt), id: last.conversationId } };
          }
        }
      }
    }
    const lastDay = days.at(-1);
    if (!lastDay || days.length < MAX_DAYS_PER_PAGE || lastDay <= floor) return this.page(hits, null);
    // Day budget spent: a short page, continued before the last day walked.
    return { hits: hits.map(toHit), next: { at: new Date(businessDayStart(lastDay)), id: ZERO_ID } };
  }

  private page(rows: Listed[], fallback: IndexCursor | null): { hits: ActivityHit[]; next: IndexCursor | null } {
    if (rows.length > this.s.pageSize) {
      const shown = rows.slice(0, this.s.pageSize);
      const last = shown.at(-1)!;
      return { hits: shown.map(toHit), next: { at: new Date(last.lastAt), id: last.conversationId } };
    }
    return { hits: rows.map(toHit), next: fallback };
  }
}

const toHit = (r: Listed): ActivityHit => ({ conversationId: r.conversationId, lastAt: new Date(r.lastAt) });
