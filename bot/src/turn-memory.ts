import type { StatePropertyAccessor, TurnContext } from 'botbuilder-core';
import type { DialogState } from 'botbuilder-dialogs';
import type { Db } from '@brokerbot/shared';

/** What the bot remembers about a conversation between turns (see BotMemory in shared models). */
export interface TurnMemory {
  trend: unknown;
  /** Fallback answers in a row. */
  misses: number;
  /** The last clarifying menu: a reply of "1"/"2"… or the option's text picks it. */
  menu: { id: string; label: string }[];
  dialog: DialogState | null;
}

export async function loadMemory(db: Db, conversationId: string): Promise<TurnMemory> {
  const doc = await db.BotMemory.findById(conversationId).lean();
  return {
    trend: doc?.trend ?? null,
    misses: doc?.misses ?? 0,
    menu: (doc?.menu ?? []).map((m) => ({ id: String(m.id), label: String(m.label) })),
    dialog: (doc?.dialog as DialogState | null) ?? null,
  };
}

/** One writer per conversation (the bot's turn), so a plain upsert is safe here. */
export async function saveMemory(db: Db, conversationId: string, memory: TurnMemory): Promise<void> {
  await db.BotMemory.replaceOne({ _id: conversationId }, { _id: conversationId, ...memory }, { upsert: true });
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
