import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WXBizMsgCrypt: the callback encryption shared by WeCom (微信客服) and mini-program safe mode.
 *
 *   key       = base64(EncodingAESKey + "=")  (32 bytes), IV = key[0..16)
 *   plaintext = random(16) | uint32be(byteLength(msg)) | msg | receiveId, PKCS#7-padded to 32 bytes
 *   cipher    = AES-256-CBC, base64 on the wire
 *   signature = sha1hex(sort([token, timestamp, nonce, encrypt]).join(''))
 *
 * Unlike `@wecom/crypto`, every field of the decrypted buffer is validated: a forged or corrupted
 * ciphertext must never yield a message. Error codes follow the official samples.
 */

export const WecomCryptoErrorCode = {
  ValidateSignature: -40001,
  ParseXml: -40002,
  IllegalAesKey: -40004,
  ValidateReceiveId: -40005,
  DecryptAes: -40007,
  IllegalBuffer: -40008,
} as const;
export type WecomCryptoErrorCode = (typeof WecomCryptoErrorCode)[keyof typeof WecomCryptoErrorCode];

export class WecomCryptoError extends Error {
  override readonly name = 'WecomCryptoError';
  constructor(
    readonly code: WecomCryptoErrorCode,
    message: string,
  ) {
    super(`${message} (${code})`);
  }
}

/** AES block size used by WXBizMsgCrypt's PKCS#7 padding (32, not AES's 16). */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const HEADER_BYTES = RANDOM_BYTES + 4;
const KEY_PATTERN = /^[A-Za-z0-9+/]{43}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface AesKey {
  key: Buffer;
  iv: Buffer;
}

/** Decodes an EncodingAESKey: exactly 43 base64 characters that decode to 32 bytes (else -40004). */
export function parseEncodingAESKey(encodingAESKey: string): AesKey {
  if (typeof encodingAESKey !== 'string' || !KEY_PATTERN.test(encodingAESKey)) {
    throw new WecomCryptoError(WecomCryptoErrorCode.IllegalAesKey, 'EncodingAESKey must be 43 base64 characters');
  }
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (key.length !== 32) {
    throw new WecomCryptoError(WecomCryptoErrorCode.IllegalAesKey, `EncodingAESKey decodes to ${key.length} bytes, expected 32`);
  }
  return { key, iv: key.subarray(0, 16) };
}

/** The 4-part message signature of WeCom callbacks and mini-program safe mode. */
export function signature(token: string, timestamp: string | number, nonce: string | number, encrypt: string): string {
  return sha1Sorted([token, String(timestamp), String(nonce), encrypt]);
}

/** The 3-part signature of mini-program URL verification and plaintext-mode pushes. */
export function plainSignature(token: string, timestamp: string | number, nonce: string | number): string {
  return sha1Sorted([token, String(timestamp), String(nonce)]);
}

/** Checks a 4-part signature in constant time (a timing oracle would let an attacker forge one byte by byte). */
export function verifySignature(
  token: string,
  timestamp: string | number,
  nonce: string | number,
  encrypt: string,
  msgSignature: string,
): boolean {
  return constantTimeHexEqual(signature(token, timestamp, nonce, encrypt), msgSignature);
}

/** Checks a 3-part (mini-program plaintext) signature in constant time. */
export function verifyPlainSignature(token: string, timestamp: string | number, nonce: string | number, sig: string): boolean {
  return constantTimeHexEqual(plainSignature(token, timestamp, nonce), sig);
}

export interface Decrypted {
  message: string;
  receiveId: string;
  random: Buffer;
}

/**
 * Decrypts and validates a ciphertext. Throws WecomCryptoError: -40004 bad key, -40007 not
 * decryptable (bad base64, block size or padding), -40008 malformed buffer (too short, length
 * field out of bounds, message not UTF-8), -40005 receive id differs from `expectedReceiveId`.
 */
