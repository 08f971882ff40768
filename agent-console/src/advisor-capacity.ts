import { randomUUID } from 'node:crypto';
import { UserError, type Services } from '@brokerbot/shared';

const LOCK_TTL_MS = 10_000;
const LOCK_WAIT_MS = 8_000;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs `task` while holding the advisor's capacity lock (Redis, shared by every process), so
 * that two chats taken by the same advisor at once (two accepts, an accept and a transfer to
 * them) cannot both pass the capacity check. Conversation ownership itself is decided by the
 * transition log's unique insert; this lock only orders one advisor's own intake.
 */
export async function withAdvisorIntake<T>(
  deps: Pick<Services, 'redis' | 'config'>,
  advisorId: string,
  task: () => Promise<T>,
): Promise<T> {
  const key = `${deps.config.QUEUE_PREFIX}:advisor-intake:${advisorId}`;
  const token = randomUUID();
  const deadline = Date.now() + LOCK_WAIT_MS;
  while ((await deps.redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
    if (Date.now() > deadline) throw new UserError('busy', '系统繁忙，请稍后重试');
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
  try {
    return await task();
  } finally {
    await deps.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
  }
}

/** Chats the advisor serves now (the database is the record; see Conversation.advisorId). */
export async function activeChatCount(deps: Pick<Services, 'db'>, advisorId: string): Promise<number> {
  return deps.db.Conversation.countDocuments({ state: 'human', advisorId });
}

/** How many chats the advisor may serve at once. */
export function capacityOf(
  advisor: { maxChats?: number | null } | null,
  config: Pick<Services['config'], 'MAX_CHATS_PER_ADVISOR'>,
): number {
  return advisor?.maxChats ?? config.MAX_CHATS_PER_ADVISOR;
}
