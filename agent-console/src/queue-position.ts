import {
  notifyQueuePosition,
  raisesOf,
  sendToClient,
  withRaises,
  type ConversationDoc,
  type HandoffDoc,
  type Services,
} from '@brokerbot/shared';

/*
 * A waiting client is told their place in the queue and the expected wait: a short Chinese
 * message through the normal outbound path (so every channel gets it), sent when the place
 * first becomes known and then only when it improves, at most every QUEUE_UPDATE_MIN_S; and a
 * typed `queue` event on /client whenever it changes (the app shows it live).
 */

export interface QueuedChat {
  handoffId: string;
  branchId: string | null;
  priority: number;
  createdAt: number;
}

/** Clients ahead of each waiting chat: same branch, more urgent or (as urgent) earlier. */
export function placesInQueue(queue: readonly QueuedChat[]): Map<string, number> {
  const byBranch = new Map<string, QueuedChat[]>();
  for (const q of queue) byBranch.set(q.branchId ?? '', [...(byBranch.get(q.branchId ?? '') ?? []), q]);
  const ahead = new Map<string, number>();
  for (const line of byBranch.values()) {
    line.sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt || a.handoffId.localeCompare(b.handoffId));
    line.forEach((q, i) => ahead.set(q.handoffId, i));
  }
  return ahead;
}

/** Typical seconds per place in line: the median wait of recently taken chats, within sane bounds (60 s without history). */
export function secondsPerPlace(recentWaitsS: readonly number[]): number {
  if (recentWaitsS.length === 0) return 60;
  const sorted = [...recentWaitsS].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return Math.min(600, Math.max(20, median));
}

export function expectedWaitS(ahead: number, perPlaceS: number): number {
  return Math.round((ahead + 1) * perPlaceS);
}

export interface ToldPlace {
  ahead: number;
  at: number;
}

/**
 * Whether to message the client now: first news of a place with someone ahead; afterwards only
 * an improved place, and not sooner than `minIntervalS` after the last message.
 */
export function shouldTellClient(last: ToldPlace | null, ahead: number, now: number, minIntervalS: number): boolean {
  if (!last) return ahead > 0;
  return ahead < last.ahead && now - last.at >= minIntervalS * 1000;
}

/** The message, in Chinese. */
export function queueMessage(ahead: number, waitS: number): string {
  if (ahead === 0) return '您已排在第一位，顾问接入后会马上为您服务，请稍候。';
  const minutes = Math.max(1, Math.round(waitS / 60));
  return `您前面还有 ${ahead} 位客户在等待，预计等待约 ${minutes} 分钟，请稍候。`;
}

type Deps = Pick<Services, 'db' | 'seq' | 'queues' | 'emitter' | 'redis' | 'config' | 'logger'>;

const SWEEP_LOCK_MS = 2_500;

/**
 * One pass over the waiting chats (one router at a time: a Redis lock): computes each place and
 * tells clients per the rules above. Returns how many messages were sent.
 */
export async function tellQueuePositions(deps: Deps, now = Date.now()): Promise<number> {
  const prefix = deps.config.QUEUE_PREFIX;
  if ((await deps.redis.set(`${prefix}:queue-position:lock`, '1', 'PX', SWEEP_LOCK_MS, 'NX')) !== 'OK') return 0;
  // Call-backs taken after hours wait for the opening, not in this line.
  const waiting = ((await deps.db.Handoff.find({ status: 'queued' }).limit(1000).lean()) as HandoffDoc[]).filter(
    (h) => !h.afterHours,
  );
  if (waiting.length === 0) return 0;
  const raises = await raisesOf(
    deps.db,
    waiting.map((h) => h._id.toString()),
  );
  const queue = waiting.map((h) => {
    const raised = withRaises(h, raises.get(h._id.toString()));
    return {
      handoffId: h._id.toString(),
      branchId: h.branchId ?? null,
      priority: raised.priority,
      createdAt: new Date(h.createdAt).getTime(),
    };
  });
  const places = placesInQueue(queue);
  const perPlace = secondsPerPlace(await recentWaits(deps));
  let sent = 0;
  for (const h of waiting) {
    const handoffId = h._id.toString();
    const ahead = places.get(handoffId) ?? 0;
    const key = `${prefix}:queue-position:${handoffId}`;
    const raw = await deps.redis.get(key);
    const seen = raw ? (JSON.parse(raw) as SeenPlace) : null;
    const last = seen?.told ? { ahead: seen.ahead, at: seen.at } : null;
    const waitS = expectedWaitS(ahead, perPlace);
    if (seen?.shown !== ahead)
      notifyQueuePosition(deps.emitter, { conversationId: h.conversationId, position: ahead, expectedWaitS: waitS });
    let tell = shouldTellClient(last, ahead, now, deps.config.QUEUE_UPDATE_MIN_S);
    if (tell) {
      const conversation = (await deps.db.Conversation.findById(h.conversationId).lean()) as ConversationDoc | null;
      if (!conversation || conversation.state !== 'queued' || conversation.handoffId !== handoffId) continue;
      // WeCom and the mini-program allow 5 messages until the client writes: keep them for the advisor.
      tell = conversation.channel === 'app' || (seen?.sent ?? 0) < MAX_QUEUE_MESSAGES_OFF_APP;
      if (tell) {
        await sendToClient(deps, conversation, {
          // One message per place: a second router pass (or a retry) sends nothing twice.
          id: `q${handoffId}_${ahead}`,
          author: { kind: 'system' },
          text: queueMessage(ahead, waitS),
        });
        sent += 1;
      }
    }
    const next: SeenPlace = tell
      ? { ahead, at: now, told: true, shown: ahead, sent: (seen?.sent ?? 0) + 1 }
      : { ...(seen ?? { ahead, at: now, told: false, sent: 0 }), shown: ahead };
    await deps.redis.set(key, JSON.stringify(next), 'EX', 24 * 3600);
  }
  return sent;
}

/** The last place told to the client (`told`) and the last place shown in the app (`shown`). */
interface SeenPlace extends ToldPlace {
  told: boolean;
  shown: number;
  /** Messages sent about the place so far. */
  sent?: number;
}

/** Queue messages per waiting chat on WeCom and the mini-program (their send budget is 5 until the client writes). */
const MAX_QUEUE_MESSAGES_OFF_APP = 2;

const RECENT_WAITS = 50;
const waitsKey = (prefix: string) => `${prefix}:queue-waits`;

/** Records how long a chat waited before someone took it (for the expected wait). */
export async function recordQueueWait(deps: Pick<Services, 'redis' | 'config'>, waitedS: number): Promise<void> {
  const key = waitsKey(deps.config.QUEUE_PREFIX);
  await deps.redis
    .multi()
    .lpush(key, String(Math.max(0, Math.round(waitedS))))
    .ltrim(key, 0, RECENT_WAITS - 1)
    .expire(key, 3600)
    .exec();
}

/** Seconds the latest taken chats waited (the last hour's, up to 50). */
async function recentWaits(deps: Pick<Services, 'redis' | 'config'>): Promise<number[]> {
  return (await deps.redis.lrange(waitsKey(deps.config.QUEUE_PREFIX), 0, RECENT_WAITS - 1))
    .map(Number)
    .filter((n) => Number.isFinite(n));
}
