import { ENTER_WINDOW, MESSAGE_WINDOW, SendBudget } from '../src/tencent/send-budget';
import { testRedis } from './support/redis';

/** The 5-in-48 h (and mini-program 2-in-1 min) send budget, counted in real Redis. */
describe('send budget', () => {
  const r = testRedis();
  afterAll(() => r.cleanUp());
  const budget = () => new SendBudget(r.redis, `${r.prefix}:budget`, [MESSAGE_WINDOW, ENTER_WINDOW]);

  it('allows nothing before the client acts, then five messages after a client message', async () => {
    const b = budget();
    expect(await b.charge('c1', 'm0')).toEqual({ ok: false, reason: 'expired' });
    expect(await b.read('c1')).toEqual({ remaining: 0, limit: 5, windowEndsAt: null });
    expect(await b.open('c1', 'message', Date.now(), 'msg1')).toBe(true);
    for (let i = 1; i <= 5; i++) expect(await b.charge('c1', `m${i}`)).toEqual({ ok: true });
    expect(await b.charge('c1', 'm6')).toEqual({ ok: false, reason: 'exhausted' });
    expect((await b.read('c1')).remaining).toBe(0);
  });

  it('counts a retried send (same id) once, and gives back a refund', async () => {
    const b = budget();
    await b.open('c2', 'message', Date.now(), 'msg1');
    await b.charge('c2', 'same');
    await b.charge('c2', 'same');
    expect((await b.read('c2')).remaining).toBe(4);
    await b.refund('c2', 'same');
    expect((await b.read('c2')).remaining).toBe(5);
  });

  it('resets on each new client message, even in the same second, never on an older or repeated one', async () => {
    const b = budget();
    const t0 = Date.now() - 1000;
    await b.open('c3', 'message', t0, 'msgA');
    await b.charge('c3', 'a');
    expect(await b.open('c3', 'message', t0, 'msgA')).toBe(false); // read again after a crash
    expect(await b.open('c3', 'message', t0 - 1000, 'msgOld')).toBe(false);
    expect((await b.read('c3')).remaining).toBe(4);
    expect(await b.open('c3', 'message', t0, 'msgB')).toBe(true); // another message in the same second
    expect((await b.read('c3')).remaining).toBe(5);
    await b.charge('c3', 'b');
    expect(await b.open('c3', 'message', t0, 'msgA')).toBe(false);
    expect(await b.open('c3', 'message', t0 + 1000, 'msgC')).toBe(true);
    expect((await b.read('c3')).remaining).toBe(5);
    // A message older than 48 h opens nothing.
    expect(await b.open('c3b', 'message', Date.now() - MESSAGE_WINDOW.ttlMs - 1, 'msgD')).toBe(false);
  });

  it('adds the mini-program enter allowance and uses the window that closes first', async () => {
    const b = budget();
    await b.open('c4', 'enter', Date.now(), 'enter');
    expect(await b.read('c4')).toMatchObject({ remaining: 2, limit: 2 });
    await b.open('c4', 'message', Date.now(), 'msg1');
    expect(await b.read('c4')).toMatchObject({ remaining: 7, limit: 7 });
    await b.charge('c4', 'x');
    // Charged to the 1-minute enter window, not to the client's five.
    expect(await r.redis.scard(`${r.prefix}:budget:c4:enter:charged`)).toBe(1);
    expect(await r.redis.scard(`${r.prefix}:budget:c4:message:charged`)).toBe(0);
  });

  it('believes the platform when it says the count is used up or the window closed', async () => {
    const b = budget();
    await b.open('c5', 'message', Date.now(), 'msg1');
    await b.platformSays('c5', 'exhausted');
    expect(await b.charge('c5', 'y')).toEqual({ ok: false, reason: 'exhausted' });
    await b.platformSays('c5', 'expired');
    expect(await b.charge('c5', 'y')).toEqual({ ok: false, reason: 'expired' });
  });
});
