import { createHash } from 'node:crypto';
import { maskPII } from '@brokerbot/shared';
import { scenarioSchema, type Scenario } from './scenario-schema';

/**
 * 质培一体化: a real conversation turned into a practice scenario in one step. Pure: the caller
 * reads the transcript and the client; this masks personal data (ID-card, phone and bank-card
 * numbers, and the names it is given) and builds a scenario whose client opens with what the real
 * client wrote, shows the emotion the bot read, and reacts by the same rules as every scenario.
 */
export interface SourceMessage {
  from: 'client' | 'bot' | 'advisor' | 'system';
  text: string;
  insight?: { emotion: string | null; intensity: number | null; intentLabel?: string | null } | null;
}

export interface SourceConversation {
  conversationId: string;
  tier: 'standard' | 'gold' | 'vip';
  messages: SourceMessage[];
  /** Names to remove from the text (the client's, the advisors'). */
  names: string[];
}

/** Business words the scenario's topic is recognised by, when the client used them. */
const BUSINESS_TERMS = [
  '两融',
  '融资融券',
  '担保比例',
  '追保',
  '强平',
  '平仓',
  '转账',
  '银证',
  '到账',
  '扣款',
  '开户',
  '销户',
  '密码',
  '冻结',
  '解冻',
  '期权',
  '基金',
  '理财',
  '产品',
  '佣金',
  '手续费',
  '新股',
  '中签',
  '港股通',
  '账户',
  '委托',
  '撤单',
  '分红',
  '风险',
  '本金',
  '收益',
  '亏损',
  '投诉',
];
const FUNCTION_CHARS = /[我你您他她它的了是在不有吗呢吧啊么什怎这那就都也还要会能想说个一]/;
const HANDOFF_ONLY = /^(转人工|人工|真人|人工客服|找人工|客服)[!！。.?？]*$/;

/** The scenario id of a conversation: stable, so making it twice finds the first one. */
export function scenarioIdFor(conversationId: string): string {
  return `conv-${createHash('sha256').update(conversationId).digest('hex').slice(0, 12)}`;
}

/** Masks personal data and the given names in a text. */
export function maskText(text: string, names: string[]): string {
  let masked = maskPII(text);
  for (const name of names.filter((n) => n.trim().length >= 2).sort((a, b) => b.length - a.length)) {
    masked = masked.split(name).join('客户');
  }
  return masked;
}

const LINES = {
  anxious: {
    calming: ['嗯……那我现在具体要怎么做？', '好的，那大概多久能处理好？'],
    calm: ['明白了，还有什么需要我注意的吗？', '好的，这样我就放心多了。'],
    acknowledgedOnly: ['谢谢你理解，可我到底该怎么办？', '光安慰我也没用，具体怎么处理？'],
    procedureOnly: ['你就给我讲流程？我现在很着急！', '别跟我说规定了，我真的很慌。'],
    ignored: ['你有没有在听我说？', '还有人吗？我很着急！'],
    forbidden: ['你这么说靠谱吗？出了问题谁负责？', '你们可以这样说吗？我有点不放心了。'],
    rude: ['你这是什么态度？！', '你就这么跟客户说话的？我要投诉。'],
    vague: ['能具体一点吗？我现在该做什么？', '你说的太笼统了。'],
    endCalmed: ['好的，谢谢你这么耐心，我按你说的去办。'],
    endEscalated: ['算了，我要投诉，让你们领导联系我。'],
    endMaxTurns: ['我先自己看看吧，回头再说。'],
  },
  angry: {
    calming: ['那你们什么时候能给我结果？', '行，那今天能处理好吗？'],
    calm: ['好，那我等你们的消息。', '明白了，处理完第一时间告诉我。'],
    acknowledgedOnly: ['道歉有什么用？我要的是解决问题！', '说对不起谁都会，到底什么时候处理？'],
    procedureOnly: ['又让我走流程？你们就是这么对客户的？', '别给我讲流程了！'],
    ignored: ['我问的不是这个！你到底听没听？', '又没人理我是吧？我要投诉！'],
    forbidden: ['你跟我扯这些干什么？太不专业了！', '你这是转移话题吗？'],
    rude: ['你什么态度！把你工号告诉我！', '我要投诉你！'],
    vague: ['说点实际的！到底怎么解决？', '这些话没用。'],
    endCalmed: ['好吧，这次总算有人认真处理了，谢谢。'],
    endEscalated: ['够了！我现在就去投诉你们！'],
    endMaxTurns: ['我没时间跟你耗了，你们处理好再联系我。'],
  },
};

