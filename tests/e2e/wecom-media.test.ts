import { createHash, randomBytes } from 'node:crypto';
import { mintAdvisorToken } from '@brokerbot/agent-console';
import { MediaStore } from '@brokerbot/channels/src/media';
import { mediaUrl, toWire, type MessageDoc } from '@brokerbot/shared';
import { clientToken, loginAdvisor } from '../support/test-system';
import { startMpSystem, type MpTestSystem } from './miniprogram-harness';
import { KF, settled, startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

/**
 * A client's image / voice / video / file: stored as a message with meta.media, its bytes fetched
 * from Tencent (the simulator's media/get) once and kept in GridFS, then served to advisors who
 * may see the conversation. Unbound clients belong to SH01 (CHANNEL_DEFAULT_BRANCH).
 */
const MB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface MediaAnswer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: Record<string, unknown> | null;
}

async function getMedia(baseUrl: string, messageId: string, token?: string, raw?: string): Promise<MediaAnswer> {
  const res = await fetch(`${baseUrl}${mediaUrl(messageId)}`, {
    headers: raw !== undefined ? { authorization: raw } : token ? { authorization: `Bearer ${token}` } : {},
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = /json/.test(res.headers.get('content-type') ?? '')
    ? (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>)
    : null;
  return { status: res.status, headers: res.headers, bytes, json };
}

describe('WeCom kf: a client’s files reach the advisor and are kept', () => {
  let t: WecomTestSystem;
  let store: MediaStore;
  const tokens = { sh: '', sz: '', supervisor: '' };
  jest.setTimeout(90_000);

  beforeAll(async () => {
    t = await startWecomSystem({ env: { ROLES: 'gateway,outbound', CHANNEL_DEFAULT_BRANCH: 'SH01' } });
    store = new MediaStore(t.sys.services.db);
    tokens.sh = (await loginAdvisor(t.sys.url, 'wang.fang')).token;
    tokens.sz = (await loginAdvisor(t.sys.url, 'zhang.min')).token;
    tokens.supervisor = (await loginAdvisor(t.sys.url, 'zhao.lei')).token;
  });
  afterAll(async () => {
    await t.stop();
  });

  const kept = (msgid: string) => waitFor(() => store.find('wecom', msgid), `media of ${msgid} recorded`);
  const message = (msgid: string) =>
    waitFor(
      () => t.sys.services.db.Message.findOne({ channel: 'wecom', channelMessageId: msgid, meta: { $ne: null } }).lean(),
      `message ${msgid}`,
    ) as Promise<MessageDoc>;
  const downloads = (mediaId: string) =>
    t.sim.calls.filter((c) => c.path === '/cgi-bin/media/get' && c.query.media_id === mediaId).length;

  it('stores an image once with its bytes and serves the identical bytes to an advisor of the branch', async () => {
    const bytes = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(600 * 1024)]);
    const sent = await t.sim.simulateClientMedia({
      externalUserId: 'wmMedia00000000000000000000image',
      kind: 'image',
      bytes,
      contentType: 'image/jpeg',
    });
    const msgid = sent.message.msgid;

    const stored = await message(msgid);
    expect(stored).toMatchObject({ text: '[图片]', status: 'handled' });
    expect(stored.meta).toMatchObject({ media: { kind: 'image', name: null, mediaId: sent.mediaId } });
    const wire = toWire(stored);
    expect(wire.media).toEqual({ kind: 'image', name: null, url: `/api/advisor/messages/${encodeURIComponent(msgid)}/media` });

    const record = await kept(msgid);
    expect(record).toMatchObject({
      status: 'stored',
      kind: 'image',
      contentType: 'image/jpeg',
      size: bytes.length,
      sha256: sha256(bytes),
    });
    expect(await store.copiesOf('wecom', msgid)).toBe(1);

    const res = await getMedia(t.sys.url, msgid, tokens.sh);
    expect(res.status).toBe(200);
    expect(sha256(res.bytes)).toBe(sha256(bytes));
    expect(res.bytes.equals(bytes)).toBe(true);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="${sent.mediaId}.jpg"`);
    expect(res.headers.get('cache-control')).toBe('private');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // A supervisor sees every branch.
    expect((await getMedia(t.sys.url, msgid, tokens.supervisor)).status).toBe(200);
    expect(downloads(sent.mediaId)).toBe(1);
  });

  it('keeps one copy when the callback comes three times and the page is read again', async () => {
    const user = 'wmMedia0000000000000000000redeliv';
    const bytes = randomBytes(120 * 1024);
    const sent = await t.sim.simulateClientMedia({ externalUserId: user, kind: 'video', bytes, contentType: 'video/mp4' });
    const msgid = sent.message.msgid;
    await kept(msgid);
    for (let i = 0; i < 2; i++) {
      // Tencent's retry of the same callback, and a re-read of the same page (as after a crash before the cursor moved).
      await t.sim.redeliver(sent.callback);
      await t.sys.services.redis.del(`${t.sys.config.QUEUE_PREFIX}:wecom:kf:${KF}:cursor`);
      await t.sim.notify();
      await settled(t.sys);
    }
    // Each re-read queued the download again; the job (one per msgid) and the recorded outcome keep it at one.
    await t.sys.services.queues.media.add(
      'download',
      { channel: 'wecom', channelMessageId: msgid },
      { jobId: `wecom.${msgid}.again` },
    );
    await waitFor(
      async () => (await t.sys.services.queues.media.getJobState(`wecom.${msgid}.again`)) === 'completed',
      'the extra job',
    );

    expect(await t.sys.services.db.Message.countDocuments({ channel: 'wecom', channelMessageId: msgid })).toBe(1);
    expect(await store.copiesOf('wecom', msgid)).toBe(1);
    expect(downloads(sent.mediaId)).toBe(1);
    const res = await getMedia(t.sys.url, msgid, tokens.sh);
    expect(res.bytes.equals(bytes)).toBe(true);
  });

  it('records an expired or unknown media_id as unavailable with the reason, once, and answers 404', async () => {
    const user = 'wmMedia00000000000000000000expir';
    const expired = t.sim.media.put({ bytes: randomBytes(1000), contentType: 'image/jpeg' });
    t.sim.expireMedia(expired);
    const cases = [
      await t.sim.simulateClientMessage({ externalUserId: user, msgtype: 'image', payload: { media_id: expired } }),
      await t.sim.simulateClientMessage({ externalUserId: user, msgtype: 'file', payload: { media_id: 'neverIssuedMediaId' } }),
    ];
    for (const sent of cases) {
      const msgid = sent.message.msgid;
      const mediaId = (sent.message[sent.message.msgtype] as { media_id: string }).media_id;
      expect(await kept(msgid)).toMatchObject({ status: 'unavailable', reason: 'expired', fileId: null });
      // The job finishes a moment after it wrote the record: completed, not failed (so never retried).
      const state = await waitFor(async () => {
        const current = await t.sys.services.queues.media.getJobState(`wecom.${msgid}`);
        return current === 'active' ? null : current;
      }, `the media job of ${msgid} to finish`);
      expect(state).toBe('completed');
      const res = await getMedia(t.sys.url, msgid, tokens.sh);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error: 'media_unavailable', reason: 'expired' });
      expect(String(res.json?.message)).toContain('已过期');
      // Asked once: neither the job nor the advisor's request tries again.
      expect(downloads(mediaId)).toBe(1);
    }
    expect(await store.copiesOf('wecom', cases[0]!.message.msgid)).toBe(0);
  });

  it('does not keep a file over its kind’s limit, and says so', async () => {
    const sent = await t.sim.simulateClientMedia({
      externalUserId: 'wmMedia000000000000000000toolarge',
      kind: 'image',
      bytes: Buffer.alloc(2 * MB + 1, 7),
      contentType: 'image/png',
    });
    expect(await kept(sent.message.msgid)).toMatchObject({ status: 'unavailable', reason: 'too_large' });
    const res = await getMedia(t.sys.url, sent.message.msgid, tokens.sh);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: 'media_unavailable', reason: 'too_large', message: '图片超过2MB上限，未保存' });
  });

  it('round-trips a Chinese file name in Content-Disposition (RFC 5987)', async () => {
    const name = '2024年度对账单（张三）.pdf';
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(40_000)]);
    const sent = await t.sim.simulateClientMedia({
      externalUserId: 'wmMedia000000000000000000000file',
      kind: 'file',
      bytes,
      fileName: name,
      contentType: 'application/pdf',
    });
    expect(await kept(sent.message.msgid)).toMatchObject({ status: 'stored', name });
    const res = await getMedia(t.sys.url, sent.message.msgid, tokens.sh);
    expect(res.status).toBe(200);
    expect(res.bytes.equals(bytes)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const disposition = res.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="2024_+\.pdf"; filename\*=UTF-8''/);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]!)).toBe(name);
  });

  it('answers 401 without a valid advisor token and 403 to an advisor of another branch', async () => {
    const sent = await t.sim.simulateClientMedia({ externalUserId: 'wmMedia0000000000000000000000auth', kind: 'voice' });
    const msgid = sent.message.msgid;
    await kept(msgid);
    const { config } = t.sys;
    const claims = { sub: 'x', name: '某人', role: 'advisor' as const, branchId: 'SH01', allBranches: false };
    const refused: [string | undefined, string | undefined][] = [
      [undefined, undefined],
      [undefined, 'Basic d2FuZzpkZW1v'],
      ['not-a-token', undefined],
      [mintAdvisorToken(randomBytes(32).toString('hex'), claims, 3600), undefined], // another secret
      [mintAdvisorToken(config.ADVISOR_TOKEN_SECRET, claims, -10), undefined], // expired
      [clientToken(config, 'C1001', 'SH01'), undefined], // a client's token is not an advisor's
    ];
    for (const [token, raw] of refused) {
      const res = await getMedia(t.sys.url, msgid, token, raw);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.json).toMatchObject({ error: expect.stringMatching(/unauthorized|token_invalid|token_expired/) });
      expect(res.bytes.length).toBeLessThan(200);
    }
    const other = await getMedia(t.sys.url, msgid, tokens.sz);
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ error: 'forbidden' });
    const ok = await getMedia(t.sys.url, msgid, tokens.sh);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('audio/amr');
  });

  it('answers 400 for a malformed message id and 404 for a message without a file', async () => {
    expect((await getMedia(t.sys.url, 'bad id!', tokens.sh)).status).toBe(400);
    const missing = await getMedia(t.sys.url, 'from_msgid_0000000000000000000', tokens.sh);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: 'not_found' });
    const text = await t.sim.simulateClientMessage({ externalUserId: 'wmMedia0000000000000000000000text', text: '你好' });
    await message(text.message.msgid);
    expect((await getMedia(t.sys.url, text.message.msgid, tokens.sh)).status).toBe(404);
  });

  it('fetches on demand when the advisor asks before the worker got to it, and still downloads once', async () => {
    const { media } = t.sys.services.queues;
    await media.pause();
    try {
      const bytes = randomBytes(200 * 1024);
      const sent = await t.sim.simulateClientMedia({
        externalUserId: 'wmMedia000000000000000000ondemand',
        kind: 'image',
        bytes,
        contentType: 'image/png',
      });
      await message(sent.message.msgid);
      expect(await store.find('wecom', sent.message.msgid)).toBeNull();
      const [a, b] = await Promise.all([
        getMedia(t.sys.url, sent.message.msgid, tokens.sh),
        getMedia(t.sys.url, sent.message.msgid, tokens.sh),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.bytes.equals(bytes) && b.bytes.equals(bytes)).toBe(true);
      await media.resume();
      await waitFor(async () => (await media.getJobState(`wecom.${sent.message.msgid}`)) === 'completed', 'the queued job');
      expect(downloads(sent.mediaId)).toBe(1);
      expect(await store.copiesOf('wecom', sent.message.msgid)).toBe(1);
    } finally {
      await media.resume();
    }
  });
});

describe('mini-program: a client’s image reaches the advisor and is kept', () => {
  let t: MpTestSystem;
  let store: MediaStore;
  let token = '';
  jest.setTimeout(60_000);

  beforeAll(async () => {
    t = await startMpSystem({ mode: 'safe', format: 'json', env: { ROLES: 'gateway,outbound', CHANNEL_DEFAULT_BRANCH: 'SH01' } });
    store = new MediaStore(t.sys.services.db);
    token = (await loginAdvisor(t.sys.url, 'li.qiang')).token;
  });
  afterAll(async () => {
    await t.stop();
  });

  const kept = (msgId: string) => waitFor(() => store.find('miniprogram', msgId), `media of ${msgId} recorded`);
  const downloads = (mediaId: string) =>
    t.sim.calls.filter((c) => c.path === '/cgi-bin/media/get' && c.query.media_id === mediaId).length;

  it('stores the image once, however often it is pushed, and serves identical bytes', async () => {
    const openId = 'oMedia000000000000000000image';
    const bytes = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(300 * 1024)]);
    const pushed = await t.sim.simulateClientImage({ openId, bytes, contentType: 'image/png' });
    const msgId = String((pushed.fields.MsgId as { bare: string }).bare);
    // Tencent's retry of the same push, and the same message pushed anew.
    await t.sim.redeliver(pushed.callback);
    await t.sim.simulateClientMessage({
      openId,
      msgtype: 'image',
      fields: { PicUrl: String(pushed.fields.PicUrl), MediaId: pushed.mediaId },
      msgId,
    });
    expect(await kept(msgId)).toMatchObject({ status: 'stored', kind: 'image', sha256: sha256(bytes), size: bytes.length });
    const stored = (await t.sys.services.db.Message.find({
      channel: 'miniprogram',
      channelMessageId: msgId,
    }).lean()) as MessageDoc[];
    expect(stored).toHaveLength(1);
    expect(stored[0]!.meta).toMatchObject({ media: { kind: 'image', mediaId: pushed.mediaId } });

    const res = await getMedia(t.sys.url, msgId, token);
    expect(res.status).toBe(200);
    expect(res.bytes.equals(bytes)).toBe(true);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="${pushed.mediaId}.png"`);
    expect(res.headers.get('cache-control')).toBe('private');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await store.copiesOf('miniprogram', msgId)).toBe(1);
    expect(downloads(pushed.mediaId)).toBe(1);
    const other = await loginAdvisor(t.sys.url, 'chen.jie');
    expect((await getMedia(t.sys.url, msgId, other.token)).status).toBe(403);
  });

  it('records an expired MediaId as unavailable and answers 404 with the reason', async () => {
    const mediaId = t.sim.media.put({ bytes: randomBytes(100), contentType: 'image/jpeg' });
    t.sim.expireMedia(mediaId);
    const pushed = await t.sim.simulateClientMessage({
      openId: 'oMedia00000000000000000expired',
      msgtype: 'image',
      fields: { PicUrl: 'http://mmbiz.qpic.cn/x/0', MediaId: mediaId },
    });
    const msgId = String((pushed.fields.MsgId as { bare: string }).bare);
    expect(await kept(msgId)).toMatchObject({ status: 'unavailable', reason: 'expired' });
    const res = await getMedia(t.sys.url, msgId, token);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: 'media_unavailable', reason: 'expired' });
    expect(downloads(mediaId)).toBe(1);
  });
});
