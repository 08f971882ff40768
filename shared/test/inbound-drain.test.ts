import { drainRate, PaceMeter, shouldRefuse } from '../src/inbound-drain';

describe('app backpressure: refusing only what the bots cannot reach in time', () => {
  const limits = { minBacklog: 100, maxWaitS: 2 };

  it('queues a backlog the bots clear within the wait, and refuses one they would not', () => {
    expect(shouldRefuse(300, 200, limits)).toBe(false); // 1.5 s
    expect(shouldRefuse(400, 200, limits)).toBe(false); // 2.0 s: still in time
    expect(shouldRefuse(500, 200, limits)).toBe(true); // 2.5 s
  });

  it('never refuses below the minimum backlog, even with the bots stopped', () => {
    expect(shouldRefuse(99, 0, limits)).toBe(false);
    expect(shouldRefuse(99, null, limits)).toBe(false);
  });

  it('refuses on the backlog alone when no bot answers or the pace is not known yet', () => {
    expect(shouldRefuse(100, 0, limits)).toBe(true);
    expect(shouldRefuse(100, null, limits)).toBe(true);
  });

  it('never refuses when turned off', () => {
    expect(shouldRefuse(1_000_000, 0, { minBacklog: 0, maxWaitS: 2 })).toBe(false);
  });

  it('measures the pace over the samples, and not before they span a second', () => {
    expect(drainRate([{ at: 0, finished: 10 }])).toBeNull();
    expect(
      drainRate([
        { at: 0, finished: 10 },
        { at: 500, finished: 60 },
      ]),
    ).toBeNull();
    expect(
      drainRate([
        { at: 0, finished: 1_000 },
        { at: 2_000, finished: 1_400 },
        { at: 4_000, finished: 1_800 },
      ]),
    ).toBe(200);
  });

  it('counts from zero again when the counter went back (Redis lost its data)', () => {
    expect(
      drainRate([
        { at: 0, finished: 5_000 },
        { at: 2_000, finished: 300 },
      ]),
    ).toBe(150);
  });
});

describe('app backpressure: the bots’ pace', () => {
  it('judges a burst after a quiet spell by the pace the bots last showed, for a minute', () => {
    const pace = new PaceMeter(5_000, 60_000);
    // Busy: 200 turns/s for 5 s.
    for (let t = 0; t <= 5_000; t += 250) pace.add({ at: t, finished: t / 5 });
    expect(pace.perSecond(5_000)).toBe(200);
    // Then 20 s with nothing to answer: the window's pace is 0, the best one still counts.
    for (let t = 5_250; t <= 25_000; t += 250) pace.add({ at: t, finished: 1_000 });
    expect(pace.perSecond(25_000)).toBe(200);
    // A minute later it no longer does.
    for (let t = 25_250; t <= 70_000; t += 250) pace.add({ at: t, finished: 1_000 });
    expect(pace.perSecond(70_000)).toBe(0);
  });

  it('knows nothing before a second of samples', () => {
    const pace = new PaceMeter();
    pace.add({ at: 0, finished: 0 });
    pace.add({ at: 250, finished: 10 });
    expect(pace.perSecond(250)).toBeNull();
  });
});
