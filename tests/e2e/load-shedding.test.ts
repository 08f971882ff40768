import { cleanUp, clientToken, connect, emitAck, startTestSystem, testEnv, type TestSystem } from '../support/test-system';

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
    client.disconnect();
  });
});
