import { backfillTranscriptIndex, ActivitySets } from '@brokerbot/agent-console';
import { businessDayStart } from '@brokerbot/shared';
import { Types } from 'mongoose';
import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent, useTestSystem } from '../support/test-system';

type Page = {
  ok: boolean;
  items: { conversationId: string; branchId: string | null; lastMessageAt: string }[];
  next: string | null;
  terms?: string[];
  error?: string;
  message?: string;
};

/** 会话记录 search from the index: keywords, branch scope, paging across days, one row per conversation. */
describe('transcript search by keyword and across days', () => {
  const ctx = useTestSystem();
  let head: Socket; // head-office supervisor (every branch)
  let shenzhen: Socket; // a supervisor of SZ01 only
  let liquidationId: string;
  let closeAccountId: string;

  const search = (filters: Record<string, unknown>, socket = head) => emitAck<Page>(socket, 'transcripts:search', filters);
  const activitySets = () => new ActivitySets(ctx.sys.services.redis, ctx.sys.config.QUEUE_PREFIX);
  const idsOf = (p: Page) => p.items.map((i) => i.conversationId);

  async function clientSays(customerId: string, branchId: string, text: string): Promise<string> {
    const client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, customerId, branchId) }));
    const reply = nextEvent<{ from: string }>(client, 'message', (m) => m.from === 'bot' || m.from === 'system', 20_000);
    await emitAck(client, 'message', { clientMessageId: `${customerId}-1`, text });
    await reply;
    return (await ctx.sys.services.db.Conversation.findOne({ customerId }).lean())!._id.toString();
  }

  beforeAll(async () => {
    const { db } = ctx.sys.services;
    head = ctx.track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }));
    const zhao = (await db.Advisor.findOne({ username: 'zhao.lei' }).lean())!;
    await db.Advisor.create({
      ...zhao,
      _id: undefined,
      username: 'sun.sz',
      displayName: '孙督导',
      branchId: 'SZ01',
      allBranches: false,
    });
    shenzhen = ctx.track(await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'sun.sz')).token }));
    // Said live, through the message path and the index worker.
    liquidationId = await clientSays('C1003', 'SH01', '我的两融账户快被强平了，维持担保比例是多少？');
    closeAccountId = await clientSays('C2001', 'SZ01', '我想咨询一下销户要带什么材料');
  }, 60_000);

  it('finds conversations by the words said in them, all words of the query, as soon as they were said', async () => {
    const hit = await search({ keyword: '强平' });
    expect(hit).toMatchObject({ ok: true, next: null, terms: ['强平'] });
    expect(idsOf(hit)).toEqual([liquidationId]);
    expect(idsOf(await search({ keyword: '销户' }))).toEqual([closeAccountId]);
    expect(idsOf(await search({ keyword: '两融 强平' }))).toEqual([liquidationId]);
    // A long word finds the message that said it.
    expect(idsOf(await search({ keyword: '维持担保比例' }))).toEqual([liquidationId]);
    // Every word must occur in the same conversation.
    expect((await search({ keyword: '强平 销户' })).items).toEqual([]);
    expect((await search({ keyword: '涨停板' })).items).toEqual([]);
    // With the other filters: the SZ01 branch has no 强平.
    expect((await search({ keyword: '强平', branchId: 'SZ01' })).items).toEqual([]);
    expect(idsOf(await search({ keyword: '强平', reviewed: false }))).toEqual([liquidationId]);
    expect((await search({ keyword: '强平', reviewed: true })).items).toEqual([]);

    const empty = await search({ keyword: '的 了' });
    expect(empty).toMatchObject({ ok: false, error: 'bad_keyword' });
    expect(empty.message).toContain('关键词');
  });

  it('never shows a branch supervisor another branch’s conversation', async () => {
    expect((await search({ keyword: '强平' }, shenzhen)).items).toEqual([]);
    expect(idsOf(await search({ keyword: '销户' }, shenzhen))).toEqual([closeAccountId]);
    const all = await search({}, shenzhen);
    expect(all.items.length).toBeGreaterThan(0);
    expect(all.items.every((i) => i.branchId === 'SZ01')).toBe(true);
    expect(idsOf(all)).not.toContain(liquidationId);
    expect(await search({ branchId: 'SH01' }, shenzhen)).toMatchObject({ ok: false, error: 'not_visible' });
  });

  it('pages across days newest first and lists a conversation active on several days once, at its latest activity', async () => {
    const { db } = ctx.sys.services;
    // Stored before the index existed (as an import would): 36 conversations over 12 days in SH01 and SZ01.
    const base = businessDayStart('2025-06-01');
    const HOUR = 3_600_000;
    const conversations: Record<string, unknown>[] = [];
    const messages: Record<string, unknown>[] = [];
    const latest = new Map<string, number>();
    const add = (cid: string, seq: number, at: number, text: string) => {
      messages.push({
        conversationId: cid,
        seq,
        channel: 'wecom',
        channelMessageId: `old-${cid}-${seq}`,
        direction: 'in',
        author: { kind: 'client', id: `wm-${cid}`, name: null },
        text,
        status: 'handled',
        createdAt: new Date(at),
        updatedAt: new Date(at),
      });
      latest.set(cid, Math.max(latest.get(cid) ?? 0, at));
    };
    for (let i = 0; i < 36; i++) {
      const cid = new Types.ObjectId().toString();
      conversations.push({
        _id: cid,
        channel: 'wecom',
        externalUserId: `wm-${cid}`,
        branchId: i % 2 ? 'SZ01' : 'SH01',
        state: 'bot',
      });
      const day = i % 12;
      add(cid, 1, base + day * 24 * HOUR + (2 + (i % 5)) * HOUR, i === 5 ? '融券卖出怎么还' : '开户要多久');
    }
    // Conversation 0 (day 0) comes back on days 4 and 9: listed once, at day 9.
    const returning = String(conversations[0]!._id);
    add(returning, 2, base + 4 * 24 * HOUR + 20 * HOUR, '还是开户的问题');
    add(returning, 3, base + 9 * 24 * HOUR + 23 * HOUR, '开户好了');
    await db.Conversation.insertMany(conversations);
    await db.Message.insertMany(messages);
    // As `npm run transcripts:backfill` does: Redis's activity sets learn the backfilled days.
    await backfillTranscriptIndex(db, activitySets());

    const range = { from: new Date(base).toISOString(), to: new Date(base + 13 * 24 * HOUR).toISOString() };
    const first = await search(range);
    expect(first.ok).toBe(true);
    expect(first.items).toHaveLength(30);
    expect(first.next).not.toBeNull();
    const second = await search({ ...range, before: first.next });
    expect(second.next).toBeNull();
    const listed = [...first.items, ...second.items];
    expect(listed).toHaveLength(36);
    expect(new Set(listed.map((i) => i.conversationId)).size).toBe(36);
    const times = listed.map((i) => Date.parse(i.lastMessageAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times).toEqual(listed.map((i) => latest.get(i.conversationId)));
    expect(listed.find((i) => i.conversationId === returning)!.lastMessageAt).toBe(
      new Date(base + 9 * 24 * HOUR + 23 * HOUR).toISOString(),
    );

    // One branch, paged the same way: only its own conversations, each once.
    const sz = await search({ ...range, branchId: 'SZ01' });
    expect(sz.items).toHaveLength(18);
    expect(sz.items.every((i) => i.branchId === 'SZ01')).toBe(true);
    // A keyword among the old ones (indexed by the backfill).
    expect(idsOf(await search({ ...range, keyword: '融券' }))).toEqual([String(conversations[5]!._id)]);
    // Without a range, the live conversations come first and the old ones follow on later pages.
    let page = await search({});
    const everything = [...page.items];
    while (page.next) everything.push(...(page = await search({ before: page.next })).items);
    const ids = everything.map((i) => i.conversationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 2).sort()).toEqual([liquidationId, closeAccountId].sort());
    expect(ids).toEqual(expect.arrayContaining(listed.map((i) => i.conversationId)));
  });

  it('lists the same after Redis lost its activity sets, and again once the index worker rebuilt them', async () => {
    const { redis } = ctx.sys.services;
    const latest = activitySets();
    /** Every page of a search, in order. */
    const everything = async (filters: Record<string, unknown>) => {
      let page = await search(filters);
      expect(page.ok).toBe(true);
      const ids = idsOf(page);
      while (page.next) ids.push(...idsOf((page = await search({ ...filters, before: page.next }))));
      return ids;
    };
    const queries = [
      {},
      { branchId: 'SZ01' },
      { keyword: '开户' },
      { keyword: '强平' },
      { reviewed: false },
      { escalated: true },
      { escalated: false },
      // A range that ends before now: the walk over days (Redis's day sets, or the day records).
      ...[{}, { branchId: 'SZ01' }, { keyword: '开户' }].map((f) => ({
        ...f,
        from: new Date(businessDayStart('2025-06-01')).toISOString(),
        to: new Date(businessDayStart('2025-06-13') - 1).toISOString(),
      })),
      // …and one that ends mid-day (that day's first message times decide).
      {
        from: new Date(businessDayStart('2025-06-01')).toISOString(),
        to: new Date(businessDayStart('2025-06-04') + 4.5 * 3_600_000).toISOString(),
      },
    ];
    const listAll = async () => {
      const out: string[][] = [];
      for (const q of queries) out.push(await everything(q));
      return out;
    };
    expect(await latest.isReady()).toBe(true);
    const fromSets = await listAll();
    expect(fromSets[0]!.length).toBeGreaterThanOrEqual(38); // the 36 old conversations and the 2 live ones
    expect(fromSets[2]!.length).toBeGreaterThan(30);
    // The client facing a forced liquidation was handed to a person; the others were not.
    expect(fromSets[5]).toEqual([liquidationId]);
    expect(fromSets[6]).not.toContain(liquidationId);
    expect(fromSets[6]!.length).toBe(fromSets[0]!.length - 1);
    expect(fromSets[7]).toHaveLength(36);
    expect(fromSets[8]).toHaveLength(18);
    // Days 1–3 (three conversations each) and two of the fourth day's three, which began by 04:30.
    expect(fromSets[10]).toHaveLength(11);

    // Redis restarted without its data: the sets and their mark are gone; search walks the day records.
    const prefix = ctx.sys.config.QUEUE_PREFIX;
    const keys = await redis.keys(`${prefix}:tindex:*`); // not the stream itself (`<prefix>:tindex`)
    expect(keys.length).toBeGreaterThan(2);
    await redis.del(...keys);
    expect(await listAll()).toEqual(fromSets);

    // The index worker notices within seconds and rebuilds them from the day records.
    const deadline = Date.now() + 20_000;
    while (!(await latest.isReady()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await latest.isReady()).toBe(true);
    expect(await redis.zcard(`${prefix}:tindex:latest`)).toBe(fromSets[0]!.length);
    expect(await redis.smembers(`${prefix}:tindex:escalated`)).toEqual([liquidationId]);
    expect(await listAll()).toEqual(fromSets);
  }, 60_000);

  it('finds a word in a conversation that said it after the word was searched (and its list kept in Redis)', async () => {
    const { redis } = ctx.sys.services;
    const prefix = ctx.sys.config.QUEUE_PREFIX;
    const before = idsOf(await search({ keyword: '强平' }));
    expect(before).toEqual([liquidationId]);
    // The list is kept for the sets' current build.
    expect(await redis.get(`${prefix}:tindex:termok:强平`)).toBe(await redis.get(`${prefix}:tindex:ready`));
    const later = await clientSays('C1005', 'SZ01', '账户被强平了，亏损谁来负责');
    expect(idsOf(await search({ keyword: '强平' }))).toEqual([later, liquidationId]);
    expect((await redis.smembers(`${prefix}:tindex:term:强平`)).sort()).toEqual([later, liquidationId].sort());
    expect(idsOf(await search({ keyword: '强平', branchId: 'SZ01' }))).toEqual([later]);
  }, 60_000);
});
