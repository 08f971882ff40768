import { businessDayStart } from '@brokerbot/shared';
import { ActivityMoves } from '../src/transcript-index/activity-moves';
import { indexWritesOf, type ActivityRecord } from '../src/transcript-index/records';
import { afterCursor, daysBack, rankByLatest } from '../src/transcript-index/search';
import { queryTerms, termsOf } from '../src/transcript-index/terms';
import { freshIn, summaryOf, type TranscriptRow } from '../src/transcript-index/summaries';
import type { StoredSummary } from '../src/transcript-index/summary-model';

describe('会话记录 index: words', () => {
  it('indexes the brokerage words a client said, not function words or single characters', () => {
    const terms = termsOf('我的两融账户快被强平了，怎么办？');
    expect(terms).toEqual(expect.arrayContaining(['两融', '账户', '强平']));
    expect(terms).not.toContain('怎么办');
    expect(terms).not.toContain('我');
    expect(terms).not.toContain('，');
  });

  it('asks a query for its smallest words, so a long word also finds its parts said apart', () => {
    expect(queryTerms('维持担保比例')).toEqual(['维持', '担保', '比例']);
    expect(queryTerms('强平')).toEqual(['强平']);
    expect(queryTerms('ETF 基金')).toEqual(['etf', '基金']);
    expect(queryTerms('怎么 的')).toEqual([]);
  });
});

describe('会话记录 index: records of a batch', () => {
  const day = (d: string, hh: number) => businessDayStart(d) + hh * 3_600_000;

  it('keeps one activity record per conversation per business day, with its first and latest message', () => {
    const w = indexWritesOf(
      [
        { conversationId: 'a', at: day('2026-03-01', 9), channel: 'app', author: 'client', text: '强平了' },
        { conversationId: 'a', at: day('2026-03-01', 10), channel: 'app', author: 'bot', text: '销户流程' },
        { conversationId: 'a', at: day('2026-03-02', 1), channel: 'app', author: 'advisor', text: '强平后的账户' },
        { conversationId: 'b', at: day('2026-03-01', 11), channel: 'wecom', author: 'client', text: '你好' },
      ],
      (id) => (id === 'a' ? 'SH01' : null),
    );
    expect(w.activities.map((r) => [r._id, r.scopeDay, +r.firstAt, +r.lastAt])).toEqual([
      ['2026-03-01:a', 'SH01:2026-03-01', day('2026-03-01', 9), day('2026-03-01', 10)],
      ['2026-03-02:a', 'SH01:2026-03-02', day('2026-03-02', 1), day('2026-03-02', 1)],
      ['2026-03-01:b', '-:2026-03-01', day('2026-03-01', 11), day('2026-03-01', 11)],
    ]);
    // The bot's words are not indexed; a word is kept once per conversation.
    expect(w.terms.map((t) => t._id).sort()).toEqual(['强平:a', '账户:a'].sort());
    expect(w.months).toEqual(['2026-03']);
  });
});

describe('会话记录 index: the walk', () => {
  it('walks days newest first, skipping months without activity', () => {
    const months = new Set(['2026-01', '2026-03']);
    const days = daysBack('2026-03-02', '2026-01-01', months, 100);
    expect(days.slice(0, 3)).toEqual(['2026-03-02', '2026-03-01', '2026-01-31']);
    expect(days.at(-1)).toBe('2026-01-01');
    expect(days).toHaveLength(33);
    expect(daysBack('2026-03-02', '2026-01-01', months, 2)).toEqual(['2026-03-02', '2026-03-01']);
  });

  it('continues strictly after the last listed conversation', () => {
    const at = new Date(1_000);
    const c = { at, id: 'b'.repeat(24) };
    expect(afterCursor({ lastAt: new Date(999), conversationId: 'z'.repeat(24) }, c)).toBe(true);
    expect(afterCursor({ lastAt: at, conversationId: 'a'.repeat(24) }, c)).toBe(true);
    expect(afterCursor({ lastAt: at, conversationId: 'b'.repeat(24) }, c)).toBe(false);
    expect(afterCursor({ lastAt: new Date(1_001), conversationId: 'a'.repeat(24) }, c)).toBe(false);
  });

  it('ranks a filter’s conversations by their latest activity, as the walk lists them', () => {
    const id = (ch: string) => ch.repeat(24);
    const scores = new Map([
      [id('a'), 5_000],
      [id('b'), 9_000],
      [id('c'), 5_000],
      [id('d'), 1_000],
      [id('e'), 7_000],
    ]);
    const ids = (rows: { conversationId: string }[]) => rows.map((r) => r.conversationId[0]).join('');
    // Newest first; equal times in descending id order.
    expect(ids(rankByLatest(scores, { except: new Set(), cursor: null }))).toBe('becad');
    // Excluded ones and those whose latest activity is before `from` are not listed.
    expect(ids(rankByLatest(scores, { except: new Set([id('e')]), from: new Date(2_000), cursor: null }))).toBe('bca');
    // After a cursor between the two of equal time: only what the walk would list next.
    expect(ids(rankByLatest(scores, { except: new Set(), cursor: { at: new Date(5_000), id: id('c') } }))).toBe('ad');
    expect(rankByLatest(scores, { except: new Set(), cursor: null })[0]!.lastAt).toEqual(new Date(9_000));
  });
});

