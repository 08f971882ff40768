import { KeyedSerializer } from '../src/keyed-serializer';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedSerializer', () => {
  it('runs tasks of one key in submission order, even when an earlier one is slower', async () => {
    const s = new KeyedSerializer();
    const order: string[] = [];
    await Promise.all([
      s.run('a', async () => {
        await tick(30);
        order.push('a1');
      }),
      s.run('a', async () => {
        order.push('a2');
      }),
    ]);
    expect(order).toEqual(['a1', 'a2']);
  });

  it('runs different keys concurrently', async () => {
    const s = new KeyedSerializer();
    const order: string[] = [];
    await Promise.all([
      s.run('a', async () => {
        await tick(30);
        order.push('a');
      }),
      s.run('b', async () => {
        order.push('b');
      }),
    ]);
    expect(order).toEqual(['b', 'a']);
  });

  it('keeps going after a failed task and forgets idle keys', async () => {
    const s = new KeyedSerializer();
    await expect(s.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(s.run('a', async () => 42)).resolves.toBe(42);
    await tick(0);
    expect(s.size).toBe(0);
  });
});
