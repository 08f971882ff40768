import { z } from 'zod';
import {
  isDuplicateKey,
  notifyChatNote,
  UserError,
  visibleBranchFilter,
  type ConversationDoc,
  type ConversationNoteDoc,
  type NoteMessage,
  type Services,
} from '@brokerbot/shared';
import type { AdvisorClaims } from './advisor-token';

/*
 * Internal notes (内部备注) on a chat: for the advisors and supervisors on it, never sent to the
 * client. Stored apart from the messages (the client's history, the channels' senders and the
 * bot read those), so no path can deliver a note.
 */

type Deps = Pick<Services, 'db' | 'emitter'>;

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'invalid id');

export const noteRequests = {
  add: z.object({
    conversationId: objectId,
    clientMessageId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/),
    text: z
      .string()
      .transform((s) => s.trim())
      .pipe(z.string().min(1, '备注不能为空').max(1000, '备注不能超过 1000 字')),
  }),
  list: z.object({ conversationId: objectId }),
};

export function toNoteMessage(note: ConversationNoteDoc): NoteMessage {
  return {
    kind: 'note',
    id: `n${note._id.toString()}`,
    conversationId: note.conversationId,
    from: note.authorRole === 'supervisor' ? 'supervisor' : 'advisor',
    authorName: note.authorName ?? null,
    text: note.text,
    afterSeq: note.afterSeq ?? 0,
    createdAt: new Date(note.at).toISOString(),
  };
}

/**
 * The chat a note may be written on: an advisor's own chat in progress; for a supervisor, any
 * conversation of the branches they see (e.g. one they watch).
 */
async function noteTarget(deps: Deps, user: AdvisorClaims, conversationId: string): Promise<ConversationDoc> {
  const filter =
    user.role === 'supervisor'
      ? { _id: conversationId, ...visibleBranchFilter(user) }
      : { _id: conversationId, state: 'human', advisorId: user.sub };
  const conversation = (await deps.db.Conversation.findOne(filter).lean()) as ConversationDoc | null;
  if (!conversation) throw new UserError('not_owner', '您没有接入这个会话，或会话已结束');
  return conversation;
}

/**
 * Stores a note once per (author, clientMessageId) — a resent note answers the stored one and is
 * not announced again — and shows it to the chat's advisor room as `chat:message` kind 'note'.
 */
export async function addNote(deps: Deps, user: AdvisorClaims, input: z.infer<typeof noteRequests.add>): Promise<NoteMessage> {
  await noteTarget(deps, user, input.conversationId);
  const key = `${user.sub}:${input.clientMessageId}`;
  const last = await deps.db.Message.findOne({ conversationId: input.conversationId }, { seq: 1 }).sort({ seq: -1 }).lean();
  try {
    const created = await deps.db.ConversationNote.create({
      conversationId: input.conversationId,
      key,
      authorId: user.sub,
      authorName: user.name,
      authorRole: user.role,
      text: input.text,
      afterSeq: last?.seq ?? 0,
      at: new Date(),
    });
    const note = toNoteMessage(created.toObject() as ConversationNoteDoc);
    notifyChatNote(deps.emitter, note);
    return note;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const stored = (await deps.db.ConversationNote.findOne({ key }).lean()) as ConversationNoteDoc | null;
    if (!stored || stored.conversationId !== input.conversationId) throw new UserError('invalid_request', '备注编号已被使用');
    return toNoteMessage(stored);
  }
}

/** A conversation's notes, oldest first, for anyone who may see its branch. */
export async function listNotes(deps: Pick<Services, 'db'>, user: AdvisorClaims, conversationId: string): Promise<NoteMessage[]> {
  const visible = await deps.db.Conversation.exists({ _id: conversationId, ...visibleBranchFilter(user) });
  if (!visible) throw new UserError('not_visible', '您无权查看这个会话');
  return notesOf(deps.db, conversationId);
}

/** Every note of a conversation, oldest first (transcripts, chat views). */
export async function notesOf(db: Services['db'], conversationId: string): Promise<NoteMessage[]> {
  const docs = (await db.ConversationNote.find({ conversationId }).sort({ at: 1 }).limit(500).lean()) as ConversationNoteDoc[];
  return docs.map(toNoteMessage);
}
