import { createCipheriv } from 'node:crypto';
import {
  decrypt,
  encrypt,
  openCallback,
  parseEncodingAESKey,
  plainSignature,
  restoreBase64Plus,
  sealCallback,
  signature,
  verifyPlainSignature,
  verifySignature,
  WecomCryptoError,
  WecomCryptoErrorCode,
} from '../src/wecom/crypto';
import { loadVectors, VECTORS_PATH } from './support/vectors';

const loaded = loadVectors();

describe('official WXBizMsgCrypt vectors', () => {
  it(`are readable at ${VECTORS_PATH}`, () => {
    if (loaded.error) throw new Error(loaded.error);
    expect(loaded.vectors.length).toBeGreaterThanOrEqual(5);
  });

  // A plain loop (not describe.each) so that missing vectors fail the test above with its message.
  for (const v of loaded.vectors)
    describe(v.name, () => {
      it('signature matches msg_signature and verifies', () => {
        expect(signature(v.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.msg_signature);
        expect(verifySignature(v.token, v.timestamp, v.nonce, v.encrypt, v.msg_signature)).toBe(true);
      });

      it('decrypts to the expected message, receive id and random', () => {
        const out = decrypt(v.encodingAESKey, v.encrypt, v.receiveId);
        expect(out.message).toBe(v.expected_message);
        expect(out.receiveId).toBe(v.expected_receiveId);
        expect(out.random.toString('hex')).toBe(v.random_hex);
      });

      it("encrypts with the vector's random to the vector's ciphertext, byte for byte", () => {
        expect(encrypt(v.encodingAESKey, v.expected_message, v.receiveId, Buffer.from(v.random_hex, 'hex'))).toBe(v.encrypt);
      });

      it('opens as a signed callback, and refuses it when the receive id differs', () => {
        const signed = { msgSignature: v.msg_signature, timestamp: v.timestamp, nonce: v.nonce, encrypt: v.encrypt };
        expect(openCallback({ token: v.token, encodingAESKey: v.encodingAESKey, receiveId: v.receiveId }, signed)).toBe(
          v.expected_message,
        );
        expectCode(() => decrypt(v.encodingAESKey, v.encrypt, `${v.receiveId}x`), WecomCryptoErrorCode.ValidateReceiveId);
      });
    });
});

/** Builds hostile ciphertexts: AES-256-CBC over raw bytes, no padding added by us or node. */
function rawCiphertext(encodingAESKey: string, plain: Buffer): string {
  const { key, iv } = parseEncodingAESKey(encodingAESKey);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function plaintext(message: string, receiveId: string, lengthField = Buffer.byteLength(message)): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(lengthField, 0);
  return Buffer.concat([Buffer.alloc(16, 7), len, Buffer.from(message), Buffer.from(receiveId)]);
}

/** PKCS#7 to 32 bytes; `lastByte` overrides the final pad byte to forge bad padding. */
function padTo32(data: Buffer, lastByte?: number): Buffer {
  const n = 32 - (data.length % 32);
  const padded = Buffer.concat([data, Buffer.alloc(n, n)]);
  if (lastByte !== undefined) padded[padded.length - 1] = lastByte;
  return padded;
}

function expectCode(fn: () => unknown, code: number): WecomCryptoError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WecomCryptoError);
    expect((err as WecomCryptoError).code).toBe(code);
    expect((err as WecomCryptoError).message).toMatch(/\S+.*\(-400\d\d\)$/);
    return err as WecomCryptoError;
  }
  throw new Error(`expected WecomCryptoError ${code}, nothing was thrown`);
}

