import { createServer } from 'node:net';
import { startRoleProcess, type RoleProcess } from '../support/role-process';
import { cleanUp, startTestSystem, testEnv, type TestSystem } from '../support/test-system';
import { KF, settled, startWecomSim, waitFor, wecomCredentials, wecomEnv } from './wecom-harness';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The gateway (which pulls kf messages) runs in its own OS process and is SIGKILLed after WeCom
 * has answered sync_msg but before it handled the page. The cursor had not moved, so a new
 * gateway reads the page again at start-up: nothing is lost, nothing is stored twice.
 */
describe('WeCom kf pull survives a crash between sync_msg and processing', () => {
  let sys: TestSystem | undefined;
  const processes: RoleProcess[] = [];
  jest.setTimeout(120_000);

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill()));
    if (sys) {
      await sys.stop();
      await cleanUp(sys.config);
    }
  });

  it('re-reads the page after a restart and answers every message once', async () => {
    const creds = wecomCredentials();
    const sim = await startWecomSim(creds);
    try {
      const port = await freePort();
      const env = testEnv(wecomEnv(creds, sim.url, { PORT: String(port) }));
      // Bot, router and outbound in this process; the gateway, which pulls, in a child process.
      sys = await startTestSystem({ ...env, ROLES: 'bot,router,outbound' });
      let gateway = await startRoleProcess(env, 'gateway');
      processes.push(gateway);
      sim.setCallbackUrl(`http://127.0.0.1:${port}/channels/wecom/callback`);

      // The moment WeCom serves a page with messages, the gateway is frozen (it can never
      // handle the answer) and then killed.
      let crashed = false;
      const page = sim.log.page.bind(sim.log);
      sim.log.page = (...args) => {
        const served = page(...args);
        if (!crashed && served && served.msg_list.length > 0) {
          crashed = true;
          gateway.child.kill('SIGSTOP');
          setImmediate(() => gateway.child.kill('SIGKILL'));
        }
        return served;
      };

      const users = ['wmCrash000000000000000000000000001', 'wmCrash000000000000000000000000002'];
      const first = await sim.simulateClientMessage({ externalUserId: users[0]!, text: '交易时间是几点？' });
      // The callback was answered at once (the pull runs after the answer), then the page was served.
      expect(first.deliveries[0]!.attempts.at(-1)).toMatchObject({ status: 200 });
      await waitFor(
        () => crashed && (gateway.child.exitCode !== null || gateway.child.signalCode !== null),
        'the gateway to be killed',
      );
      expect(gateway.child.signalCode).toBe('SIGKILL');
      // Another client writes while no gateway runs: WeCom's callback reaches nobody.
      await sim.simulateClientMessage({ externalUserId: users[1]!, text: '佣金是多少？' });
      expect(await sys.services.db.Message.countDocuments({ channel: 'wecom' })).toBe(0);

      // A new gateway starts, waits out the dead one's pull lock, and reads from the stored cursor.
      gateway = await startRoleProcess(env, 'gateway');
      processes.push(gateway);
      const sentTo = (user: string) => sim.sent.filter((s) => s.touser === user);
      await waitFor(() => users.every((u) => sentTo(u).length > 0), 'replies to both clients', 60_000);
      await settled(sys);
      for (const user of users) {
        expect(await sys.services.db.Message.countDocuments({ channel: 'wecom', direction: 'in', 'author.id': user })).toBe(1);
        expect(sentTo(user)).toHaveLength(1);
      }
      expect((sentTo(users[0]!)[0]!.body.text as { content: string }).content).toContain('9:30');
      // The page that was served before the crash was served again after it.
      const pulledFirst = sim.calls.filter(
        (c) =>
          c.path === '/cgi-bin/kf/sync_msg' &&
          (c.response.msg_list as { msgid: string }[]).some((m) => m.msgid === first.message.msgid),
      );
      expect(pulledFirst).toHaveLength(2);
      expect(pulledFirst[0]!.body.cursor).toEqual(pulledFirst[1]!.body.cursor);
      expect(sim.openKfIds).toEqual([KF]);
    } finally {
      await sim.stop();
    }
  });
});
