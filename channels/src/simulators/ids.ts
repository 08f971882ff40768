import { randomBytes, randomInt } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A random identifier of [0-9a-zA-Z]; Tencent's ids (msgid, tokens, codes) use that alphabet. */
export function randomId(length: number, prefix = ''): string {
  let out = prefix;
  for (const byte of randomBytes(length)) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/** A random unsigned 64-bit id above 2^53 as a decimal string (mini-program MsgId). */
export function randomUint64AboveSafe(): string {
  const high = BigInt(randomInt(1 << 21, 1 << 30)) << 32n; // ≥ 2^53, < 2^62
  return (high | BigInt(randomBytes(4).readUInt32BE(0))).toString();
}

/** 19-digit msgid of a client message, as in Tencent's examples ("from_msgid_4622416642169452483"). */
export function clientMsgId(): string {
  return `from_msgid_${randomUint64AboveSafe()}`;
}
