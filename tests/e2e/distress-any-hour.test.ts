import { readPolicy } from '@brokerbot/flows';
import {
  clientToken,
  connect,
  emitAck,
  loginAdvisor,
  nextEvent,
  policyFile,
  testEnv,
  useTestSystem,
} from '../support/test-system';

type Wire = { from: string; text: string };

/**
 * Found by a new user: at 22:44 a client wrote 两融要被强平了，血本无归 and got the generic
 * after-hours text while an advisor was online. Distress goes to an online advisor at any hour;
 * the client's holding answer is practical and promises nothing the schedule cannot keep.
 * The system runs with a policy whose business hours are never open (always after hours).
 */
describe('distress after business hours', () => {
  const file = policyFile('never');
  const ctx = useTestSystem(() => testEnv({ ESCALATION_POLICY_PATH: file }));

  it('is offered to the advisor who is online, and the client is told what to do meanwhile', async () => {
    const { token } = await loginAdvisor(ctx.sys.url, 'wang.fang');
    const advisor = ctx.track(await connect(ctx.sys.url, '/advisor', { token }));
    const client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1001', 'SH01') }));

    const offer = nextEvent<{ handoffId: string; customer: { id: string }; reasons: string[] }>(advisor, 'offer');
    const holding = nextEvent<Wire>(client, 'message', (m) => m.from === 'bot');
    expect(await emitAck(client, 'message', { clientMessageId: 'd1', text: '两融要被强平了，血本无归' })).toMatchObject({
      ok: true,
    });

    const offered = await offer;
    expect(offered.customer.id).toBe('C1001');
    const handoff = await ctx.sys.services.db.Handoff.findById(offered.handoffId).lean();
    expect(handoff).toMatchObject({ afterHours: false, status: 'queued' });
    expect(handoff!.reasons).toContain('distress:血本无归');

    const text = (await holding).text;
    // Not the call-back text, and no promise that someone joins at once.
    expect(text).not.toContain('顾问上班后会第一时间联系您');
    expect(text).not.toContain('马上有人与您联系');
    expect(text).toContain('非人工服务时间');
    // Practical: what a margin call means now, the deadline, and the hotline.
    expect(text).toContain('追保');
    expect(text).toMatch(/下一交易日收市前/);
    expect(text).toContain(readPolicy(file).hotline);
  });

  it('still takes a routine request after hours as a call-back', async () => {
    const client = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1002', 'SH01') }));
    const reply = nextEvent<Wire>(client, 'message', (m) => m.from === 'bot');
    await emitAck(client, 'message', { clientMessageId: 'r1', text: '我要转人工' });
    expect((await reply).text).toContain('非人工服务时间');
    const handoff = await ctx.sys.services.db.Handoff.findOne({ customerId: 'C1002' }).lean();
    expect(handoff).toMatchObject({ afterHours: true });
  });
});
