import { Types } from 'mongoose';
import { REPLIES, INTENTS, seededRandom, type IntentId } from '@brokerbot/flows';
import { CHANNELS, type Channel } from '@brokerbot/shared';

/**
 * The documents of one past conversation, as the app would have stored them: the customer, the
 * conversation, ~10 messages alternating client / bot with consecutive `seq` (inbound 'handled'
 * with the bot's insight in meta, outbound 'sent'), and for a few % an escalation with its
 * Handoff (closed by an advisor) and the three state transitions. Pure and deterministic for a
 * given random source; ids are unique per `tag`, so a second seeding never collides.
 */

export interface GrowTurn {
  faqId: string;
  text: string;
  answer: string;
}

export interface SeedAdvisor {
  id: string;
  name: string;
  branchId: string;
}

/** What the read scenarios need to know of a seeded conversation. */
export interface SeededConversation {
  conversationId: string;
  channel: Channel;
  customerId: string | null;
  branchId: string;
  lastSeq: number;
  escalated: boolean;
  /** Time of its last message (ms since epoch). */
  lastAt: number;
}

export interface ConversationBundle {
  customer: Record<string, unknown> | null;
  conversation: Record<string, unknown>;
  messages: Record<string, unknown>[];
  handoff: Record<string, unknown> | null;
  transitions: Record<string, unknown>[];
  ref: SeededConversation;
}

export interface GrowContext {
  tag: string;
  now: number;
  /** How far back conversations start (ms). */
  spanMs: number;
  turns: GrowTurn[];
  advisors: SeedAdvisor[];
  /** Share of conversations escalated to a person (0..1). */
  escalatedShare: number;
  /** Share of client messages with a negative emotion (0..1). */
  negativeShare: number;
  random: () => number;
}

export const BRANCHES = ['SH01', 'SZ01'] as const;
const NEGATIVE = ['anxious', 'angry', 'sad'] as const;
const CALM_INTENTS = (Object.keys(INTENTS) as IntentId[]).filter(
  (id) => !(INTENTS[id] as { highRisk?: boolean }).highRisk && id !== 'human_request' && id !== 'stock_advice',
);
const ESCALATIONS: { reasons: string[]; priority: number; text: string }[] = [
  { reasons: ['explicit_request'], priority: 5, text: '我要转人工' },
  { reasons: ['complaint'], priority: 3, text: '我要投诉你们的服务' },
  { reasons: ['explicit_request', 'tier:vip'], priority: 2, text: '帮我找一下我的客户经理' },
  { reasons: ['distress:爆仓'], priority: 1, text: '两融账户要爆仓了怎么办' },
];

/** The NLU's small seeded PRNG, so the same sizes give the same data. */
export { seededRandom };

/** ObjectIds whose timestamp is the document's own time (as if inserted then), unique per process. */
export class ObjectIdClock {
  private counter = 0;
  private readonly middle: Buffer;

  constructor(tag: string) {
    this.middle = Buffer.alloc(5);
    this.middle.write(tag.padEnd(10, '0').slice(0, 10), 'hex');
  }

  at(ms: number): Types.ObjectId {
    const b = Buffer.alloc(12);
    b.writeUInt32BE(Math.floor(ms / 1000) >>> 0, 0);
    this.middle.copy(b, 4);
    b.writeUIntBE(this.counter++ & 0xffffff, 9, 3);
    return new Types.ObjectId(b);
  }
}

const pick = <T>(list: readonly T[], random: () => number): T => list[Math.floor(random() * list.length)]!;
const round2 = (v: number) => Math.round(v * 100) / 100;

function understanding(intent: IntentId, emotion: string, intensity: number, reasons: string[] = []) {
  return {
    emotion,
    intensity,
    intent,
    intentLabel: INTENTS[intent].label,
    confidence: 0.82,
    trend: emotion === 'calm' ? 0 : round2(intensity * 0.6),
    nluReasons: reasons,
  };
}