describe('会话记录 row summaries: when a stored summary still holds', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, s));
  const summary = (over: Partial<StoredSummary<TranscriptRow>> = {}): StoredSummary<TranscriptRow> => ({
    _id: 'c1',
    computedAt: t(30),
    touchedAt: null,
    version: 2,
    lastAt: t(10),
    unsettled: false,
    row: {
      customerId: 'C1',
      customer: null,
      messageCount: 3,
      escalations: [],
      strongestEmotion: null,
      review: null,
      quality: null,
    },
    ...over,
  });
  const conversation = { version: 2, customerId: 'C1', updatedAt: t(0) };

  it('holds while nothing it was computed from changed', () => {
    expect(freshIn(summary(), conversation, t(10))).toBe(true);
  });

  it('does not hold after a transition, a later message, a review or score, or a client message the bot had not read', () => {
    expect(freshIn(undefined, conversation, t(10))).toBe(false);
    expect(freshIn(summary(), { ...conversation, version: 3 }, t(10))).toBe(false);
    expect(freshIn(summary(), conversation, t(11))).toBe(false);
    expect(freshIn(summary({ touchedAt: t(31) }), conversation, t(10))).toBe(false);
    expect(freshIn(summary({ touchedAt: t(29) }), conversation, t(10))).toBe(true);
    expect(freshIn(summary({ unsettled: true }), conversation, t(10))).toBe(false);
    expect(freshIn(summary(), { ...conversation, customerId: 'C2' }, t(10))).toBe(false);
  });

  it('is not trusted when computed right after the conversation changed (a handoff written just after its transition)', () => {
    expect(freshIn(summary({ computedAt: t(2) }), conversation, t(1))).toBe(false);
    expect(freshIn(summary({ computedAt: t(6) }), conversation, t(1))).toBe(true);
  });

  it('holds without the conversation when the index’s latest activity (which counts its changes) is not later', () => {
    const kept = summary({ row: { ...summary().row, channel: 'app', branchId: 'SH01', state: 'closed' } });
    expect(freshIn(kept, null, t(10))).toBe(true);
    // A transition after it is a later activity in the index.
    expect(freshIn(kept, null, t(12))).toBe(false);
    expect(freshIn({ ...kept, unsettled: true }, null, t(10))).toBe(false);
    expect(freshIn({ ...kept, touchedAt: t(31) }, null, t(10))).toBe(false);
    // Stored before summaries kept the conversation's own fields: recomputed.
    expect(freshIn(summary(), null, t(10))).toBe(false);
  });
});

