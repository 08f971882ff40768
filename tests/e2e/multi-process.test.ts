import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { connectDb, loadConfig, seedDemo, type Config, type Db } from '@brokerbot/shared';
import { startRoleProcess, type RoleProcess } from '../support/role-process';
import { cleanUp, clientToken, connect, emitAck, loginAdvisor, nextEvent, testEnv } from '../support/test-system';

/** Knowledge-base questions the bot answers straight from the entry, each with its own answer. */
const QUESTION_IDS = [
  'open-account-fee',
  'account-numbers',
  'dormant-account',
  'pc-client-download',
  'watchlist-sync',
  'price-alert',
  'biometric-login',
  'cb-subscribe',
  'dividend-arrival',
  'record-date',
  'hk-connect-hours',
  'ipo-how',
  'ipo-winning-result',
  'options-open',
  'permission-star',
  'risk-assessment-how',
  'repo-what',
  'fund-auto-invest',
  'branch-hours',
  'account-statement',
];

interface KbEntry {
  id: string;
  question: string;
  answer: string;
}

function knowledgeBase(): Map<string, KbEntry> {
  const dir = path.resolve(__dirname, '..', '..', 'flows', 'data', 'kb');
  const entries = new Map<string, KbEntry>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    for (const e of (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { entries: KbEntry[] }).entries) {
      entries.set(e.id, e);
    }
  }
  return entries;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type WireMessage = { from: string; text: string; seq: number };

/**
 * Several processes, one system: two gateways, two bot workers, two routers and an outbound
 * worker, each its own OS process, on one Redis and one database. A client and advisors connect
 * to either gateway; what they see is what one process would have shown them.
 */
