import { KnowledgeBase, DirectMatcher, compact } from '../src/kb';
import { Nlu } from '../src/nlu';

const kb = KnowledgeBase.load();
const matcher = new DirectMatcher(kb.entries);

describe('a question asked as the knowledge base words it is answered, not put in a menu', () => {
  it.each([
    ['怎么开户', '怎么开户？'],
    ['银证转账怎么操作？', '银证转账怎么操作？'],
    ['新股申购中签了怎么缴款？', '新股中签后怎么缴款？'],
    ['请问怎么开户呢', '怎么开户？'],
  ])('%s → answers %s', (text, question) => {
    const r = kb.answer(text);
    expect(r.kind).toBe('answer');
    if (r.kind === 'answer') {
      expect(r.entry.question).toBe(question);
      expect(r.direct).toBeDefined();
    }
  });

  it('every question and variant of every entry matches its own entry', () => {
    for (const e of kb.entries) {
      for (const s of [e.question, ...e.variants]) expect(matcher.match(s)?.id).toBe(e.id);
    }
  });

  it('a one-character change in a short question is not a match (怎么销户 is not 怎么开户)', () => {
    const m = new DirectMatcher([
      { id: 'open', topic: '开户', question: '怎么开户？', variants: [] },
      { id: 'pw', topic: '密码', question: '交易密码忘了怎么办？', variants: [] },
    ]);
    expect(m.match('怎么销户')).toBeNull();
    // Similar wording, but 资金密码 is not what the entry is about.
    expect(m.match('资金密码忘了怎么办')).toBeNull();
    expect(m.match('交易密码忘了该怎么办呀')?.id).toBe('pw');
  });

  it('two entries with the same sentence are no direct match', () => {
    const m = new DirectMatcher([
      { id: 'a', topic: 'x', question: '怎么开户？', variants: [] },
      { id: 'b', topic: 'y', question: '怎么开户', variants: [] },
    ]);
    expect(m.match('怎么开户')).toBeNull();
  });

  it('filler and punctuation do not matter', () => {
    expect(compact('请问，怎么开户呢？')).toBe(compact('怎么开户'));
  });

  it('a bare topic word still gets the menu', () => {
    expect(kb.answer('开户').kind).toBe('clarify');
  });

  it('the NLU does not send these questions to a flow or a refusal (the bot then answers from the knowledge base)', () => {
    const nlu = Nlu.load();
    for (const text of ['怎么开户', '银证转账怎么操作？', '新股申购中签了怎么缴款？']) {
      expect(['password_reset', 'transfer_failed', 'margin_account', 'appointment', 'stock_advice']).not.toContain(
        nlu.analyze(text).intent,
      );
    }
  });
});