describe('会话记录 row summaries: a row from the stored data', () => {
  it('counts every message and keeps the strongest negative emotion of the client, marking an unread client message', () => {
    const at = new Date('2026-03-01T01:00:00Z');
    const s = summaryOf(
      {
        conversation: { _id: 'c1', version: 1, customerId: null } as never,
        handoffs: [],
        reviews: [],
        scores: [],
        customer: undefined,
        advisorNames: new Map(),
        messages: [
          {
            conversationId: 'c1',
            direction: 'in',
            status: 'handled',
            createdAt: at,
            meta: { understanding: { emotion: 'anxious', intensity: 0.4 } },
          },
          {
            conversationId: 'c1',
            direction: 'in',
            status: 'handled',
            createdAt: at,
            meta: { understanding: { emotion: 'angry', intensity: 0.7 } },
          },
          { conversationId: 'c1', direction: 'out', status: 'sent', createdAt: new Date(+at + 1_000) },
          { conversationId: 'c1', direction: 'in', status: 'received', createdAt: new Date(+at + 2_000) },
        ],
      },
      new Date(+at + 3_000),
    );
    expect(s).toMatchObject({ version: 1, lastAt: new Date(+at + 2_000), unsettled: true });
    expect(s.row).toMatchObject({ messageCount: 4, strongestEmotion: { emotion: 'angry', intensity: 0.7 } });
    // Long unread (the bot never handled it): what is stored is final.
    expect(
      summaryOf(
        {
          conversation: { _id: 'c1', version: 1 } as never,
          handoffs: [],
          reviews: [],
          scores: [],
          customer: undefined,
          advisorNames: new Map(),
          messages: [{ conversationId: 'c1', direction: 'in', status: 'received', createdAt: at }],
        },
        new Date(+at + 3_600_000),
      ).unsettled,
    ).toBe(false);
    // The conversation's last change counts as activity; right after one, the row is not final.
    const changed = (updatedAt: Date, computedAt: Date) =>
      summaryOf(
        {
          conversation: { _id: 'c1', version: 2, channel: 'app', state: 'closed', branchId: 'SH01', updatedAt } as never,
          handoffs: [],
          reviews: [],
          scores: [],
          customer: undefined,
          advisorNames: new Map(),
          messages: [{ conversationId: 'c1', direction: 'in', status: 'handled', createdAt: at }],
        },
        computedAt,
      );
    const closed = changed(new Date(+at + 60_000), new Date(+at + 62_000));
    expect(closed).toMatchObject({ lastAt: new Date(+at + 60_000), unsettled: true });
    expect(closed.row).toMatchObject({ channel: 'app', state: 'closed', branchId: 'SH01' });
    expect(changed(new Date(+at + 60_000), new Date(+at + 70_000)).unsettled).toBe(false);
  });
});

describe('会话记录 index: moving a day record that goes on', () => {
  const rec = (id: string, first: number, last: number): ActivityRecord => ({
    _id: id,
    conversationId: id,
    day: '2026-12-04',
    scopeDay: 'b1:2026-12-04',
    branchId: 'b1',
    channel: 'app',
    firstAt: new Date(first),
    lastAt: new Date(last),
  });

  it('moves a record at once, then at most once per interval, keeping its latest time', () => {
    const moves = new ActivityMoves(10_000);
    expect(moves.offer([rec('a', 100, 200)], 0).map((r) => +r.lastAt)).toEqual([200]);
    // Three more messages within the interval: nothing written, the latest one waits.
    expect(moves.offer([rec('a', 100, 300)], 1_000)).toEqual([]);
    expect(moves.offer([rec('a', 50, 500)], 2_000)).toEqual([]);
    expect(moves.offer([rec('a', 100, 400)], 3_000)).toEqual([]);
    expect(moves.takeDue(9_999)).toEqual([]);
    const due = moves.takeDue(10_000);
    expect(due.map((r) => [+r.firstAt, +r.lastAt])).toEqual([[50, 500]]);
    expect(moves.waiting).toBe(0);
  });

  it('keeps conversations apart, and gives every waiting move up when the worker stops', () => {
    const moves = new ActivityMoves(10_000);
    moves.offer([rec('a', 1, 1), rec('b', 1, 1)], 0);
    expect(moves.offer([rec('a', 1, 2), rec('b', 1, 3), rec('c', 1, 4)], 500).map((r) => r._id)).toEqual(['c']);
    expect(
      moves
        .takeAll()
        .map((r) => [r._id, +r.lastAt])
        .sort(),
    ).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
  });

  it('moves a record at once again after a quiet interval', () => {
    const moves = new ActivityMoves(10_000);
    moves.offer([rec('a', 1, 1)], 0);
    expect(moves.takeDue(20_000)).toEqual([]);
    expect(moves.offer([rec('a', 1, 30_000)], 30_000).map((r) => +r.lastAt)).toEqual([30_000]);
  });
});
