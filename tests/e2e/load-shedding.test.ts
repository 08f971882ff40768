import { cleanUp, clientToken, connect, emitAck, startTestSystem, testEnv, type TestSystem } from '../support/test-system';

/** bb_messages_refused_total{reason} as /metrics shows it. */
async function refusedCount(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`bb_messages_refused_total{reason="${reason}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('gateway under overload', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem(testEnv({ INGEST_MAX_IN_FLIGHT: '2' }));
  });
  afterAll(async () => {
    await sys.stop();
    await cleanUp(sys.config);
  });

  it('tells clients to retry beyond its in-flight limit, and stores each retried message once', async () => {
    const client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1001', 'SH01') });
    const ids = Array.from({ length: 12 }, (_, i) => `burst${i}`);
    const acks = await Promise.all(
      ids.map((id) =>
        emitAck<{ ok: boolean; error?: string; message?: string }>(client, 'message', { clientMessageId: id, text: '交易时间' }),
      ),
    );
    const busy = acks.filter((a) => !a.ok);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]).toMatchObject({ error: 'busy', message: '系统繁忙，请稍后重试' });
    // The client resends the refused ones, one at a time, with the same ids.
    for (const [i, ack] of acks.entries()) {
      if (!ack.ok)
        expect(await emitAck(client, 'message', { clientMessageId: ids[i], text: '交易时间' })).toMatchObject({ ok: true });
    }
    expect(await sys.services.db.Message.countDocuments({ direction: 'in' })).toBe(12);
    // Operators see the refusals.
    expect(await refusedCount(sys.url, 'in_flight')).toBe(busy.length);
    client.disconnect();
  });
});

describe('gateway when the bot falls behind', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    // No bot role: nothing drains the inbound queue, as when the bots cannot keep up.
    sys = await startTestSystem(testEnv({ INBOUND_MAX_BACKLOG: '3', ROLES: 'gateway,router,outbound' }));
  });
  afterAll(async () => {
    await sys.stop();
    await cleanUp(sys.config);
  });

  it('refuses new app messages while the backlog is full, and takes them again once it drains', async () => {
    const client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1002', 'SH01') });
    const send = (id: string) =>
      emitAck<{ ok: boolean; error?: string }>(client, 'message', { clientMessageId: id, text: '交易时间' });
    for (const id of ['q1', 'q2', 'q3']) expect(await send(id)).toMatchObject({ ok: true });
    // The gateway reads the queue's length in the background (every 250 ms).
    let refused: { ok: boolean; error?: string } | null = null;
    for (let i = 0; i < 40 && !refused; i++) {
      const ack = await send(`late${i}`);
      if (!ack.ok) refused = ack;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused).toMatchObject({ ok: false, error: 'busy' });
    expect(await refusedCount(sys.url, 'backlog')).toBeGreaterThanOrEqual(1);
    const storedWhileFull = await sys.services.db.Message.countDocuments({ direction: 'in' });

    await sys.services.queues.inbound.drain();
    let accepted = false;
    for (let i = 0; i < 40 && !accepted; i++) {
      accepted = (await send('after-drain')).ok;
      if (!accepted) await new Promise((r) => setTimeout(r, 50));
    }
    expect(accepted).toBe(true);
    // A refused message was not stored: the client resends it.
    expect(await sys.services.db.Message.countDocuments({ direction: 'in' })).toBe(storedWhileFull + 1);
    client.disconnect();
  });
});
