import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scenarioFromConversation, scenarioIdFor } from '../src/practice/from-conversation';
import { acceptVoice } from '../src/practice/llm-voice';
import { DEFAULT_SCENARIOS_DIR, readScenarioFolder, ScenarioLibrary } from '../src/practice/scenario-store';
import { initialState, step } from '../src/practice/simulated-client';

const bundled = (id: string) =>
  JSON.parse(readFileSync(path.join(DEFAULT_SCENARIOS_DIR, `${id}.json`), 'utf8')) as Record<string, unknown>;

function folderWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bb-scenarios-'));
  for (const [name, content] of Object.entries(files))
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

describe('practice scenario files', () => {
  it('leaves out invalid files with every reason, and keeps the valid ones', () => {
    const good = bundled('margin-call-anxious');
    const dir = folderWith({
      'margin-call-anxious.json': good,
      'broken.json': '{ "id": "broken", ',
      'bad-mood.json': { ...good, id: 'bad-mood', mood: { start: 7, escalateAt: 6 } },
      'bad-lines.json': { ...good, id: 'bad-lines', lines: { calming: [] }, extra: 1 },
      'other-name.json': { ...good, id: 'not-the-file-name' },
    });
    const { scenarios, invalid } = readScenarioFolder(dir);
    expect(scenarios.map((s) => s.id)).toEqual(['margin-call-anxious']);
    const reasons = Object.fromEntries(invalid.map((i) => [i.file, i.problems.join(' | ')]));
    expect(reasons['broken.json']).toMatch(/^not valid JSON/);
    expect(reasons['bad-mood.json']).toContain('mood.start: must be below mood.escalateAt');
    expect(reasons['bad-lines.json']).toContain('lines.calming: needs at least one line');
    expect(reasons['bad-lines.json']).toContain('lines.calm: Required');
    expect(reasons['bad-lines.json']).toContain("Unrecognized key(s) in object: 'extra'");
    expect(reasons['other-name.json']).toContain('must match the file name (not-the-file-name.json)');
  });

  it('picks up an edited folder and logs what it left out', () => {
    const dir = folderWith({ 'margin-call-anxious.json': bundled('margin-call-anxious') });
    const errors: string[] = [];
    const logger = { error: (_o: unknown, msg?: string) => errors.push(msg ?? ''), info: () => undefined };
    const library = new ScenarioLibrary(dir, logger as never, 0);
    expect(library.list().map((s) => s.id)).toEqual(['margin-call-anxious']);
    expect(library.get('vip-product-risk')).toBeNull();
    expect(errors).toEqual([]);

    writeFileSync(path.join(dir, 'vip-product-risk.json'), JSON.stringify(bundled('vip-product-risk')));
    writeFileSync(path.join(dir, 'typo.json'), JSON.stringify({ ...bundled('vip-product-risk'), id: 'typo', opening: '' }));
    expect(library.list().map((s) => s.id)).toEqual(['margin-call-anxious', 'vip-product-risk']);
    expect(library.get('vip-product-risk')?.title).toBe('VIP 客户询问产品风险');
    expect(errors).toEqual(['practice scenario left out: typo.json: opening: must not be empty']);
  });
});

describe('a scenario from a real conversation (质培一体化)', () => {
  const source = {
    conversationId: '65f000000000000000000001',
    tier: 'vip' as const,
    names: ['周建国', '王芳'],
    messages: [
      { from: 'client' as const, text: '转人工', insight: { emotion: 'calm', intensity: 0.1 } },
      {
        from: 'client' as const,
        text: '我是周建国，手机13800001003，银行卡6222020200112233445，转账五万三天没到账！！',
        insight: { emotion: 'angry', intensity: 0.9, intentLabel: '银证转账失败' },
      },
      { from: 'advisor' as const, text: '周先生您好，我是王芳。' },
    ],
  };

  it('masks personal data, keeps the client’s words and emotion, and plays by the same rules', () => {
    const s = scenarioFromConversation(source)!;
    expect(s.id).toBe(scenarioIdFor(source.conversationId));
    expect(s.opening).not.toContain('周建国');
    expect(s.opening).not.toContain('13800001003');
    expect(s.opening).not.toContain('6222020200112233445');
    expect(s.opening).toContain('138****1003');
    expect(s.opening).toContain('转账五万三天没到账');
    expect(JSON.stringify(s)).not.toMatch(/周建国|王芳|13800001003/);
    expect(s.persona).toMatchObject({ tier: 'vip', emotion: 'angry' });
    expect(s.title).toBe('真实会话改编：银证转账失败');
    expect(s.topicTerms).toEqual(expect.arrayContaining(['转账', '到账']));
    // The strongest emotion read (angry 0.9) makes an upset client who needs acknowledgement.
    const r = step(s, initialState(s), { kind: 'reply', texts: ['请您提供转账流水号，我帮您查询。'] });
    expect(r.reaction).toBe('procedureOnly');
  });

  it('refuses a conversation in which the client wrote nothing', () => {
    expect(scenarioFromConversation({ ...source, messages: [{ from: 'bot', text: '您好' }] })).toBeNull();
  });
});

describe('the LLM voice of the simulated client', () => {
  it('takes a short in-role line and refuses the rest', () => {
    expect(acceptVoice('“那我现在该怎么办？”')).toBe('那我现在该怎么办？');
    expect(acceptVoice('作为一个AI模型，我无法扮演客户')).toBeNull();
    expect(acceptVoice('这只股票明天肯定会涨吧？')).toBeNull();
    expect(acceptVoice('好'.repeat(200))).toBeNull();
    expect(acceptVoice(null)).toBeNull();
  });
});