export function decrypt(encodingAESKey: string, encrypt: string, expectedReceiveId: string): Decrypted {
  const { key, iv } = parseEncodingAESKey(encodingAESKey);
  if (!expectedReceiveId) {
    throw new WecomCryptoError(WecomCryptoErrorCode.ValidateReceiveId, 'expected receive id (corpid or AppID) must not be empty');
  }
  if (typeof encrypt !== 'string' || encrypt.length === 0 || !BASE64_PATTERN.test(encrypt)) {
    throw new WecomCryptoError(WecomCryptoErrorCode.DecryptAes, 'ciphertext is not canonical base64');
  }
  const cipherBytes = Buffer.from(encrypt, 'base64');
  if (cipherBytes.length % PAD_BLOCK !== 0) {
    throw new WecomCryptoError(
      WecomCryptoErrorCode.DecryptAes,
      `ciphertext length ${cipherBytes.length} is not a multiple of ${PAD_BLOCK}`,
    );
  }
  const decipher = createDecipheriv('aes-256-cbc', key, iv);
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);
  const plain = unpad(padded);

  if (plain.length < HEADER_BYTES) {
    throw new WecomCryptoError(
      WecomCryptoErrorCode.IllegalBuffer,
      `decrypted buffer has ${plain.length} bytes, fewer than the ${HEADER_BYTES}-byte header`,
    );
  }
  const length = plain.readUInt32BE(RANDOM_BYTES);
  if (length > plain.length - HEADER_BYTES) {
    throw new WecomCryptoError(
      WecomCryptoErrorCode.IllegalBuffer,
      `length field ${length} exceeds the ${plain.length - HEADER_BYTES} bytes available`,
    );
  }
  const message = decodeUtf8(plain.subarray(HEADER_BYTES, HEADER_BYTES + length), 'message');
  const receiveId = decodeUtf8(plain.subarray(HEADER_BYTES + length), 'receive id');
  if (!constantTimeEqual(Buffer.from(receiveId), Buffer.from(expectedReceiveId))) {
    throw new WecomCryptoError(
      WecomCryptoErrorCode.ValidateReceiveId,
      'receive id in the message does not match the configured corpid/AppID',
    );
  }
  return { message, receiveId, random: Buffer.from(plain.subarray(0, RANDOM_BYTES)) };
}

/** Encrypts `message` for `receiveId`. `random` (16 bytes) defaults to fresh random bytes; pass it only to reproduce vectors. */
export function encrypt(
  encodingAESKey: string,
  message: string,
  receiveId: string,
  random: Uint8Array = randomBytes(RANDOM_BYTES),
): string {
  const { key, iv } = parseEncodingAESKey(encodingAESKey);
  if (random.length !== RANDOM_BYTES) throw new RangeError(`random must be ${RANDOM_BYTES} bytes, got ${random.length}`);
  const msg = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length, 0);
  const plain = pad(Buffer.concat([random, length, msg, Buffer.from(receiveId, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

export interface CallbackCredentials {
  token: string;
  encodingAESKey: string;
  /** corpid for WeCom, AppID for the mini-program. */
  receiveId: string;
}

export interface SignedCiphertext {
  msgSignature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}

/** Verifies the signature (-40001), then decrypts: what a callback endpoint does with every request. */
export function openCallback(credentials: CallbackCredentials, signed: SignedCiphertext): string {
  const { token, encodingAESKey, receiveId } = credentials;
  if (!verifySignature(token, signed.timestamp, signed.nonce, signed.encrypt, signed.msgSignature)) {
    throw new WecomCryptoError(WecomCryptoErrorCode.ValidateSignature, 'msg_signature does not match');
  }
  return decrypt(encodingAESKey, signed.encrypt, receiveId).message;
}

/** Encrypts and signs a message as Tencent does before calling us back. */
export function sealCallback(
  credentials: CallbackCredentials,
  message: string,
  options: { timestamp?: string | number; nonce?: string; random?: Uint8Array } = {},
): SignedCiphertext {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(randomBytes(4).readUInt32BE(0));
  const ciphertext = encrypt(credentials.encodingAESKey, message, credentials.receiveId, options.random);
  return { msgSignature: signature(credentials.token, timestamp, nonce, ciphertext), timestamp, nonce, encrypt: ciphertext };
}

/**
 * Query values reach us URL-decoded, and Tencent does not always percent-encode '+' in
 * base64 (echostr): a decoder turns it into a space. Base64 has no spaces, so restore them.
 */
export function restoreBase64Plus(value: string): string {
  return value.replace(/ /g, '+');
}

function sha1Sorted(parts: string[]): string {
  return createHash('sha1').update(parts.sort().join('')).digest('hex');
}

function pad(data: Buffer): Buffer {
  const n = PAD_BLOCK - (data.length % PAD_BLOCK);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

/** Strict PKCS#7 removal: pad byte in 1..32 and every pad byte equal to it (else -40007). */
function unpad(data: Buffer): Buffer {
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > PAD_BLOCK || n > data.length) {
    throw new WecomCryptoError(WecomCryptoErrorCode.DecryptAes, `invalid PKCS#7 pad byte ${n}`);
  }
  let mismatch = 0;
  for (let i = data.length - n; i < data.length; i++) mismatch |= (data[i] ?? 0) ^ n;
  if (mismatch !== 0) throw new WecomCryptoError(WecomCryptoErrorCode.DecryptAes, 'invalid PKCS#7 padding bytes');
  return data.subarray(0, data.length - n);
}

function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WecomCryptoError(WecomCryptoErrorCode.IllegalBuffer, `${what} is not valid UTF-8`);
  }
}

function constantTimeHexEqual(expected: string, given: string): boolean {
  if (typeof given !== 'string') return false;
  return constantTimeEqual(Buffer.from(expected, 'utf8'), Buffer.from(given.toLowerCase(), 'utf8'));
}

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  // timingSafeEqual needs equal lengths; lengths are not secret (a signature is always 40 hex chars).
  return a.length === b.length && timingSafeEqual(a, b);
}
