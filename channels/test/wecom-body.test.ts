import {
  CallbackBodyError,
  detectBodyFormat,
  parseEncryptedEnvelope,
  parseJsonBody,
  parseXmlBody,
  stringField,
  type BodyErrorReason,
} from '../src/wecom/body';
import { loadVectors } from './support/vectors';

const MAX_U64 = '18446744073709551615';

function expectRejected(fn: () => unknown, reason: BodyErrorReason, status: 400 | 413 = 400): CallbackBodyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CallbackBodyError);
    const e = err as CallbackBodyError;
    expect({ reason: e.reason, status: e.status, code: e.code }).toEqual({ reason, status, code: -40002 });
    expect(e.message.length).toBeGreaterThan(10);
    return e;
  }
  throw new Error(`expected CallbackBodyError ${reason}, nothing was thrown`);
}

describe('callback XML', () => {
  it('parses the decrypted message of the official vector, every value a string', () => {
    const { vectors, error } = loadVectors();
    if (error) throw new Error(error);
    const xml = vectors.find((v) => v.name === 'doc-decryptMsg')!.expected_message;
    expect(parseXmlBody(xml)).toEqual({
      ToUserName: 'wx5823bf96d3bd56c7',
      FromUserName: 'mycreate',
      CreateTime: '1409659813',
      MsgType: 'text',
      Content: 'hello',
      MsgId: '4561255354251345929',
      AgentID: '218',
    });
  });

  it('keeps a 64-bit MsgId above 2^53 exact', () => {
    const body = parseXmlBody(`<xml><MsgId>${MAX_U64}</MsgId><Big>00012</Big><Float>1.50</Float></xml>`);
    expect(body.MsgId).toBe(MAX_U64);
    expect(BigInt(body.MsgId as string)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(body).toMatchObject({ Big: '00012', Float: '1.50' });
  });

  it('supports CDATA verbatim (whitespace, markup, split "]]>") and the predefined entities', () => {
    const body = parseXmlBody(
      '<xml><A><![CDATA[  两融 <b>&amp; ]]></A><B><![CDATA[x]]]]><![CDATA[>y]]></B><C>a &lt; b &amp;&#20320;&#x597D; &amp;#1; &#0; &nbsp;</C><D><![CDATA[<!DOCTYPE html>]]></D><E/></xml>',
    );
    expect(body).toEqual({ A: '  两融 <b>&amp; ', B: 'x]]>y', C: 'a < b &你好 &#1; &#0; &nbsp;', D: '<!DOCTYPE html>', E: '' });
  });

  it('parses the encrypted envelope and repeated or nested elements', () => {
    const env = parseEncryptedEnvelope(
      '<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>',
      'xml',
    );
    expect(env).toEqual({ toUserName: 'ww1', encrypt: 'abc+/=', agentId: '' });
    const nested = parseXmlBody('<xml><List><Item><Id>1</Id></Item><Item><Id>2</Id></Item></List></xml>');
    expect(nested).toEqual({ List: { Item: [{ Id: '1' }, { Id: '2' }] } });
    expect(stringField(nested, 'List')).toBeUndefined();
    expect(parseXmlBody('<xml></xml>')).toEqual({});
  });

  it('rejects billion laughs (entity expansion)', () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><xml><A>&lol9;</A></xml>`;
    expectRejected(() => parseXmlBody(lol), 'forbidden_declaration');
  });

  it('rejects external entities (XXE), in any case, before the root or inside it', () => {
    expectRejected(
      () => parseXmlBody('<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>'),
      'forbidden_declaration',
    );
    expectRejected(() => parseXmlBody('<!doctype xml SYSTEM "http://127.0.0.1:1/x.dtd"><xml/>'), 'forbidden_declaration');
    expectRejected(() => parseXmlBody('<xml><!ENTITY x "y"><A>1</A></xml>'), 'forbidden_declaration');
    // Markup hidden inside a tag is refused too.
    expectRejected(() => parseXmlBody('<xml><A<!DOCTYPE x [<!ENTITY a "b">]>1</A></xml>'), 'malformed');
    // Without a DOCTYPE an entity reference stays literal text: nothing is fetched or expanded.
    expect(parseXmlBody('<xml><A>&xxe;</A></xml>').A).toBe('&xxe;');
  });

  it('rejects deep nesting without building the tree', () => {
    const deep = (n: number) => `<xml>${'<a>'.repeat(n)}x${'</a>'.repeat(n)}</xml>`;
    expect(() => parseXmlBody(deep(14))).not.toThrow();
    expectRejected(() => parseXmlBody(deep(16)), 'too_deep');
    expectRejected(() => parseXmlBody(deep(20_000), { maxBytes: 1_000_000 }), 'too_deep');
    expectRejected(() => parseXmlBody(deep(4), { maxDepth: 3 }), 'too_deep');
  });

  it('rejects oversized bodies with 413, as text or bytes', () => {
    const big = `<xml><A><![CDATA[${'x'.repeat(70 * 1024)}]]></A></xml>`;
    expectRejected(() => parseXmlBody(big), 'too_large', 413);
    expectRejected(() => parseXmlBody(Buffer.from(big)), 'too_large', 413);
    expect(parseXmlBody(big, { maxBytes: 100 * 1024 }).A).toHaveLength(70 * 1024);
    // The limit counts UTF-8 bytes, not characters.
    expectRejected(() => parseXmlBody(`<xml><A>${'你'.repeat(30)}</A></xml>`, { maxBytes: 64 }), 'too_large', 413);
  });

  it('rejects malformed XML, other roots, non-UTF-8 bytes and prototype keys', () => {
    expectRejected(() => parseXmlBody('<xml><A>1</xml>'), 'malformed');
    expectRejected(() => parseXmlBody('<xml><A>1</A></xml><y/>'), 'malformed');
    expectRejected(() => parseXmlBody('<root><A>1</A></root>'), 'malformed');
    expectRejected(() => parseXmlBody('not xml'), 'malformed');
    expectRejected(() => parseXmlBody('<xml><A><![CDATA[open</A></xml>'), 'malformed');
    expectRejected(
      () => parseXmlBody(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff, 0x3c, 0x2f, 0x78, 0x6d, 0x6c, 0x3e])),
      'not_utf8',
    );
    expectRejected(() => parseXmlBody('<xml><__proto__><polluted>1</polluted></__proto__></xml>'), 'forbidden_key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectRejected(() => parseEncryptedEnvelope('<xml><ToUserName>ww1</ToUserName></xml>', 'xml'), 'missing_field');
  });
});

describe('callback JSON', () => {
  it('parses the official JSON vector losslessly: MsgId stays the exact 64-bit string', () => {
    const { vectors, error } = loadVectors();
    if (error) throw new Error(error);
    const json = vectors.find((v) => v.name === 'doc-decryptMsg-json')!.expected_message;
    expect(String((JSON.parse(json) as { MsgId: number }).MsgId)).not.toBe('4561255354251345929'); // JSON.parse rounds it
    expect(parseJsonBody(json)).toEqual({
      ToUserName: 'wx5823bf96d3bd56c7',
      FromUserName: 'mycreate',
      CreateTime: '1409659813',
      MsgType: 'text',
      Content: 'hello',
      MsgId: '4561255354251345929',
      AgentID: '218',
    });
  });

  it('keeps every number as its source text; booleans and null become strings', () => {
    const body = parseJsonBody(`{"MsgId":${MAX_U64},"f":1.50,"e":1e3,"neg":-0,"t":true,"n":null,"list":[1,{"x":2}]}`);
    expect(body).toEqual({ MsgId: MAX_U64, f: '1.50', e: '1e3', neg: '-0', t: 'true', n: '', list: ['1', { x: '2' }] });
  });

  it('parses the JSON envelope and detects the format', () => {
    const raw = '{"ToUserName":"gh_1","Encrypt":"abc=","AgentID":1000002}';
    expect(parseEncryptedEnvelope(raw, 'json')).toEqual({ toUserName: 'gh_1', encrypt: 'abc=', agentId: '1000002' });
    expect(detectBodyFormat('application/json; charset=utf-8', '<xml/>')).toBe('json');
    expect(detectBodyFormat('text/xml', '{}')).toBe('xml');
    expect(detectBodyFormat(undefined, Buffer.from('  {"a":1}'))).toBe('json');
    expect(detectBodyFormat(undefined, '<xml/>')).toBe('xml');
  });

  it('rejects deep nesting before parsing (no stack overflow), even with brackets inside strings', () => {
    expectRejected(() => parseJsonBody(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, { maxBytes: 1_000_000 }), 'too_deep');
    expectRejected(() => parseJsonBody(`{"a":${'{"a":'.repeat(20)}1${'}'.repeat(21)}`), 'too_deep');
    expect(parseJsonBody('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{{{"}').a).toBe(
      '[[[[[[[[[[[[[[[[[[[[[[[["{{{{{{{{{{{{{{{{{{{{',
    );
  });

  it('rejects oversized, malformed, non-object, duplicate-key and prototype-polluting bodies', () => {
    expectRejected(() => parseJsonBody(`{"a":"${'x'.repeat(70 * 1024)}"}`), 'too_large', 413);
    expectRejected(() => parseJsonBody('{"a":1'), 'malformed');
    expectRejected(() => parseJsonBody('{"a":1} trailing'), 'malformed');
    expectRejected(() => parseJsonBody('{"a":1,"a":2}'), 'malformed');
    expectRejected(() => parseJsonBody('[1,2]'), 'not_an_object');
    expectRejected(() => parseJsonBody('{"__proto__":{"polluted":1}}'), 'forbidden_key');
    expectRejected(() => parseJsonBody('{"a":{"constructor":{"prototype":{}}}}'), 'forbidden_key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expectRejected(() => parseEncryptedEnvelope('{"ToUserName":"gh_1"}', 'json'), 'missing_field');
  });
});
