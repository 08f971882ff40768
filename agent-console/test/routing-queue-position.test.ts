import { expectedWaitS, placesInQueue, queueMessage, secondsPerPlace, shouldTellClient } from '../src/queue-position';

describe("a waiting client's place in the queue", () => {
  it('counts the clients ahead in the same branch, most urgent first, then by arrival', () => {
    const places = placesInQueue([
      { handoffId: 'a', branchId: 'SH01', priority: 5, createdAt: 1 },
      { handoffId: 'b', branchId: 'SH01', priority: 5, createdAt: 2 },
      { handoffId: 'vip', branchId: 'SH01', priority: 2, createdAt: 3 },
      { handoffId: 'sz', branchId: 'SZ01', priority: 5, createdAt: 0 },
    ]);
    expect(Object.fromEntries(places)).toEqual({ vip: 0, a: 1, b: 2, sz: 0 });
  });

  it('estimates the wait from how long recent chats waited', () => {
    expect(secondsPerPlace([])).toBe(60);
    expect(secondsPerPlace([30, 90, 120])).toBe(90);
    expect(secondsPerPlace([1, 2, 3])).toBe(20);
    expect(expectedWaitS(2, 90)).toBe(270);
  });

  it('tells the client once at first, then only when the place improves and not too often', () => {
    expect(shouldTellClient(null, 0, 0, 30)).toBe(false);
    expect(shouldTellClient(null, 3, 0, 30)).toBe(true);
    expect(shouldTellClient({ ahead: 3, at: 0 }, 2, 10_000, 30)).toBe(false);
    expect(shouldTellClient({ ahead: 3, at: 0 }, 2, 30_000, 30)).toBe(true);
    expect(shouldTellClient({ ahead: 3, at: 0 }, 4, 60_000, 30)).toBe(false);
  });

  it('says it in Chinese with whole minutes', () => {
    expect(queueMessage(2, 270)).toBe('您前面还有 2 位客户在等待，预计等待约 5 分钟，请稍候。');
    expect(queueMessage(0, 40)).toContain('第一位');
  });
});
