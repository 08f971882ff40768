import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SKILLS_PATH, readSkills, skillFor, SkillsStore } from '../src/skills';

function file(content: unknown): string {
  const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'bb-skills-')), 'skills.json');
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

describe('the intent → skill file', () => {
  const skills = readSkills(DEFAULT_SKILLS_PATH);

  it('ships the five skills', () => {
    expect(skills.skills).toEqual(['两融', '期权', '开户', '港股通', '投诉处理']);
  });

  it('takes the skill from the escalation reasons first, then the latest intent with one', () => {
    expect(skillFor(skills, ['explicit_request', 'complaint'], ['margin_call'])).toBe('投诉处理');
    expect(skillFor(skills, ['distress:强平', 'high_risk_intent:margin_call'], [])).toBe('两融');
    expect(skillFor(skills, ['explicit_request'], ['greeting', 'options_trading', 'hk_connect'])).toBe('期权');
    expect(skillFor(skills, ['explicit_request'], ['greeting'])).toBeNull();
  });

  it('refuses a file naming an unknown skill or intent, saying where', () => {
    expect(() => readSkills(file({ version: '1', skills: ['两融'], intents: { margin_call: '期权' } }))).toThrow(
      /intents\.margin_call: skill "期权" is not in "skills"/,
    );
    expect(() => readSkills(file({ version: '1', skills: ['两融'], intents: { no_such_intent: '两融' } }))).toThrow(
      /unknown intent "no_such_intent"/,
    );
    expect(() => readSkills(file('{ not json'))).toThrow(/not readable JSON/);
  });

  it('keeps the previous mapping when an edit is invalid', () => {
    const f = file({ version: '1', skills: ['两融'], intents: { margin_call: '两融' } });
    const errors: string[] = [];
    const store = new SkillsStore(f, (e) => 'error' in e && errors.push(e.error.message));
    writeFileSync(f, JSON.stringify({ version: '2', skills: [], intents: {} }));
    expect(store.reload()).toBe(false);
    expect(store.current.version).toBe('1');
    expect(errors[0]).toMatch(/skills/);
    writeFileSync(f, JSON.stringify({ version: '3', skills: ['期权'], intents: { options_trading: '期权' } }));
    expect(store.reload()).toBe(true);
    expect(skillFor(store.current, [], ['options_trading'])).toBe('期权');
  });
});
