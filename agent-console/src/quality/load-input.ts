import {
  insightOf,
  satisfactionByHandoff,
  type ConversationDoc,
  type HandoffDoc,
  type MessageDoc,
  type Services,
} from '@brokerbot/shared';
import type { ScoredMessage, ScoringInput, Speaker } from './scoring-input';

type Db = Services['db'];

/** At most this many messages of one chat are scored (a longer chat is scored on its first ones). */
const MAX_MESSAGES = 2_000;

export interface ChatToScore {
  conversation: ConversationDoc;
  handoff: HandoffDoc;
  input: ScoringInput;
}

/** A rating 1–5 from whatever shape the survey stored (a number, or { score | rating | value }). */
export function ratingOf(value: unknown): number | null {
  const n =
    typeof value === 'number'
      ? value
      : value && typeof value === 'object'
        ? ((value as Record<string, unknown>).score ??
          (value as Record<string, unknown>).rating ??
          (value as Record<string, unknown>).value)
        : null;
  return typeof n === 'number' && Number.isFinite(n) && n >= 1 && n <= 5 ? n : null;
}

const speaker = (m: MessageDoc): Speaker => (m.direction === 'in' ? 'client' : (m.author.kind as Speaker));

/**
 * The chat a closed handoff names, as the rules read it: the conversation's messages after the
 * previous chat of the conversation ended, up to this one's end; the bot's insight on client
 * messages; the wrap-up and the client's rating when they were stored (console features that may
 * be absent). Null when the handoff is unknown or not closed.
 */
export async function loadChat(db: Db, conversationId: string, handoffId: string): Promise<ChatToScore | null> {
  const [conversation, handoffs] = await Promise.all([
    db.Conversation.findById(conversationId).lean() as Promise<ConversationDoc | null>,
    db.Handoff.find({ conversationId }).lean() as Promise<HandoffDoc[]>,
  ]);
  const handoff = handoffs.find((h) => h._id.toString() === handoffId);
  if (!conversation || !handoff || handoff.status !== 'closed' || !handoff.closedAt) return null;
  const closedAt = new Date(handoff.closedAt);
  const previousEnd = handoffs
    .filter((h) => h._id.toString() !== handoffId && h.closedAt && new Date(h.closedAt) < new Date(handoff.createdAt))
    .reduce<Date | null>((latest, h) => (!latest || new Date(h.closedAt!) > latest ? new Date(h.closedAt!) : latest), null);
  const stored = (await db.Message.find({
    conversationId,
    createdAt: { ...(previousEnd ? { $gt: previousEnd } : {}), $lte: closedAt },
  })
    .sort({ seq: 1 })
    .limit(MAX_MESSAGES)
    .lean()) as MessageDoc[];
  const messages: ScoredMessage[] = stored.map((m) => {
    const insight = m.direction === 'in' ? insightOf(m.meta) : null;
    return {
      // The id the console knows the message by (WireMessage.id).
      id: m.channelMessageId,
      seq: m.seq,
      from: speaker(m),
      text: m.text,
      at: new Date(m.createdAt).getTime(),
      insight: insight ? { emotion: insight.emotion, intensity: insight.intensity } : null,
    };
  });
  const rating = (await satisfactionByHandoff(db, [handoffId])).get(handoffId);
  return {
    conversation,
    handoff,
    input: {
      messages,
      acceptedAt: handoff.acceptedAt ? new Date(handoff.acceptedAt).getTime() : null,
      closedAt: closedAt.getTime(),
      wrapUp: handoff.wrapUp ?? null,
      satisfaction: ratingOf(rating?.score ?? null),
    },
  };
}
