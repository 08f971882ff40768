import type { ApiCall, WecomKfSimulator } from '@brokerbot/channels/src/simulators';
import { cleanUp, startTestSystem, testEnv, type TestSystem } from '../support/test-system';
import { KF, settled, startWecomSim, waitFor, wecomCredentials, wecomEnv } from './wecom-harness';

/**
 * The stored sync_msg cursor outlives WeCom's message log (in the demo: Ctrl-C, then `npm start`
 * again, which starts a new simulator while Redis keeps the cursor). WeCom refuses that cursor
 * with errcode 40058; the system drops it, syncs again without a cursor using the callback's
 * Token, and every client gets the bot's answer exactly once.
 */
describe('WeCom kf sync cursor the platform rejects (40058)', () => {
  jest.setTimeout(120_000);
  let sys: TestSystem | undefined;
  let sim: WecomKfSimulator | undefined;
  let config: TestSystem['config'] | undefined;

  afterEach(async () => {
    await sys?.stop();
    await sim?.stop();
    if (config) await cleanUp(config);
    sys = sim = config = undefined;
  });

  const sentTo = (user: string) => sim!.sent.filter((s) => s.touser === user);
  /** What the client read: a text's content, or a menu's head, items and tail. */
  const content = (user: string) => sentTo(user).map((s) => JSON.stringify(s.body.text ?? s.body.msgmenu));
  const inbound = (user: string) =>
    sys!.services.db.Message.countDocuments({ channel: 'wecom', direction: 'in', 'author.id': user });
  // Calls refused for the access_token (a restarted WeCom does not know ours; it is refetched) are not syncs.
  const syncs = (): ApiCall[] => sim!.calls.filter((c) => c.path === '/cgi-bin/kf/sync_msg' && c.response.errcode !== 40014);
  const answered = async (user: string) => {
    await waitFor(() => sentTo(user).length > 0, `the reply to ${user}`, 60_000);
    await settled(sys!);
  };

  it('answers clients once after WeCom’s message log was reset under a stored cursor', async () => {
    const creds = wecomCredentials();
    const [before, afterRestart, afterReset] = [
      'wmCursor000000000000000000000001',
      'wmCursor000000000000000000000002',
      'wmCursor000000000000000000000003',
    ];

    // First run: a client is answered; the cursor after its message is stored in Redis.
    sim = await startWecomSim(creds);
    const env = testEnv(wecomEnv(creds, sim.url));
    sys = await startTestSystem(env);
    config = sys.config;
    const cursorKey = `${config.QUEUE_PREFIX}:wecom:kf:${KF}:cursor`;
    sim.setCallbackUrl(`${sys.url}/channels/wecom/callback`);
    await sim.simulateClientMessage({ externalUserId: before, text: '交易时间是几点？' });
    await answered(before);
    const stale = await sys.services.redis.get(cursorKey);
    expect(stale).toBeTruthy();

    // Ctrl-C: the system and the simulator stop; Redis and the database keep their state.
    await sys.stop();
    await sim.stop();
    sys = sim = undefined;

    // `npm start` again: a new simulator, whose log is empty and which never issued that cursor.
    sim = await startWecomSim(creds);
    sys = await startTestSystem({ ...env, WECOM_API_BASE: sim.url });
    sim.setCallbackUrl(`${sys.url}/channels/wecom/callback`);
    const afterRestartEvent = await sim.simulateClientMessage({ externalUserId: afterRestart, text: '怎么开户' });
    await answered(afterRestart);
    expect(sentTo(afterRestart)).toHaveLength(1);
    expect(content(afterRestart)[0]).toContain('开户');
    expect(await inbound(afterRestart)).toBe(1);
    // WeCom refused the stored cursor (after the old run's callback Token, which it does not know
    // either, when the start-up pull still had it); it was never sent again.
    const withStale = syncs().filter((c) => c.body.cursor === stale);
    expect(withStale.filter((c) => c.response.errcode === 40058)).toHaveLength(1);
    expect(withStale.at(-1)!.response.errcode).toBe(40058);
    expect(String(withStale.at(-1)!.response.errmsg)).toMatch(/^invalid cursor\. .*more info at .*\?e=40058$/);
    const fresh = await sys.services.redis.get(cursorKey);
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(stale);

    // While running, the stored cursor is one this WeCom never issued (as after a failover to
    // another platform's log): the next callback recovers, with its Token, and re-reads the log.
    await sys.services.redis.set(cursorKey, 'a-cursor-wecom-never-issued');
    const since = syncs().length;
    const afterResetEvent = await sim.simulateClientMessage({ externalUserId: afterReset, text: '交易时间是几点？' });
    await answered(afterReset);
    const pulls = syncs().slice(since);
    expect(pulls.map((c) => [c.body.cursor ?? null, c.response.errcode])).toEqual([
      ['a-cursor-wecom-never-issued', 40058],
      [null, 0],
    ]);
    expect(pulls[1]!.body.token).toBe(afterResetEvent.syncToken);
    // The sync without a cursor served the earlier message again; it was not answered again.
    const served = (pulls[1]!.response.msg_list as { msgid: string }[]).map((m) => m.msgid);
    expect(served).toEqual([afterRestartEvent.message.msgid, afterResetEvent.message.msgid]);
    expect(sentTo(afterRestart)).toHaveLength(1);
    expect(await inbound(afterRestart)).toBe(1);
    expect(sentTo(afterReset)).toHaveLength(1);
    expect(content(afterReset)[0]).toContain('9:30');
    expect(await inbound(afterReset)).toBe(1);
    expect(await inbound(before)).toBe(1);
  });
});
