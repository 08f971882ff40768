import { z } from 'zod';
import {
  findIn,
  maskPhone,
  satisfactionByHandoff,
  seesBranch,
  UserError,
  visibleBranchFilter,
  type ClientPanelView,
  type ConversationDoc,
  type CustomerDoc,
  type HandoffDoc,
  type PastConversationView,
  type Services,
} from '@brokerbot/shared';
import type { AdvisorClaims } from './advisor-token';

/*
 * The client panel of a chat (chat:client): who the client is and how their earlier chats with
 * advisors went (wrap-up, satisfaction). Branch scope: the chat must be in a branch the caller
 * sees, and only past chats of such branches are listed.
 */

type Deps = Pick<Services, 'db'>;

export const clientPanelRequest = z.object({ conversationId: z.string().regex(/^[0-9a-f]{24}$/, 'invalid id') });

/** Past chats listed, newest first. */
export const MAX_PAST = 20;

export async function clientPanel(deps: Deps, user: AdvisorClaims, conversationId: string): Promise<ClientPanelView> {
  const { db } = deps;
  const conversation = (await db.Conversation.findOne({
    _id: conversationId,
    ...visibleBranchFilter(user),
  }).lean()) as ConversationDoc | null;
  if (!conversation) throw new UserError('not_visible', '您无权查看这个会话');
  const customer = conversation.customerId
    ? ((await db.Customer.findById(conversation.customerId).lean()) as (CustomerDoc & { advisorId?: string | null }) | null)
    : null;
  const branchId = customer?.branchId ?? conversation.branchId ?? null;
  // The client's chats on every channel (one conversation per channel), or this one for a client we cannot name.
  const conversations = customer
    ? ((await db.Conversation.find({ customerId: customer._id }, { _id: 1, channel: 1 }).lean()) as Pick<
        ConversationDoc,
        '_id' | 'channel'
      >[])
    : [conversation];
  const channelOf = new Map(conversations.map((c) => [c._id.toString(), c.channel]));
  const handoffs = (
    await findIn<HandoffDoc>(
      db.Handoff,
      'conversationId',
      conversations.map((c) => c._id.toString()),
      { where: { status: 'closed' } },
    )
  )
    .filter((h) => seesBranch(user, h.branchId))
    .sort((a, b) => new Date(b.closedAt ?? b.createdAt).getTime() - new Date(a.closedAt ?? a.createdAt).getTime())
    .slice(0, MAX_PAST);
  const [branch, names, satisfaction] = await Promise.all([
    branchId ? db.Branch.findById(branchId, { name: 1 }).lean() : null,
    advisorNames(deps, [customer?.advisorId ?? null, ...handoffs.map((h) => h.advisorId)]),
    satisfactionByHandoff(
      db,
      handoffs.map((h) => h._id.toString()),
    ),
  ]);
  const past: PastConversationView[] = handoffs.map((h) => ({
    conversationId: h.conversationId,
    handoffId: h._id.toString(),
    channel: channelOf.get(h.conversationId) ?? conversation.channel,
    advisorName: (h.advisorId && names.get(h.advisorId)) || null,
    acceptedAt: h.acceptedAt ? new Date(h.acceptedAt).toISOString() : null,
    closedAt: h.closedAt ? new Date(h.closedAt).toISOString() : null,
    wrapUp: h.wrapUp ? { category: h.wrapUp.category, note: h.wrapUp.note ?? '' } : null,
    satisfaction: satisfaction.get(h._id.toString()) ?? null,
  }));
  return {
    customerId: customer?._id ?? null,
    name: customer?.name ?? null,
    tier: customer?.tier ?? null,
    branchId,
    branchName: branch?.name ?? null,
    ownAdvisorName: (customer?.advisorId && names.get(customer.advisorId)) || null,
    phoneMasked: customer?.phone ? maskPhone(customer.phone) : null,
    channel: conversation.channel,
    past,
  };
}

async function advisorNames(deps: Deps, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
  const docs = await findIn<{ _id: { toString(): string }; displayName: string }>(deps.db.Advisor, '_id', ids, {
    projection: { displayName: 1 },
  });
  return new Map(docs.map((a) => [a._id.toString(), a.displayName]));
}
