import { sealCallback } from '@brokerbot/channels/src/wecom/crypto';
import { newEncodingAESKey } from '@brokerbot/channels/src/simulators/demo';
import { KF, settled, startWecomSystem, type WecomTestSystem } from './wecom-harness';

/**
 * Forged, stale, malformed, oversized and hostile callbacks get a 4xx with the reason and change
 * nothing: no document in the database, no pull from WeCom. A replayed genuine callback is
 * answered (WeCom must not retry it) but does nothing a second time.
 */
describe('WeCom callback endpoint refuses what is not a genuine, fresh callback', () => {
  let t: WecomTestSystem;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    t = await startWecomSystem();
  });
  afterAll(async () => {
    await t.stop();
  });

  const url = (query: Record<string, string>) => `${t.sys.url}/channels/wecom/callback?${new URLSearchParams(query)}`;
  const event = (token = 'ENCsynctoken') =>
    `<xml><ToUserName><![CDATA[${t.creds.corpId}]]></ToUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[${token}]]></Token><OpenKfId><![CDATA[${KF}]]></OpenKfId></xml>`;
  const credentials = () => ({ token: t.creds.token, encodingAESKey: t.creds.aesKey, receiveId: t.creds.corpId });

  function sealed(options: { credentials?: ReturnType<typeof credentials>; timestamp?: number; message?: string } = {}) {
    const s = sealCallback(options.credentials ?? credentials(), options.message ?? event(), { timestamp: options.timestamp });
    return {
      query: { msg_signature: s.msgSignature, timestamp: s.timestamp, nonce: s.nonce },
      body: `<xml><ToUserName><![CDATA[${t.creds.corpId}]]></ToUserName><Encrypt><![CDATA[${s.encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`,
    };
  }

  async function post(query: Record<string, string>, body: string, contentType = 'text/xml') {
    const res = await fetch(url(query), { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: res.status, text: await res.text() };
  }

  /** Everything a callback could change: stored documents, and pulls from WeCom. */
  async function footprint() {
    const { db } = t.sys.services;
    await settled(t.sys);
    return {
      messages: await db.Message.countDocuments({}),
      conversations: await db.Conversation.countDocuments({}),
      handoffs: await db.Handoff.countDocuments({}),
      pulls: t.sim.calls.filter((c) => c.path === '/cgi-bin/kf/sync_msg').length,
    };
  }

  it('refuses each hostile request with a 4xx and a reason, and nothing changes', async () => {
    const before = await footprint();
    const good = sealed();
    const nested = `<xml>${'<a>'.repeat(200)}x${'</a>'.repeat(200)}</xml>`;
    const billionLaughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>';
    const cases: { name: string; query: Record<string, string>; body: string; type?: string; status: number; reason: RegExp }[] =
      [
        {
          name: 'forged signature',
          query: sealed({ credentials: { ...credentials(), token: 'notourtoken' } }).query,
          body: good.body,
          status: 401,
          reason: /signature/,
        },
        { name: 'signature of another body', query: sealed().query, body: good.body, status: 401, reason: /signature/ },
        {
          name: 'sealed for another corp',
          ...sealed({ credentials: { token: t.creds.token, encodingAESKey: t.creds.aesKey, receiveId: 'wwsomeoneelse00' } }),
          status: 400,
          reason: /receive id/,
        },
        {
          name: 'another AES key',
          ...sealed({ credentials: { ...credentials(), encodingAESKey: newEncodingAESKey() } }),
          status: 400,
          reason: /40007|40008|40005|padding|length/,
        },
        {
          name: 'stale timestamp',
          ...sealed({ timestamp: Math.floor(Date.now() / 1000) - 3600 }),
          status: 403,
          reason: /timestamp/,
        },
        { name: 'malformed XML', query: good.query, body: '<xml><Encrypt>abc</xml>', status: 400, reason: /malformed/ },
        { name: 'entity expansion', query: good.query, body: billionLaughs, status: 400, reason: /declaration/ },
        { name: 'deep nesting', query: good.query, body: nested, status: 400, reason: /deep/ },
        {
          name: 'oversized body',
          query: good.query,
          body: `<xml><Encrypt>${'A'.repeat(100_000)}</Encrypt></xml>`,
          status: 413,
          reason: /exceeds/,
        },
        {
          name: 'form content type',
          query: good.query,
          body: good.body,
          type: 'application/x-www-form-urlencoded',
          status: 415,
          reason: /content type/,
        },
        {
          name: 'JSON prototype pollution',
          query: good.query,
          body: '{"__proto__":{"Encrypt":"x"}}',
          type: 'application/json',
          status: 400,
          reason: /forbidden/,
        },
        {
          name: 'no signature',
          query: { timestamp: good.query.timestamp, nonce: good.query.nonce },
          body: good.body,
          status: 400,
          reason: /msg_signature/,
        },
        { name: 'empty body', query: good.query, body: '', status: 400, reason: /empty/ },
      ];
    for (const c of cases) {
      const res = await post(c.query, c.body, c.type);
      expect({ name: c.name, status: res.status }).toEqual({ name: c.name, status: c.status });
      expect(res.text).toMatch(c.reason);
    }
    // URL verification with a forged signature or without echostr.
    const verify = sealCallback({ ...credentials(), token: 'notourtoken' }, '12345');
    const forgedGet = await fetch(
      url({ msg_signature: verify.msgSignature, timestamp: verify.timestamp, nonce: verify.nonce, echostr: verify.encrypt }),
    );
    expect(forgedGet.status).toBe(401);
    expect(
      (await fetch(url({ msg_signature: verify.msgSignature, timestamp: verify.timestamp, nonce: verify.nonce }))).status,
    ).toBe(400);

    expect(await footprint()).toEqual(before);
  });

  it('answers a replayed genuine callback without acting on it again', async () => {
    const genuine = sealed();
    const first = await post(genuine.query, genuine.body);
    expect(first).toEqual({ status: 200, text: '' });
    const after = await footprint();
    expect(after.pulls).toBeGreaterThan(0);
    const replayed = await post(genuine.query, genuine.body);
    expect(replayed).toEqual({ status: 200, text: '' });
    expect(await footprint()).toEqual(after);
  });
});