const NEGATIVE = ['anxious', 'angry', 'sad'] as const;

/** The scenario made from a conversation; null when the client wrote nothing usable. */
export function scenarioFromConversation(source: SourceConversation): Scenario | null {
  const client = source.messages
    .filter((m) => m.from === 'client' && m.text.trim() !== '' && !m.text.startsWith('['))
    .map((m) => ({ ...m, text: maskText(m.text.trim(), source.names) }));
  if (client.length === 0) return null;
  const substantive = client.filter((m) => !HANDOFF_ONLY.test(m.text));
  const first = substantive.find((m) => m.text.length >= 6) ?? substantive[0] ?? client[0]!;

  // The strongest negative emotion the bot read decides the persona's mood.
  let strongest: { emotion: (typeof NEGATIVE)[number]; intensity: number } | null = null;
  for (const m of client) {
    const e = m.insight?.emotion;
    if (!e || !(NEGATIVE as readonly string[]).includes(e)) continue;
    const intensity = m.insight?.intensity ?? 0.5;
    if (!strongest || intensity > strongest.intensity) strongest = { emotion: e as (typeof NEGATIVE)[number], intensity };
  }
  const emotion = strongest?.emotion ?? 'anxious';
  const start = strongest ? 2 + Math.round(Math.min(1, Math.max(0, strongest.intensity)) * 2) : 2;

  const allText = client.map((m) => m.text).join('\n');
  let topicTerms = BUSINESS_TERMS.filter((t) => allText.includes(t));
  if (topicTerms.length === 0) {
    const bigrams = new Set<string>();
    for (const m of first.text.matchAll(/\p{Script=Han}{2}/gu)) if (!FUNCTION_CHARS.test(m[0])) bigrams.add(m[0]);
    topicTerms = [...bigrams].slice(0, 8);
  }
  if (topicTerms.length === 0) topicTerms = [first.text.slice(0, 4)];

  const intent = client.map((m) => m.insight?.intentLabel).find((l): l is string => typeof l === 'string' && l !== '');
  const subject = intent ?? first.text.replace(/\s+/g, ' ').slice(0, 14);
  const emotionZh = { anxious: '焦虑', angry: '愤怒', sad: '低落' }[emotion];
  const quoted = first.text.length > 80 ? `${first.text.slice(0, 80)}…` : first.text;
  const scenario = scenarioSchema.safeParse({
    id: scenarioIdFor(source.conversationId),
    title: `真实会话改编：${subject}`.slice(0, 60),
    persona: {
      name: source.tier === 'vip' ? 'VIP 客户' : '客户',
      tier: source.tier,
      background: `根据一次真实会话改编（个人信息已脱敏）。客户的诉求：“${quoted}”。会话中客户的情绪：${emotionZh}。`,
      emotion,
    },
    opening: first.text.slice(0, 300),
    topicTerms,
    mood: { start, escalateAt: start + 3, needsAcknowledgementFrom: 2, calmAt: 1 },
    end: { calmTurns: 2, maxTurns: 8 },
    lines: emotion === 'angry' ? LINES.angry : LINES.anxious,
  });
  if (!scenario.success) throw new Error(`scenario from conversation is invalid: ${scenario.error.message}`);
  return scenario.data;
}