describe('WXBizMsgCrypt error cases', () => {
  const key = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
  const corpId = 'ww1436e0e65a779aee';

  it('round-trips UTF-8 messages and counts the length in bytes', () => {
    const message = '<xml><Content><![CDATA[你好，请问两融开户需要什么条件？]]></Content></xml>';
    const out = decrypt(key, encrypt(key, message, corpId), corpId);
    expect(out.message).toBe(message);
    expect(out.receiveId).toBe(corpId);
  });

  it('-40005 when the receive id in the message is not ours', () => {
    const err = expectCode(() => decrypt(key, encrypt(key, 'hi', 'wwOTHERCORP'), corpId), WecomCryptoErrorCode.ValidateReceiveId);
    expect(err.message).toContain('receive id');
    expectCode(() => decrypt(key, encrypt(key, 'hi', corpId), ''), WecomCryptoErrorCode.ValidateReceiveId);
  });

  it('-40007 on bad PKCS#7 padding: pad byte 0, pad byte over 32, unequal pad bytes', () => {
    const body = plaintext('hello', corpId);
    expectCode(() => decrypt(key, rawCiphertext(key, padTo32(body, 0)), corpId), WecomCryptoErrorCode.DecryptAes);
    expectCode(() => decrypt(key, rawCiphertext(key, padTo32(body, 33)), corpId), WecomCryptoErrorCode.DecryptAes);
    const uneven = padTo32(body);
    uneven[uneven.length - 2] = (uneven[uneven.length - 1]! + 1) & 0xff;
    expectCode(() => decrypt(key, rawCiphertext(key, uneven), corpId), WecomCryptoErrorCode.DecryptAes);
    // Sanity: the same builder with correct padding decrypts.
    expect(decrypt(key, rawCiphertext(key, padTo32(body)), corpId).message).toBe('hello');
  });

  it('-40007 when the ciphertext is not canonical base64 or not a whole number of 32-byte blocks', () => {
    const good = encrypt(key, 'hello', corpId);
    expectCode(() => decrypt(key, good.slice(0, -4), corpId), WecomCryptoErrorCode.DecryptAes); // 63 bytes
    expectCode(() => decrypt(key, `${good.slice(0, 10)} ${good.slice(10)}`, corpId), WecomCryptoErrorCode.DecryptAes);
    expectCode(() => decrypt(key, `${good}=`, corpId), WecomCryptoErrorCode.DecryptAes);
    expectCode(() => decrypt(key, '', corpId), WecomCryptoErrorCode.DecryptAes);
  });

  it('-40008 when the decrypted buffer is shorter than its 20-byte header (truncated)', () => {
    const truncated = Buffer.alloc(10, 1);
    expectCode(() => decrypt(key, rawCiphertext(key, padTo32(truncated)), corpId), WecomCryptoErrorCode.IllegalBuffer);
  });

  it('-40008 when the length field points past the end of the buffer (oversized)', () => {
    const err = expectCode(
      () => decrypt(key, rawCiphertext(key, padTo32(plaintext('hello', corpId, 1000))), corpId),
      WecomCryptoErrorCode.IllegalBuffer,
    );
    expect(err.message).toContain('length field 1000');
    expectCode(
      () => decrypt(key, rawCiphertext(key, padTo32(plaintext('hello', corpId, 0xffffffff))), corpId),
      WecomCryptoErrorCode.IllegalBuffer,
    );
  });

  it('-40008 when the message is not valid UTF-8', () => {
    const bad = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 0, 2, 0xc3, 0x28]), Buffer.from(corpId)]);
    expectCode(() => decrypt(key, rawCiphertext(key, padTo32(bad)), corpId), WecomCryptoErrorCode.IllegalBuffer);
  });

  it('-40004 for an EncodingAESKey that is not 43 base64 characters', () => {
    expectCode(() => decrypt(key.slice(0, 42), encrypt(key, 'x', corpId), corpId), WecomCryptoErrorCode.IllegalAesKey);
    expectCode(() => decrypt(`${key}A`, encrypt(key, 'x', corpId), corpId), WecomCryptoErrorCode.IllegalAesKey);
    expectCode(() => encrypt(`${key.slice(0, 42)}!`, 'x', corpId), WecomCryptoErrorCode.IllegalAesKey);
    expectCode(() => parseEncodingAESKey(''), WecomCryptoErrorCode.IllegalAesKey);
  });

  it('fails closed with a WecomCryptoError when decrypting with another key', () => {
    const other = '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt';
    expect(() => decrypt(other, encrypt(key, 'hello', corpId), corpId)).toThrow(WecomCryptoError);
  });

  it('-40001 for a forged signature; verification is exact', () => {
    const creds = { token: 'QDG6eK', encodingAESKey: key, receiveId: corpId };
    const sealed = sealCallback(creds, '<xml/>', { timestamp: 1409659813, nonce: '1372623149' });
    expect(openCallback(creds, sealed)).toBe('<xml/>');
    const flipped = sealed.msgSignature.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expectCode(() => openCallback(creds, { ...sealed, msgSignature: flipped }), WecomCryptoErrorCode.ValidateSignature);
    expectCode(() => openCallback(creds, { ...sealed, timestamp: '1409659814' }), WecomCryptoErrorCode.ValidateSignature);
    expectCode(() => openCallback({ ...creds, token: 'other' }, sealed), WecomCryptoErrorCode.ValidateSignature);
    expect(verifySignature(creds.token, sealed.timestamp, sealed.nonce, sealed.encrypt, sealed.msgSignature.slice(0, 39))).toBe(
      false,
    );
    expect(verifySignature(creds.token, sealed.timestamp, sealed.nonce, sealed.encrypt, '')).toBe(false);
    expect(verifySignature(creds.token, sealed.timestamp, sealed.nonce, sealed.encrypt, sealed.msgSignature.toUpperCase())).toBe(
      true,
    );
  });

  it('signs the 3-part mini-program signature over the sorted strings', () => {
    const sig = plainSignature('token', '1409659813', '1372623149');
    expect(sig).toMatch(/^[0-9a-f]{40}$/);
    expect(plainSignature('token', 1409659813, 1372623149)).toBe(sig);
    expect(verifyPlainSignature('token', '1409659813', '1372623149', sig)).toBe(true);
    expect(verifyPlainSignature('token', '1409659813', '1372623148', sig)).toBe(false);
  });

  it("restores '+' turned into spaces by query decoding", () => {
    expect(restoreBase64Plus('ab c/d e==')).toBe('ab+c/d+e==');
  });

  it('refuses a random that is not 16 bytes', () => {
    expect(() => encrypt(key, 'x', corpId, Buffer.alloc(8))).toThrow(RangeError);
  });
});
