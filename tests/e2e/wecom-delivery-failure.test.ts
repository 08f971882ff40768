import type { Socket } from 'socket.io-client';
import type { BudgetEvent, DeliveryFailedEvent } from '@brokerbot/channels';
import { HOUR, ManualClock } from '@brokerbot/channels/src/simulators';
import { connect, emitAck, loginAdvisor, nextEvent } from '../support/test-system';
import { startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

/**
 * WeCom can accept a message and report later that it was not delivered (msg_send_fail). Here
 * WeCom's clock runs 49 hours ahead of ours after the client's message: our access_token has
 * expired there (refetched once on 42001), and the message we send is reported as over the 48-hour
 * window: marked failed with the reason, and the advisor is told.
 */
describe('WeCom msg_send_fail and access_token expiry', () => {
  let t: WecomTestSystem;
  let advisor: Socket;
  const clock = new ManualClock(Date.now());
  jest.setTimeout(90_000);

  beforeAll(async () => {
    // Replayed-looking timestamps are WeCom's clock, not an attack: the freshness window is off here.
    t = await startWecomSystem({ env: { CALLBACK_MAX_SKEW_S: '0' }, sim: { clock, budgetViolation: 'event' } });
    const { token } = await loginAdvisor(t.sys.url, 'wang.fang');
    advisor = await connect(t.sys.url, '/advisor', { token });
  });
  afterAll(async () => {
    advisor?.disconnect();
    await t.stop();
  });

  it('marks a message WeCom could not deliver failed, tells the advisor, and refetches an expired token once', async () => {
    const user = 'wmLate000000000000000000000000001';
    await t.sys.services.db.Customer.updateOne(
      { _id: 'C1003' },
      { $push: { identities: { channel: 'wecom', externalId: user } } },
    );
    const offer = nextEvent<{ handoffId: string }>(advisor, 'offer', () => true, 20_000);
    await t.sim.simulateClientMessage({ externalUserId: user, text: '我要转人工' });
    const { handoffId } = await offer;
    await waitFor(() => t.sim.sent.some((s) => s.touser === user), 'the bot notice');

    clock.advance(49 * HOUR);
    const failed = nextEvent<DeliveryFailedEvent>(advisor, 'delivery:failed', () => true, 20_000);
    const failedMessage = nextEvent<{ status: string; error?: string }>(
      advisor,
      'chat:message',
      (m) => m.status === 'failed',
      20_000,
    );
    const budget = nextEvent<BudgetEvent>(advisor, 'channel:budget', (b) => b.remaining === 0, 20_000);
    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string } }>(advisor, 'chat:accept', { handoffId });
    expect(accepted.ok).toBe(true);

    const event = await failed;
    expect(event).toMatchObject({
      conversationId: accepted.chat.conversationId,
      channel: 'wecom',
      code: 4,
      reason: expect.stringContaining('48小时'),
    });
    const stored = await t.sys.services.db.Message.findOne({ channel: 'wecom', channelMessageId: event.messageId }).lean();
    expect(stored).toMatchObject({ status: 'failed', author: { kind: 'system' }, error: expect.stringContaining('48小时') });
    // The live message carries the reason too, as a reloaded transcript does.
    expect(await failedMessage).toMatchObject({ error: stored!.error });
    expect(await budget).toMatchObject({ remaining: 0, windowEndsAt: null });

    // The token WeCom had expired was refused once, then a new one was fetched and used.
    const calls = t.sim.calls.map((c) => ({ path: c.path, errcode: c.response.errcode }));
    const refused = calls.findIndex((c) => c.errcode === 42001);
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(calls[refused + 1]).toEqual({ path: '/cgi-bin/gettoken', errcode: 0 });
    expect(calls.filter((c) => c.errcode === 42001)).toHaveLength(1);
  });
});