describe('two of every role, in separate processes', () => {
  // Seven processes compile and load their models on a 2-core machine shared with other test runs.
  jest.setTimeout(300_000);

  const env = testEnv();
  const config: Config = loadConfig(env);
  const processes: RoleProcess[] = [];
  const sockets: Socket[] = [];
  let db: Db | undefined;
  let gatewayA = '';
  let gatewayB = '';

  const track = <T extends Socket>(socket: T): T => {
    sockets.push(socket);
    return socket;
  };
  /** The tail of every process's log, for a failure message. */
  const logs = () => processes.map((p, i) => `--- process ${i} (${p.url ?? 'worker'}):\n${p.output().slice(-3_000)}`).join('\n');

  async function waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > until) throw new Error(`timed out waiting until ${what}\n${logs()}`);
      await sleep(50);
    }
  }

  beforeAll(async () => {
    // The demo data once, before the processes start (each would otherwise upsert it at the same time).
    db = await connectDb(config.MONGODB_URI, { ferretPostgresUrl: config.FERRETDB_POSTGRESQL_URL });
    await seedDemo(db);
    const roles = ['gateway', 'gateway', 'bot', 'bot', 'router', 'router', 'outbound'];
    const started = await Promise.allSettled(roles.map((r) => startRoleProcess(env, r, { startTimeoutMs: 240_000 })));
    for (const s of started) if (s.status === 'fulfilled') processes.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const urls = processes.flatMap((p) => (p.url ? [p.url] : []));
    expect(urls).toHaveLength(2);
    [gatewayA, gatewayB] = urls as [string, string];
    expect(gatewayA).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gatewayB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gatewayB).not.toBe(gatewayA);
  }, 300_000);

  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await Promise.all(processes.map((p) => p.kill()));
    await db?.close();
    await cleanUp(config);
  });

  it("answers a client's 20 quick messages in their order, once each, on both of the client's tabs", async () => {
    const kb = knowledgeBase();
    const asked = QUESTION_IDS.map((id) => kb.get(id)!);
    expect(asked.every(Boolean)).toBe(true);
    expect(new Set(asked.map((e) => e.answer)).size).toBe(asked.length);

    // The client's phone is on gateway A, its second tab on gateway B.
    const token = clientToken(config, 'C1001', 'SH01');
    const phone = track(await connect(gatewayA, '/client', { token }));
    const tab = track(await connect(gatewayB, '/client', { token }));
    const onPhone: WireMessage[] = [];
    const onTab: WireMessage[] = [];
    phone.on('message', (m: WireMessage) => m.from === 'bot' && onPhone.push(m));
    tab.on('message', (m: WireMessage) => m.from === 'bot' && onTab.push(m));

    // A new conversation's first 20 questions in a burst: all leave before the first acknowledgement comes back.
    const acks = await Promise.all(
      asked.map((e, i) =>
        emitAck<{ ok: boolean; seq: number }>(phone, 'message', { clientMessageId: `q${i + 1}`, text: e.question }, 60_000),
      ),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    // Stored in the order they were sent: the order the client's chat shows them in.
    const seqs = acks.map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    await waitUntil('20 answers reached both tabs', () => onPhone.length >= 20 && onTab.length >= 20, 180_000);
    await sleep(1_500); // a duplicate would have arrived by now
    const expected = asked.map((e) => e.answer);
    expect(onPhone.map((m) => m.text)).toEqual(expected);
    expect(onTab.map((m) => m.text)).toEqual(expected);
    // Stored in that order too: each answer after its question and after the answer before it.
    const answerSeqs = onPhone.map((m) => m.seq);
    answerSeqs.forEach((s, i) => {
      expect(s).toBeGreaterThan(seqs[i]!);
      if (i > 0) expect(s).toBeGreaterThan(answerSeqs[i - 1]!);
    });
  });

  it('offers an escalation from a client on gateway B to an advisor on gateway A, whose reply arrives once', async () => {
    // 王芳 (SH01) is on gateway A; 张敏 (SZ01, not the client's branch) watches from gateway B.
    const wang = track(await connect(gatewayA, '/advisor', { token: (await loginAdvisor(gatewayA, 'wang.fang')).token }));
    track(await connect(gatewayB, '/advisor', { token: (await loginAdvisor(gatewayB, 'zhang.min')).token }));
    const client = track(await connect(gatewayB, '/client', { token: clientToken(config, 'C1002', 'SH01') }));

    const offers: { handoffId: string }[] = [];
    wang.on('offer', (o: { handoffId: string }) => offers.push(o));
    const offer = nextEvent<{ handoffId: string; customer: { id: string } }>(
      wang,
      'offer',
      (o) => o.customer.id === 'C1002',
      60_000,
    );
    const notice = nextEvent<WireMessage>(client, 'message', (m) => m.from === 'bot', 60_000);
    await emitAck(client, 'message', { clientMessageId: 'h1', text: '两融要被强平了，血本无归' }, 30_000);
    expect((await notice).text).toContain('转接');
    const offered = await offer;

    const accepted = await emitAck<{ ok: boolean; chat: { conversationId: string; messages: { text: string }[] } }>(
      wang,
      'chat:accept',
      { handoffId: offered.handoffId },
      30_000,
    );
    expect(accepted.ok).toBe(true);
    expect(accepted.chat.messages.map((m) => m.text)).toContain('两融要被强平了，血本无归');

    const fromAdvisor: WireMessage[] = [];
    client.on('message', (m: WireMessage) => m.from === 'advisor' && fromAdvisor.push(m));
    const reply = '您好，我是王芳，正在查看您的两融账户，请稍等。';
    const sent = await emitAck<{ ok: boolean }>(
      wang,
      'chat:send',
      { conversationId: accepted.chat.conversationId, clientMessageId: 'a1', text: reply },
      30_000,
    );
    expect(sent.ok).toBe(true);
    await waitUntil("the advisor's reply reached the client", () => fromAdvisor.length >= 1, 60_000);
    await sleep(1_500); // a duplicate would have arrived by now
    expect(fromAdvisor.map((m) => m.text)).toEqual([reply]);
    // Two routers, one offer.
    expect(offers.filter((o) => o.handoffId === offered.handoffId)).toHaveLength(1);
  });
});