/** Conversation number `i` of the seeding, with `messageCount` messages. */
export function buildConversation(ctx: GrowContext, ids: ObjectIdClock, i: number, messageCount: number): ConversationBundle {
  const { random, tag } = ctx;
  const channel: Channel = CHANNELS[i % CHANNELS.length]!;
  const branchId = BRANCHES[Math.floor(random() * BRANCHES.length)]!;
  const serial = `${tag}${String(i).padStart(7, '0')}`;
  // App clients are known by their client number; a WeCom / mini-program user is bound to one mostly.
  const customerId = channel === 'app' || random() < 0.8 ? `G${serial}` : null;
  const externalUserId = channel === 'app' ? customerId! : channel === 'wecom' ? `wm${serial}` : `oMP${serial}`;
  const startAt = ctx.now - Math.floor(random() * ctx.spanMs) - 3_600_000;
  const conversationId = ids.at(startAt);
  const cid = conversationId.toString();
  const escalation = messageCount >= 9 && random() < ctx.escalatedShare ? pick(ESCALATIONS, random) : null;
  const advisors = ctx.advisors.filter((a) => a.branchId === branchId);
  const advisor = escalation && advisors.length ? pick(advisors, random) : null;
  // The client asks for a person halfway; the advisor talks with them and closes with a system notice.
  const escalateAtSeq = escalation && advisor ? 2 * Math.floor(messageCount / 4) + 1 : Infinity;

  const messages: Record<string, unknown>[] = [];
  let t = startAt;
  let lastInboundId = '';
  const message = (seq: number, direction: 'in' | 'out', author: Record<string, unknown>, text: string, meta: unknown) => {
    const _id = ids.at(t);
    const hex = _id.toString();
    let channelMessageId: string;
    if (direction === 'in') {
      channelMessageId = channel === 'app' ? `${customerId}.c${seq.toString(36)}` : `${channel[0]}${hex}`;
      lastInboundId = hex;
    } else if (author.kind === 'bot') channelMessageId = `r${lastInboundId}_0`;
    else channelMessageId = `${author.kind === 'advisor' ? 'a' : 'o'}${hex}${'0'.repeat(7)}`;
    messages.push({
      _id,
      conversationId: cid,
      seq,
      channel,
      channelMessageId,
      direction,
      author: { id: null, name: null, ...author },
      text,
      status: direction === 'in' ? 'handled' : 'sent',
      meta,
      error: null,
      createdAt: new Date(t),
      updatedAt: new Date(t + (direction === 'in' ? 400 : 150)),
    });
  };

  let escalatedAt = 0;
  let acceptedAt = 0;
  let lastTurn = ctx.turns[0]!;
  for (let seq = 1; seq <= messageCount; seq++) {
    const inHumanPart = seq > escalateAtSeq + 1;
    if (seq === escalateAtSeq) {
      const u = understanding('human_request', 'calm', 0, escalation!.reasons);
      message(seq, 'in', { kind: 'client', id: externalUserId }, escalation!.text, {
        understanding: u,
        action: 'escalated',
        reasons: escalation!.reasons,
      });
      escalatedAt = t;
    } else if (seq === escalateAtSeq + 1) {
      message(seq, 'out', { kind: 'bot', name: '智能助手' }, REPLIES.handoffQueued, null);
    } else if (inHumanPart && seq === escalateAtSeq + 2) {
      acceptedAt = t;
      message(seq, 'out', { kind: 'system', name: advisor!.name }, REPLIES.advisorJoined(advisor!.name), null);
    } else if (inHumanPart && seq === messageCount) {
      message(seq, 'out', { kind: 'system' }, REPLIES.humanClosed, null);
    } else if (inHumanPart && (seq - escalateAtSeq) % 2 === 1) {
      message(seq, 'out', { kind: 'advisor', id: advisor!.id, name: advisor!.name }, pick(ctx.turns, random).answer, null);
    } else if (seq % 2 === 1 || inHumanPart) {
      const turn = (lastTurn = pick(ctx.turns, random));
      const negative = random() < ctx.negativeShare;
      const u = negative
        ? understanding(pick(CALM_INTENTS, random), pick(NEGATIVE, random), round2(0.4 + random() * 0.5))
        : understanding(pick(CALM_INTENTS, random), 'calm', 0);
      message(
        seq,
        'in',
        { kind: 'client', id: externalUserId },
        turn.text,
        inHumanPart
          ? { understanding: u, action: 'relayed', reasons: [] }
          : { understanding: u, action: 'answered', reasons: [`kb:${turn.faqId}`], intent: u.intent, confidence: 0.82 },
      );
    } else {
      message(seq, 'out', { kind: 'bot', name: '智能助手' }, lastTurn.answer, null);
    }
    // A reply within a second or two; the client's next message 10 s – 3 min later.
    t += seq % 2 === 1 ? 300 + Math.floor(random() * 1_500) : 10_000 + Math.floor(random() * 170_000);
  }
  const lastAt = (messages.at(-1)!.createdAt as Date).getTime();

  let handoff: Record<string, unknown> | null = null;
  const transitions: Record<string, unknown>[] = [];
  if (escalatedAt && advisor) {
    const handoffId = ids.at(escalatedAt);
    handoff = {
      _id: handoffId,
      conversationId: cid,
      customerId,
      branchId,
      status: 'closed',
      priority: escalation!.priority,
      reasons: escalation!.reasons,
      summary: `客户${escalation!.text.slice(0, 20)}（${escalation!.reasons.join('、')}）`,
      afterHours: false,
      advisorId: advisor.id,
      acceptedAt: new Date(acceptedAt),
      closedAt: new Date(lastAt),
      createdAt: new Date(escalatedAt),
      updatedAt: new Date(lastAt),
    };
    const hid = handoffId.toString();
    const by = `advisor:${advisor.id}`;
    const step = (version: number, from: string, to: string, who: string, reason: string, set: object, at: number) =>
      transitions.push({ conversationId: cid, version, from, to, by: who, reason, set, at: new Date(at) });
    step(1, 'bot', 'queued', 'bot', escalation!.reasons.join('; '), { handoffId: hid }, escalatedAt);
    step(2, 'queued', 'human', by, 'accepted', { advisorId: advisor.id }, acceptedAt);
    step(3, 'human', 'bot', by, 'closed_by_advisor', { advisorId: null, handoffId: null }, lastAt);
  }

  return {
    customer: customerId
      ? {
          _id: customerId,
          name: `客户${serial.slice(-5)}`,
          tier: random() < 0.1 ? 'vip' : random() < 0.3 ? 'gold' : 'standard',
          branchId,
          phone: `139${String(i).padStart(8, '0')}`,
          identities: [{ channel, externalId: externalUserId }],
          createdAt: new Date(startAt),
          updatedAt: new Date(startAt),
        }
      : null,
    conversation: {
      _id: conversationId,
      channel,
      externalUserId,
      customerId,
      branchId,
      state: 'bot',
      advisorId: null,
      handoffId: null,
      version: transitions.length,
      createdAt: new Date(startAt),
      updatedAt: new Date(transitions.length ? lastAt : startAt),
    },
    messages,
    handoff,
    transitions,
    ref: { conversationId: cid, channel, customerId, branchId, lastSeq: messageCount, escalated: !!handoff, lastAt },
  };
}

/** Messages per conversation: `total` spread over `conversations`, ~total/conversations each (±4), summing exactly. */
export function messageCounts(conversations: number, total: number, random: () => number): Uint32Array {
  const counts = new Uint32Array(conversations);
  const base = Math.floor(total / conversations);
  let rest = total - base * conversations;
  for (let i = 0; i < conversations; i++) counts[i] = base + (rest-- > 0 ? 1 : 0);
  const jitter = Math.min(4, Math.max(0, base - 2));
  for (let i = 0; i + 1 < conversations; i += 2) {
    const d = Math.floor(random() * (jitter + 1));
    counts[i] = counts[i]! + d;
    counts[i + 1] = counts[i + 1]! - d;
  }
  return counts;
}
