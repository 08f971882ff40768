import { Worker } from 'bullmq';
import type { Socket } from 'socket.io-client';
import { loadBrain, requeueStaleInbound, startBotRole } from '@brokerbot/bot';
import { createLogger, createRedis, QUEUE_NAMES, type RoleHandle } from '@brokerbot/shared';
import {
  cleanUp,
  clientToken,
  connect,
  emitAck,
  nextEvent,
  startTestSystem,
  testEnv,
  type TestSystem,
} from '../support/test-system';

/**
 * A client's question whose job failed for good (its worker killed once too often, a database
 * outage longer than its retries) is still answered: the bot's recovery sweep queues it again.
 */
describe('inbound recovery of a failed job', () => {
  let sys: TestSystem;
  let client: Socket;
  let bot: RoleHandle | undefined;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    sys = await startTestSystem(testEnv({ ROLES: 'gateway,outbound' })); // no bot yet
    client = await connect(sys.url, '/client', { token: clientToken(sys.config, 'C1001', 'SH01') });
    await nextEvent(client, 'history');
  });
  afterAll(async () => {
    client.disconnect();
    await bot?.stop();
    await sys.stop();
    await cleanUp(sys.config);
  });

  it('queues the message again a while after its job failed, and the client gets one answer', async () => {
    expect(await emitAck(client, 'message', { clientMessageId: 'fail-1', text: '交易时间是几点？' })).toMatchObject({ ok: true });

    // Its job fails for good, as BullMQ fails a job that stalled more often than allowed.
    const connection = createRedis(sys.config.REDIS_URL, 'test-failer');
    const failer = new Worker(QUEUE_NAMES.inbound, null, { connection, prefix: sys.config.QUEUE_PREFIX });
    const job = await failer.getNextJob('failer-token');
    expect(job?.data).toMatchObject({ text: '交易时间是几点？' });
    job!.discard();
    await job!.moveToFailed(new Error('job stalled more than allowable limit'), 'failer-token');
    await failer.close();
    await connection.quit();
    expect(await sys.services.queues.inbound.getJobState(job!.id!)).toBe('failed');

    // Just failed: left alone for now (a failing database is given a minute) …
    expect(await requeueStaleInbound(sys.services, 0)).toBe(0);
    // … and queued again once that minute is over.
    expect(await requeueStaleInbound(sys.services, 0, 0)).toBe(1);
    expect(await sys.services.queues.inbound.getJobState(job!.id!)).toBe('waiting');

    const answers: string[] = [];
    client.on('message', (m: { from: string; text: string }) => {
      if (m.from === 'bot') answers.push(m.text);
    });
    const answered = nextEvent<{ from: string; text: string }>(client, 'message', (m) => m.from === 'bot', 60_000);
    bot = startBotRole(sys.services, loadBrain(sys.config, createLogger('silent')));
    expect((await answered).text).toMatch(/交易时间|9:30|09:30/);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(answers).toHaveLength(1);
  });
});
