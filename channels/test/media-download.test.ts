import { randomBytes } from 'node:crypto';
import { createLogger, type Config } from '@brokerbot/shared';
import { contentDisposition, fileNameFromDisposition } from '../src/media/content-disposition';
import { MediaUnavailableError } from '../src/media/media-unavailable';
import { createMpApi, createMpMediaClient } from '../src/miniprogram/mp-api';
import { Errcode, MiniProgramSimulator, WecomKfSimulator } from '../src/simulators';
import { newEncodingAESKey } from '../src/simulators/demo';
import { createKfApi, createKfMediaClient } from '../src/wecom/kf-api';
import { getJson } from './support/api-client';
import { testRedis } from './support/redis';

const logger = createLogger('silent');
const MB = 1024 * 1024;

describe('Content-Disposition', () => {
  const name = '2024年度对账单（客户）.pdf';
  const utf8 = Buffer.from(name, 'utf8');

  it('reads every form of file name Tencent (or a proxy) may send', () => {
    expect(fileNameFromDisposition('attachment; filename="MEDIA_ID.jpg"')).toBe('MEDIA_ID.jpg');
    expect(fileNameFromDisposition(`attachment; filename="${encodeURIComponent(name)}"`)).toBe(name);
    expect(fileNameFromDisposition(`attachment; filename*=UTF-8''${encodeURIComponent(name)}`)).toBe(name);
    expect(fileNameFromDisposition(`attachment; filename="x.pdf"; filename*=utf-8''${encodeURIComponent(name)}`)).toBe(name);
    // Raw UTF-8 bytes: fetch gives one Latin-1 character per byte.
    expect(fileNameFromDisposition(`attachment; filename="${utf8.toString('latin1')}"`)).toBe(name);
    expect(fileNameFromDisposition('attachment; filename=plain.txt')).toBe('plain.txt');
    expect(fileNameFromDisposition('attachment; filename="a \\"quoted\\" name.txt"')).toBe('a "quoted" name.txt');
  });

  it('never returns a path, a control character or nothing-at-all as a name', () => {
    expect(fileNameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(fileNameFromDisposition('attachment; filename="C:\\\\temp\\\\x.exe"')).toBe('x.exe');
    expect(fileNameFromDisposition('attachment; filename="a\u0000b\r\n.txt"')).toBe('ab.txt');
    expect(fileNameFromDisposition('attachment; filename=""')).toBeNull();
    expect(fileNameFromDisposition('attachment')).toBeNull();
    expect(fileNameFromDisposition(null)).toBeNull();
    expect(fileNameFromDisposition(`attachment; filename="${'长'.repeat(300)}.pdf"`)).toMatch(/^长{196}\.pdf$/);
  });

  it('writes an ASCII fallback and an RFC 5987 filename* for non-ASCII names', () => {
    const header = contentDisposition('attachment', name);
    expect(header).toBe(`attachment; filename="2024${'_'.repeat(9)}.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`);
    expect(fileNameFromDisposition(header)).toBe(name);
    expect(contentDisposition('inline', 'photo.jpg')).toBe('inline; filename="photo.jpg"');
    expect(contentDisposition('attachment', "it's (1).txt")).toBe(`attachment; filename="it's (1).txt"`);
    expect(contentDisposition('attachment', '报告 (1).txt')).toContain("filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%281%29.txt");
  });
});

describe('media/get client', () => {
  const r = testRedis();
  const KF = 'wkMediaTest000000000000000000001';
  const settings = {
    corpId: 'wwmediatest000001',
    secret: 'kf-secret',
    token: 'token',
    aesKey: newEncodingAESKey(),
    openKfIds: [KF],
    apiBase: '',
    handoffMode: 'proxy' as const,
  };
  let sim: WecomKfSimulator;
  const services = () => ({ redis: r.redis, logger, config: { QUEUE_PREFIX: r.prefix } as Config });
  const clients = () => {
    const kf = createKfApi(services(), { ...settings, apiBase: sim.url });
    return { kf, media: createKfMediaClient(kf) };
  };
  const calls = (path: string) => sim.calls.filter((c) => c.path === path);

  beforeAll(async () => {
    sim = await WecomKfSimulator.start({
      corpId: settings.corpId,
      corpSecret: settings.secret,
      openKfIds: [KF],
      callback: { token: 'token', encodingAESKey: settings.aesKey },
    });
  });
  afterAll(async () => {
    await sim.stop();
    await r.cleanUp();
  });

  it('downloads the bytes with their type and name, on the kf API’s access_token and rate limit', async () => {
    const { kf, media } = clients();
    await kf.syncMsg({ openKfId: KF });
    const bytes = randomBytes(300 * 1024);
    const mediaId = sim.media.put({ bytes, contentType: 'application/pdf', fileName: '开户协议（签字版）.pdf' });
    const file = await media.download(mediaId, 20 * MB);
    expect(file.bytes.equals(bytes)).toBe(true);
    expect(file).toMatchObject({ contentType: 'application/pdf', fileName: '开户协议（签字版）.pdf' });
    // One token for both clients, and media/get counted in the shared per-API window.
    expect(calls('/cgi-bin/gettoken')).toHaveLength(1);
    expect(await r.redis.keys(`${r.prefix}:tencent:rate:wecom:${settings.corpId}:/cgi-bin/media/get:*`)).not.toHaveLength(0);
  });

  it('refetches the token once when refused (42001, 40014) and retries "system busy"', async () => {
    const { media } = clients();
    const mediaId = sim.media.put({ bytes: Buffer.from('voice'), contentType: 'audio/amr' });
    for (const refuse of [() => sim.expireAccessTokens(), () => sim.revokeAccessTokens()]) {
      refuse();
      const before = calls('/cgi-bin/gettoken').length;
      await expect(media.download(mediaId, MB)).resolves.toMatchObject({ contentType: 'audio/amr' });
      expect(calls('/cgi-bin/gettoken')).toHaveLength(before + 1);
    }
    sim.injectBusy(2, '/cgi-bin/media/get');
    await expect(media.download(mediaId, MB)).resolves.toMatchObject({ fileName: `${mediaId}.amr` });
  });

  it('reports an unknown or expired media_id (40007) as unavailable, not as worth retrying', async () => {
    const { media } = clients();
    const mediaId = sim.media.put({ bytes: Buffer.from('x') });
    sim.expireMedia(mediaId);
    for (const id of [mediaId, 'unknownMediaId']) {
      const err = await media.download(id, MB).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MediaUnavailableError);
      expect(err).toMatchObject({ reason: 'expired' });
    }
    const answers = calls('/cgi-bin/media/get').map((c) => c.response.errcode);
    expect(answers.filter((e) => e === Errcode.InvalidMediaId)).toHaveLength(2);
    const missing = await getJson(sim.url, '/cgi-bin/media/get', { access_token: 'x' });
    expect(missing.errcode).toBe(Errcode.InvalidAccessToken);
  });

  it('refuses a file over the limit without reading it, and WeCom’s 830002 (over 20 MB) the same way', async () => {
    const { media } = clients();
    const image = sim.media.put({ bytes: Buffer.alloc(2 * MB + 1, 1), contentType: 'image/jpeg' });
    await expect(media.download(image, 2 * MB)).rejects.toMatchObject({ reason: 'too_large' });
    const huge = sim.media.put({ bytes: Buffer.alloc(20 * MB + 1, 2), contentType: 'video/mp4' });
    await expect(media.download(huge, 100 * MB)).rejects.toMatchObject({
      reason: 'too_large',
      detail: expect.stringContaining('830002'),
    });
  });

  it('downloads a mini-program image with the stable_token', async () => {
    const appId = 'wxmediatest000001';
    const mp = await MiniProgramSimulator.start({ appId, appSecret: 'mp-secret', push: { token: 'token' } });
    try {
      const mpSettings = { appId, secret: 'mp-secret', token: 'token', aesKey: null, apiBase: mp.url };
      const api = createMpApi(services(), mpSettings);
      const media = createMpMediaClient(api);
      const bytes = randomBytes(50_000);
      const mediaId = mp.media.put({ bytes, contentType: 'image/jpeg' });
      const file = await media.download(mediaId, 2 * MB);
      expect(file.bytes.equals(bytes)).toBe(true);
      expect(file).toMatchObject({ contentType: 'image/jpeg', fileName: `${mediaId}.jpg` });
      mp.expireMedia(mediaId);
      await expect(media.download(mediaId, 2 * MB)).rejects.toMatchObject({ reason: 'expired' });
      expect(mp.calls.map((c) => `${c.path} ${c.response.errcode}`)).toEqual([
        '/cgi-bin/stable_token 0',
        '/cgi-bin/media/get 0',
        '/cgi-bin/media/get 40007',
      ]);
    } finally {
      await mp.stop();
    }
  });
});
