import type { MessageDoc } from '@brokerbot/shared';

/*
 * Suggested replies that fit the client's state: a worried, angry or desperate client first hears
 * that they were understood, then the next concrete step — never a contract clause that tells them
 * the loss is theirs. Pure functions over the stored messages (the bot's insight in meta).
 */

export type ClientMood = 'calm' | 'anxious' | 'angry' | 'sad' | 'distressed';

export interface ClientState {
  mood: ClientMood;
  /** The client wrote of not wanting to live (活不下去 …): the reply offers the crisis hotline. */
  crisis: boolean;
  /** What the latest client messages are about, for the next step. */
  topic: Topic;
}

type Topic = 'margin' | 'transfer' | 'account' | 'loss' | 'complaint' | 'other';

interface Insight {
  emotion?: string;
  intensity?: number;
}

/** Below this intensity a negative emotion reading is not acted on. */
const MIN_INTENSITY = 0.2;
/** How many of the latest client messages decide the mood. */
const RECENT = 3;

const DISTRESS_TEXT = /(血本无归|爆仓|强平|强制平仓|倾家荡产|活不下去|不想活|全亏光|亏光了|跳楼)/;
const CRISIS_TEXT = /(活不下去|不想活|跳楼|轻生|自杀)/;
const ANGER_TEXT = /(投诉|骗子|气死|太过分|什么破|垃圾|曝光|举报)/;
const ANXIETY_TEXT = /(急死|着急|怎么办|慌|担心|害怕)/;

const TOPICS: [Topic, RegExp][] = [
  ['margin', /(强平|平仓|爆仓|追保|担保比例|两融|融资|融券|保证金)/],
  ['transfer', /(转账|银证|资金.{0,4}(没到|不见|没了)|钱.{0,4}(没到|不见|没了)|出金|入金)/],
  ['account', /(冻结|锁定|锁了|登录不了|登不上|密码|销户)/],
  ['complaint', /(投诉|态度|不满|举报|曝光)/],
  ['loss', /(亏|血本无归|赔|跌|套牢|割肉)/],
];

const insightOf = (m: MessageDoc): Insight | null => (m.meta as { understanding?: Insight } | null)?.understanding ?? null;
const reasonsOf = (m: MessageDoc): string[] => {
  const r = (m.meta as { reasons?: unknown } | null)?.reasons;
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
};

/** The client's state from their latest messages: the bot's reading when there is one, the words otherwise. */
export function clientStateOf(messages: readonly MessageDoc[]): ClientState {
  const recent = messages.filter((m) => m.direction === 'in' && m.text && !m.text.startsWith('[')).slice(-RECENT);
  const text = recent.map((m) => m.text).join('\n');
  const topic =
    TOPICS.find(([, re]) => re.test(recent.at(-1)?.text ?? ''))?.[0] ?? TOPICS.find(([, re]) => re.test(text))?.[0] ?? 'other';
  const crisis = CRISIS_TEXT.test(text);
  if (crisis || DISTRESS_TEXT.test(text) || recent.some((m) => reasonsOf(m).some((r) => r.startsWith('distress:')))) {
    return { mood: 'distressed', crisis, topic };
  }
  const read = recent
    .map(insightOf)
    .filter(
      (u): u is Insight => !!u && ['anxious', 'angry', 'sad'].includes(u.emotion ?? '') && (u.intensity ?? 0) >= MIN_INTENSITY,
    );
  const strongest = read.sort((a, b) => (b.intensity ?? 0) - (a.intensity ?? 0))[0];
  if (strongest) return { mood: strongest.emotion as ClientMood, crisis, topic };
  if (ANGER_TEXT.test(text)) return { mood: 'angry', crisis, topic };
  if (ANXIETY_TEXT.test(text)) return { mood: 'anxious', crisis, topic };
  return { mood: 'calm', crisis, topic };
}

export const isUpset = (state: ClientState) => state.mood !== 'calm';

const ACKNOWLEDGE: Record<Exclude<ClientMood, 'calm'>, string> = {
  distressed: '非常理解您现在的心情，遇到这样的情况换谁都会着急。请先别慌，我在这里陪您一起处理。',
  anxious: '理解您的着急，请先别担心，我来帮您一起处理。',
  angry: '非常抱歉给您带来这样的困扰，您的不满我完全理解。',
  sad: '听得出您现在压力很大，我理解您的感受，我会尽力帮您。',
};

const NEXT_STEP: Record<Topic, string> = {
  margin: '我马上帮您核对账户当前的维持担保比例、需要补足的金额和截止时间，您可以选择追加担保物或部分还款来避免被强制平仓。',
  transfer: '我先帮您查这笔银证转账的流水和状态，请告诉我转账的时间、金额和银行，我马上核实资金在哪一步。',
  account: '我先帮您查一下账户受限的原因，并告诉您解除需要准备的材料和办理方式。',
  loss: '我先帮您看一下目前的持仓和账户情况，我们一起把接下来可以做的事情一步步理清楚。',
  complaint: '您反映的问题我已经详细记录，会由专人跟进并在今天内给您处理结果。方便再说一下具体经过吗？',
  other: '我先帮您核实账户的具体情况，几分钟内给您答复。',
};

const ASK_DETAILS = '为了尽快帮您处理，方便告诉我资金账号后四位和您现在最担心的问题吗？我马上为您查。';
const CRISIS_LINE = '如果您现在感到很难受，也请拨打全国心理援助热线 12356，那里有专业的人可以陪您聊聊。';

/** Replies for an upset client: acknowledge first, then the next concrete step (at most three). */
export function empatheticReplies(state: ClientState): string[] {
  if (state.mood === 'calm') return [];
  const ack = ACKNOWLEDGE[state.mood];
  const replies = [`${ack}${NEXT_STEP[state.topic]}`, `${ack}${ASK_DETAILS}`];
  if (state.crisis) replies.unshift(`${ACKNOWLEDGE.distressed}${CRISIS_LINE}`);
  return replies.slice(0, 3);
}

/** Words that push the loss or the blame onto the client: never a reply to someone upset. */
const BLAME_SHIFT = /(由投资者(自行)?承担|投资者自行承担|风险自担|后果自负|自负盈亏|概不负责|不承担(任何)?责任|与本公司无关)/;

/** Whether a suggestion may be offered to a client in this state (for an upset client: no blame-shifting clause). */
export function fitsState(reply: string, state: ClientState): boolean {
  return !isUpset(state) || !BLAME_SHIFT.test(reply);
}
