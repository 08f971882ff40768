import type { Socket } from 'socket.io-client';
import { clientToken, connect, emitAck, loginAdvisor, testEnv, useTestSystem } from '../support/test-system';

/**
 * Capacity and ownership under load: 50 clients escalate at once to a branch of 10 advisors
 * (capacity 5 each) who accept every offer, while some transfer chats they just took (sometimes
 * two transfers at once) and others flip between busy and online. Every chat ends owned by exactly
 * one advisor, no advisor ever held more than their capacity, and every chat was offered.
 */
const BRANCH = 'LD01';
const ADVISORS = 10;
const CLIENTS = 50;
const CAPACITY = 5;

type Offer = { handoffId: string; conversationId: string };
type Ack = { ok: boolean; error?: string };

/** 50 escalations at once on a shared 2-core machine: an acknowledgement may take longer than the usual 10 s. */
const ACK_TIMEOUT_MS = 30_000;

describe('routing under load', () => {
  const ctx = useTestSystem(() =>
    testEnv({
      OFFER_TIMEOUT_S: '2',
      MAX_CHATS_PER_ADVISOR: String(CAPACITY),
      ROUTING_BRANCH_WAIT_S: '0',
      ROUTING_CENTRAL_WAIT_S: '600',
      INBOUND_MAX_BACKLOG: '0',
    }),
  );

  it('keeps one owner per chat and every advisor within capacity while transfers and status changes race', async () => {
    const { db } = ctx.sys.services;
    await db.Branch.updateOne({ _id: BRANCH }, { $set: { name: '压测营业部', city: '上海' } }, { upsert: true });
    // The demo password's hash (demo1234), reused for the load accounts.
    const { passwordHash } = (await db.Advisor.findOne({ username: 'li.qiang' }).lean())!;
    for (let i = 0; i < ADVISORS; i++) {
      await db.Advisor.create({
        username: `load.${i}`,
        displayName: `压测顾问${i}`,
        passwordHash,
        role: 'advisor',
        branchId: BRANCH,
        skills: i % 2 === 0 ? ['两融'] : [],
      });
    }
    for (let i = 0; i < CLIENTS; i++) {
      await db.Customer.create({ _id: `L${1000 + i}`, name: `客户${i}`, tier: 'standard', branchId: BRANCH, phone: null });
    }

    const advisors: { socket: Socket; id: string; index: number }[] = [];
    for (let i = 0; i < ADVISORS; i++) {
      const { token, advisor } = await loginAdvisor(ctx.sys.url, `load.${i}`);
      const socket = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
      advisors.push({ socket, id: advisor.id, index: i });
    }

    const offered = new Set<string>();
    const transfers: Ack[][] = [];
    let transfersLeft = 12;
    let doubleTransfersLeft = 4;
    const pending: Promise<unknown>[] = [];
    for (const a of advisors) {
      a.socket.on('offer', (offer: Offer) => {
        offered.add(offer.conversationId);
        const work = (async () => {
          const res = await emitAck<Ack>(a.socket, 'chat:accept', { handoffId: offer.handoffId });
          if (!res.ok) return;
          // Advisors 0–2 hand on some chats they just took; sometimes two transfers race.
          if (a.index < 3 && transfersLeft > 0) {
            transfersLeft -= 1;
            const send = (note: string) =>
              emitAck<Ack>(a.socket, 'chat:transfer', { conversationId: offer.conversationId, to: { branchId: BRANCH }, note });
            if (doubleTransfersLeft > 0) {
              doubleTransfersLeft -= 1;
              transfers.push(await Promise.all([send('并发转接甲'), send('并发转接乙')]));
            } else transfers.push([await send('转给同事')]);
          }
        })().catch(() => undefined);
        pending.push(work);
      });
    }

    // Advisors 8 and 9 flip between busy and online while the chats pour in.
    let flipping = true;
    const flips = advisors.slice(8).map(async (a) => {
      let busy = false;
      while (flipping) {
        busy = !busy;
        await emitAck(a.socket, 'advisor:status', { status: busy ? 'busy' : 'online' }, ACK_TIMEOUT_MS);
        await new Promise((r) => setTimeout(r, 150));
      }
      await emitAck(a.socket, 'advisor:status', { status: 'online' }, ACK_TIMEOUT_MS);
    });

    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async (_v, i) => {
        const s = ctx.track(
          await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, `L${1000 + i}`, BRANCH) }),
        );
        return s;
      }),
    );
    await Promise.all(
      clients.map((s, i) => emitAck(s, 'message', { clientMessageId: `load-${i}`, text: '转人工' }, ACK_TIMEOUT_MS)),
    );
    setTimeout(() => (flipping = false), 5_000);

    // Wait until every chat is owned (or give up after 150 s).
    const conversations = async () => db.Conversation.find({ externalUserId: { $regex: /^L1/ } }).lean();
    const deadline = Date.now() + 150_000;
    let all = await conversations();
    while (Date.now() < deadline && (all.length < CLIENTS || all.some((c) => c.state !== 'human'))) {
      await new Promise((r) => setTimeout(r, 500));
      all = await conversations();
    }
    flipping = false;
    await Promise.all(flips);
    await Promise.all(pending);

    // Every chat is owned by exactly one advisor of the branch, and was offered.
    expect(all).toHaveLength(CLIENTS);
    expect(all.filter((c) => c.state !== 'human').map((c) => c.externalUserId)).toEqual([]);
    const advisorIds = new Set(advisors.map((a) => a.id));
    for (const c of all) expect(advisorIds.has(c.advisorId ?? '')).toBe(true);
    for (const c of all) expect(offered.has(c._id.toString())).toBe(true);
    const ids = all.map((c) => c._id.toString());
    const handoffs = await db.Handoff.find({ branchId: BRANCH }).lean();
    for (const id of ids) {
      const live = handoffs.filter((h) => h.conversationId === id && (h.status === 'queued' || h.status === 'accepted'));
      expect(live).toHaveLength(1);
      expect(live[0]!.status).toBe('accepted');
    }

    // Of two transfers at once, exactly one went through.
    expect(transfers.length).toBeGreaterThan(0);
    for (const pair of transfers.filter((t) => t.length === 2)) expect(pair.filter((r) => r.ok)).toHaveLength(1);
    expect(await db.Transition.countDocuments({ reason: 'transferred' })).toBeGreaterThan(0);

    // Replaying every state change in order: no advisor ever held more than their capacity, and
    // each conversation's log has one entry per version (never two owners at once).
    const log = await db.Transition.find({ conversationId: { $in: ids } }).lean();
    const byConversation = new Map<string, typeof log>();
    for (const t of log) byConversation.set(t.conversationId, [...(byConversation.get(t.conversationId) ?? []), t]);
    for (const entries of byConversation.values()) {
      const versions = entries.map((t) => t.version).sort((a, b) => a - b);
      expect(versions).toEqual(versions.map((_v, i) => i + 1));
    }
    const owner = new Map<string, string | null>();
    const load = new Map<string, number>();
    let maxLoad = 0;
    for (const t of [...log].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || a.version - b.version)) {
      const previous = owner.get(t.conversationId) ?? null;
      const next = t.to === 'human' ? ((t.set as { advisorId?: string }).advisorId ?? previous) : null;
      if (previous) load.set(previous, (load.get(previous) ?? 0) - 1);
      if (next) load.set(next, (load.get(next) ?? 0) + 1);
      owner.set(t.conversationId, next);
      maxLoad = Math.max(maxLoad, ...load.values());
    }
    expect(maxLoad).toBeLessThanOrEqual(CAPACITY);
    const finalLoads = await db.Conversation.aggregate<{ _id: string; n: number }>([
      { $match: { state: 'human', branchId: BRANCH } },
      { $group: { _id: '$advisorId', n: { $sum: 1 } } },
    ]);
    for (const l of finalLoads) expect(l.n).toBeLessThanOrEqual(CAPACITY);
    for (const s of [...clients, ...advisors.map((a) => a.socket)]) s.disconnect();
  }, 240_000);
});
