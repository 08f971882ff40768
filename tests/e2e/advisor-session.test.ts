import { io, type Socket } from 'socket.io-client';
import { disableAdvisor, enableAdvisor, revokeAdvisor } from '@brokerbot/agent-console';
import { ACCOUNT_SWEEP_MS } from '@brokerbot/agent-console/src/advisor-session';
import { MediaStore } from '@brokerbot/channels/src/media';
import { mediaUrl } from '@brokerbot/shared';
import { clientToken, connect, emitAck, loginAdvisor, useTestSystem } from '../support/test-system';
import { startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

const REVOKED_MESSAGE = '账号已停用或登录已失效，请重新登录';

interface Login {
  status: number;
  body: { token?: string; advisor?: { id: string }; error?: string; message?: string };
}

async function login(url: string, username: string, password = 'demo1234'): Promise<Login> {
  const res = await fetch(`${url}/api/advisor/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as Login['body'] };
}

async function getMedia(
  url: string,
  messageId: string,
  token: string,
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const res = await fetch(`${url}${mediaUrl(messageId)}`, { headers: { authorization: `Bearer ${token}` } });
  const json = /json/.test(res.headers.get('content-type') ?? '') ? ((await res.json()) as Record<string, unknown>) : null;
  if (!json) await res.arrayBuffer();
  return { status: res.status, json };
}

/** Connecting with this token is refused: resolves with the error the console gets. */
function refusedConnect(url: string, token: string): Promise<{ message: string; data?: { message?: string } }> {
  const socket = io(`${url}/advisor`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('ready', () => {
      socket.disconnect();
      reject(new Error('the console connected with a revoked token'));
    });
    socket.once('connect_error', (err: Error & { data?: { message?: string } }) => {
      socket.disconnect();
      resolve({ message: err.message, data: err.data });
    });
  });
}

/** Resolves with the time the server disconnected the socket, and the revocation notice it sent first. */
function serverDisconnect(socket: Socket): Promise<{ at: number; reason: string; notice: unknown }> {
  let notice: unknown = null;
  socket.once('session:revoked', (payload: unknown) => {
    notice = payload;
  });
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve({ at: Date.now(), reason, notice })));
}

describe('revoking an advisor’s access', () => {
  let t: WecomTestSystem;
  const sockets: Socket[] = [];
  const track = (s: Socket) => (sockets.push(s), s);
  /** A client's voice message in SH01 (CHANNEL_DEFAULT_BRANCH), kept and downloadable by SH01 advisors. */
  let msgid = '';
  jest.setTimeout(90_000);

  beforeAll(async () => {
    t = await startWecomSystem({ env: { ROLES: 'gateway,outbound', CHANNEL_DEFAULT_BRANCH: 'SH01' } });
    const sent = await t.sim.simulateClientMedia({ externalUserId: 'wmSession00000000000000000000voice', kind: 'voice' });
    msgid = sent.message.msgid;
    const store = new MediaStore(t.sys.services.db);
    await waitFor(async () => (await store.find('wecom', msgid))?.status === 'stored', 'the voice kept');
  });
  afterAll(async () => {
    sockets.forEach((s) => s.disconnect());
    await t?.stop();
  });

  it('disconnects a disabled advisor at once, refuses the old token everywhere, and lets them back once enabled', async () => {
    const { url, services } = t.sys;
    const { token, advisor } = await loginAdvisor(url, 'wang.fang');
    expect((await getMedia(url, msgid, token)).status).toBe(200);
    const tab1 = track(await connect(url, '/advisor', { token }));
    const tab2 = track(await connect(url, '/advisor', { token }));
    const colleague = track(await connect(url, '/advisor', { token: (await loginAdvisor(url, 'li.qiang')).token }));
    expect(await emitAck(tab1, 'queue:list')).toMatchObject({ ok: true });

    const ended = [serverDisconnect(tab1), serverDisconnect(tab2)];
    const disabledAt = Date.now();
    expect(await disableAdvisor(services, advisor.id)).toBe(true);
    for (const { at, reason, notice } of await Promise.all(ended)) {
      expect(at - disabledAt).toBeLessThan(2_000);
      expect(reason).toBe('io server disconnect');
      expect(notice).toEqual({ error: 'token_revoked', message: REVOKED_MESSAGE });
    }

    // The same token: refused on reconnect, at the media route; the password no longer logs in.
    expect(await refusedConnect(url, token)).toEqual({ message: 'token_revoked', data: { message: REVOKED_MESSAGE } });
    expect(await getMedia(url, msgid, token)).toEqual({
      status: 401,
      json: { error: 'token_revoked', message: REVOKED_MESSAGE },
    });
    expect(await login(url, 'wang.fang')).toEqual({
      status: 403,
      body: { error: 'account_disabled', message: '账号已停用，请联系管理员' },
    });
    // A wrong password still reads as one (nothing said about the account).
    expect((await login(url, 'wang.fang', 'wrong')).status).toBe(401);

    // Nobody else is affected.
    expect(colleague.connected).toBe(true);
    expect(await emitAck(colleague, 'queue:list')).toMatchObject({ ok: true });

    // Enabled again: a new login works; the token revoked before stays revoked.
    expect(await enableAdvisor(services, advisor.id)).toBe(true);
    const again = await login(url, 'wang.fang');
    expect(again.status).toBe(200);
    expect(again.body.token).not.toBe(token);
    const tab3 = track(await connect(url, '/advisor', { token: again.body.token! }));
    expect(await emitAck(tab3, 'queue:list')).toMatchObject({ ok: true });
    expect((await getMedia(url, msgid, again.body.token!)).status).toBe(200);
    expect((await refusedConnect(url, token)).message).toBe('token_revoked');
    expect((await getMedia(url, msgid, token)).status).toBe(401);
  });

  it('signs an advisor out of every console without disabling the account', async () => {
    const { url, services } = t.sys;
    const { token, advisor } = await loginAdvisor(url, 'zhao.lei');
    const tab = track(await connect(url, '/advisor', { token }));
    const ended = serverDisconnect(tab);
    const revokedAt = Date.now();
    expect(await revokeAdvisor(services, advisor.id)).toBe(true);
    expect((await ended).at - revokedAt).toBeLessThan(2_000);
    expect((await refusedConnect(url, token)).message).toBe('token_revoked');
    expect((await getMedia(url, msgid, token)).status).toBe(401);
    // The account itself still works.
    const fresh = await loginAdvisor(url, 'zhao.lei');
    const tab2 = track(await connect(url, '/advisor', { token: fresh.token }));
    expect(await emitAck(tab2, 'chat:active')).toMatchObject({ ok: true });
    expect((await getMedia(url, msgid, fresh.token)).status).toBe(200);
  });

  it('signs out within seconds an advisor whose account is deleted or disabled straight in the database', async () => {
    const { url, services } = t.sys;
    // Same password as the demo accounts (demo1234).
    const { passwordHash } = (await services.db.Advisor.findOne({ username: 'li.qiang' }).lean())!;
    const make = (username: string) =>
      services.db.Advisor.create({ username, displayName: '临时顾问', passwordHash, role: 'advisor', branchId: 'SH01' });
    const gone = await make('temp.gone');
    const off = await make('temp.off');
    const goneToken = (await loginAdvisor(url, 'temp.gone')).token;
    const offToken = (await loginAdvisor(url, 'temp.off')).token;
    const goneTab = track(await connect(url, '/advisor', { token: goneToken }));
    const offTab = track(await connect(url, '/advisor', { token: offToken }));
    const ended = [serverDisconnect(goneTab), serverDisconnect(offTab)];

    // No operator function, no notice: the gateway's periodic recheck finds them.
    const changedAt = Date.now();
    await services.db.Advisor.deleteOne({ _id: gone._id });
    await services.db.Advisor.updateOne({ _id: off._id }, { $set: { active: false } });
    for (const { at, notice } of await Promise.all(ended)) {
      expect(at - changedAt).toBeLessThan(ACCOUNT_SWEEP_MS + 2_000);
      expect(notice).toMatchObject({ error: 'token_revoked' });
    }
    for (const token of [goneToken, offToken]) {
      expect((await refusedConnect(url, token)).message).toBe('token_revoked');
      expect((await getMedia(url, msgid, token)).json).toMatchObject({ error: 'token_revoked' });
    }
    expect((await login(url, 'temp.gone')).status).toBe(401);
    expect((await login(url, 'temp.off')).body).toMatchObject({ error: 'account_disabled' });
  });
});

describe('console and app events sent with only a callback', () => {
  const ctx = useTestSystem();

  /** `socket.emit(event, cb)`: no payload, the callback is the only argument. */
  const onlyCallback = (socket: Socket, event: string) =>
    socket.timeout(5_000).emitWithAck(event) as Promise<Record<string, unknown>>;

  it('answers every list event of the console, with or without a payload', async () => {
    const supervisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'zhao.lei')).token }),
    );
    const advisor = ctx.track(
      await connect(ctx.sys.url, '/advisor', { token: (await loginAdvisor(ctx.sys.url, 'wang.fang')).token }),
    );
    for (const socket of [supervisor, advisor]) {
      for (const event of ['queue:list', 'chat:list', 'chat:active', 'appointments:list']) {
        expect({ event, answer: await onlyCallback(socket, event) }).toMatchObject({ event, answer: { ok: true } });
        const withPayload = await socket.timeout(5_000).emitWithAck(event, {});
        expect({ event, answer: withPayload }).toMatchObject({ event, answer: { ok: true } });
      }
    }
    expect(await onlyCallback(supervisor, 'transcripts:search')).toMatchObject({ ok: true });
    // An event that needs a payload says so instead of staying silent.
    expect(await onlyCallback(advisor, 'chat:accept')).toMatchObject({ ok: false, error: 'invalid_request' });
  });

  it('tells the app a message sent without a payload is invalid', async () => {
    const phone = ctx.track(await connect(ctx.sys.url, '/client', { token: clientToken(ctx.sys.config, 'C1001', 'SH01') }));
    expect(await onlyCallback(phone, 'message')).toMatchObject({ ok: false, error: 'invalid_message' });
    expect(await emitAck(phone, 'message', { clientMessageId: 'm1', text: '你好' })).toMatchObject({ ok: true });
  });
});
