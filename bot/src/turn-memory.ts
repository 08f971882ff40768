import type { StatePropertyAccessor, TurnContext } from 'botbuilder-core';
import type { DialogState } from 'botbuilder-dialogs';
import { EmotionTrend } from '@brokerbot/flows';
import type { Services } from '@brokerbot/shared';

/** What the bot remembers about a conversation between turns (kept in Redis by MemoryStore). */
export interface TurnMemory {
  trend: unknown;
  /** The trend as it was before the message the latest turn read (see trendForMessage). */
  trendBefore: { messageId: string; trend: unknown } | null;
  /** Fallback answers in a row. */
  misses: number;
  /** The last clarifying menu: a reply of "1"/"2"… or the option's text picks it. */
  menu: { id: string; label: string }[];
  dialog: DialogState | null;
}

/**
 * The emotion trend a turn for `messageId` starts from, noting it in `memory`: the stored trend,
 * or — when the turn runs again for the message the latest turn read (a retry after a crash that
 * came after the memory was saved) — the trend from before that message, so that one message
 * counts once in the trend however often its turn runs. The caller analyses the message with
 * the returned trend and stores it back as `memory.trend`.
 */
export function trendForMessage(memory: TurnMemory, messageId: string): EmotionTrend {
  const start = memory.trendBefore?.messageId === messageId ? memory.trendBefore.trend : memory.trend;
  memory.trendBefore = { messageId, trend: start };
  return EmotionTrend.fromJSON(start);
}

/** A conversation's memory is forgotten after this long without a turn. */
const MEMORY_TTL_S = 7 * 24 * 3600;

/**
 * The bot's working memory lives in Redis: it is read and written on every turn, and only the
 * bot's turn uses it (one writer per conversation, as turns are serialised). It is not a record:
 * if Redis loses it, the next turn starts with a fresh trend, no pending menu and no open flow
 * (the client is asked again), and nothing stored is lost.
 */
export class MemoryStore {
  constructor(
    private readonly redis: Services['redis'],
    private readonly prefix: string,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:memory:${conversationId}`;
  }

  async load(conversationId: string): Promise<TurnMemory> {
    const raw = await this.redis.get(this.key(conversationId));
    const doc = raw ? (JSON.parse(raw) as Partial<TurnMemory>) : {};
    return {
      trend: doc.trend ?? null,
      trendBefore: doc.trendBefore ?? null,
      misses: doc.misses ?? 0,
      menu: (doc.menu ?? []).map((m) => ({ id: String(m.id), label: String(m.label) })),
      dialog: doc.dialog ?? null,
    };
  }

  async save(conversationId: string, memory: TurnMemory): Promise<void> {
    await this.redis.set(this.key(conversationId), JSON.stringify(memory), 'EX', MEMORY_TTL_S);
  }
}

/** botbuilder-dialogs keeps its stack through this accessor; we keep it in TurnMemory. */
export class MemoryDialogState implements StatePropertyAccessor<DialogState> {
  constructor(private readonly memory: TurnMemory) {}

  async get(_context: TurnContext, defaultValue?: DialogState): Promise<DialogState> {
    if (!this.memory.dialog) this.memory.dialog = defaultValue ?? { dialogStack: [] };
    return this.memory.dialog;
  }

  async set(_context: TurnContext, value: DialogState): Promise<void> {
    this.memory.dialog = value;
  }

  async delete(): Promise<void> {
    this.memory.dialog = null;
  }
}
