import { canTransition, isHumanOwned } from '../src/states';

describe('conversation states', () => {
  it('allows the handoff cycle bot → queued → human → bot', () => {
    expect(canTransition('bot', 'queued')).toBe(true);
    expect(canTransition('queued', 'human')).toBe(true);
    expect(canTransition('human', 'bot')).toBe(true);
  });

  it('forbids skipping the queue or reopening a human chat from the bot', () => {
    expect(canTransition('bot', 'human')).toBe(false);
    expect(canTransition('closed', 'human')).toBe(false);
  });

  it('lets an owned chat be transferred (back to the queue) or taken over (a new owner)', () => {
    expect(canTransition('human', 'queued')).toBe(true);
    expect(canTransition('human', 'human')).toBe(true);
    expect(canTransition('queued', 'queued')).toBe(false);
  });

  it('treats queued and human chats as owned by people', () => {
    expect(isHumanOwned('queued')).toBe(true);
    expect(isHumanOwned('human')).toBe(true);
    expect(isHumanOwned('bot')).toBe(false);
  });
});
