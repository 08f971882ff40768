/**
 * The advisor console's pure decisions (build-free browser modules under
 * agent-console/public/console/modules, compiled for Jest by jest.config.js): what 我的会话 says
 * about a chat, and which canned replies match what the advisor typed, with variables filled.
 * No DOM, no services.
 */
interface Message {
  id: string;
  seq: number;
  from: 'client' | 'bot' | 'advisor' | 'system';
  authorName: string | null;
  text: string;
  createdAt: string;
  insight?: { emotion: string | null };
}
interface ChatState {
  conversationId: string;
  messages: Map<string, Message>;
  pending: Map<string, { text: string; order: number }>;
  draft: string;
  closed: boolean;
}
interface Summary {
  preview: string;
  waitingSince: string | null;
  lastAt: string | null;
  emotion: string | null;
}
interface Decisions {
  chatSummary(chat: ChatState, myName: string | null, activeId: string | null): Summary;
  fillVariables(text: string, clientName: string, advisorName: string): string;
  matchCanned<T extends { keyword: string; text: string }>(items: T[], q: string, max: number): T[];
}

const MODULES = '../public/console/modules/';
let d: Decisions;

beforeAll(async () => {
  const [summary, canned] = await Promise.all([import(MODULES + 'chat-summary.js'), import(MODULES + 'canned-text.js')]);
  d = { ...summary, ...canned } as Decisions;
});

let seq = 0;
function msg(from: Message['from'], text: string, at: string, extra: Partial<Message> = {}): Message {
  seq += 1;
  return { id: `m${seq}`, seq, from, authorName: from === 'advisor' ? '王芳' : null, text, createdAt: at, ...extra };
}

function chat(messages: Message[], extra: Partial<ChatState> = {}): ChatState {
  return {
    conversationId: 'c1',
    messages: new Map(messages.map((m) => [m.id, m])),
    pending: new Map(),
    draft: '',
    closed: false,
    ...extra,
  };
}

describe('chat list: what it says about a chat', () => {
  it('shows the last message by seq, the advisor’s own as 我, others by who wrote them', () => {
    const earlier = msg('client', '转账没到账', '2026-12-04T10:00:00Z');
    const later = msg('advisor', '您好，我来处理', '2026-12-04T10:01:00Z');
    expect(d.chatSummary(chat([later, earlier]), '王芳', null)).toMatchObject({
      preview: '我：您好，我来处理',
      lastAt: '2026-12-04T10:01:00Z',
      waitingSince: null,
    });
    expect(d.chatSummary(chat([earlier, later]), '李强', null).preview).toBe('顾问：您好，我来处理');
  });

  it('times the client’s wait from their first message after the last answer', () => {
    const c = chat([
      msg('advisor', '请问有什么可以帮您', '2026-12-04T10:00:00Z'),
      msg('client', '我的钱呢', '2026-12-04T10:02:00Z'),
      msg('client', '怎么还没人回', '2026-12-04T10:03:00Z'),
    ]);
    expect(d.chatSummary(c, '王芳', null)).toMatchObject({ waitingSince: '2026-12-04T10:02:00Z', preview: '客户：怎么还没人回' });
    // A reply on its way ends the wait; a closed chat waits for nobody.
    c.pending.set('p1', { text: '马上帮您查', order: 1 });
    expect(d.chatSummary(c, '王芳', null)).toMatchObject({ waitingSince: null, preview: '我：马上帮您查' });
    c.pending.clear();
    expect(d.chatSummary({ ...c, closed: true }, '王芳', null).waitingSince).toBeNull();
  });

  it('shows the unsent draft of a chat that is not on screen', () => {
    const c = chat([msg('client', '在吗', '2026-12-04T10:00:00Z')], { draft: '在的，\n请讲' });
    expect(d.chatSummary(c, '王芳', null).preview).toBe('[草稿] 在的， 请讲');
    expect(d.chatSummary(c, '王芳', 'c1').preview).toBe('客户：在吗');
  });

  it('takes the emotion of the latest client message the bot has read', () => {
    const c = chat([
      msg('client', '有点担心', '2026-12-04T10:00:00Z', { insight: { emotion: 'anxious' } }),
      msg('client', '你们太慢了', '2026-12-04T10:01:00Z', { insight: { emotion: 'angry' } }),
      msg('client', '还在吗', '2026-12-04T10:02:00Z'),
      msg('advisor', '在的', '2026-12-04T10:03:00Z'),
    ]);
    expect(d.chatSummary(c, '王芳', null).emotion).toBe('angry');
    expect(d.chatSummary(chat([]), '王芳', null)).toEqual({ preview: '', waitingSince: null, lastAt: null, emotion: null });
  });

  it('keeps markup as the characters the client typed', () => {
    const c = chat([msg('client', '<img src=x onerror="alert(1)">', '2026-12-04T10:00:00Z')]);
    expect(d.chatSummary(c, '王芳', null).preview).toBe('客户：<img src=x onerror="alert(1)">');
  });
});

describe('canned replies', () => {
  const items = [
    { keyword: '问候', text: '{客户称呼}您好，我是顾问{顾问姓名}。' },
    { keyword: '稍等', text: '{客户称呼}，请稍等，我在核实。' },
    { keyword: '结束', text: '感谢您的耐心，{顾问姓名}会继续跟进。' },
  ];

  it('lists keyword matches before text matches, at most `max`', () => {
    expect(d.matchCanned(items, '稍等', 8).map((i) => i.keyword)).toEqual(['稍等']);
    expect(d.matchCanned(items, '核实', 8).map((i) => i.keyword)).toEqual(['稍等']);
    expect(d.matchCanned(items, '', 2).map((i) => i.keyword)).toEqual(['问候', '稍等']);
    expect(d.matchCanned(items, '耐心', 8).map((i) => i.keyword)).toEqual(['结束']);
    expect(d.matchCanned(items, '开户', 8)).toEqual([]);
  });

  it('fills every variable, 您 when the client’s name is unknown', () => {
    expect(d.fillVariables(items[0]!.text, '刘洋', '王芳')).toBe('刘洋您好，我是顾问王芳。');
    expect(d.fillVariables('{客户称呼}，{客户称呼}', '', '王芳')).toBe('您，您');
  });
});
