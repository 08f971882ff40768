import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One known-answer vector of the official WXBizMsgCrypt samples. */
export interface CryptoVector {
  name: string;
  token: string;
  encodingAESKey: string;
  receiveId: string;
  msg_signature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
  expected_message: string;
  expected_receiveId: string;
  random_hex: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Tencent's published known-answer vectors, copied into the repo's fixtures with their origin
 * (`source_note` in the file: the official WeCom callback sample programs). WECOM_VECTORS points
 * at another copy, e.g. the team's reference set in ../shared/vectors/.
 */
export const VECTORS_PATH =
  process.env.WECOM_VECTORS ?? path.resolve(REPO_ROOT, 'channels', 'test', 'fixtures', 'wecom-callback.json');

const FIELDS = [
  'name',
  'token',
  'encodingAESKey',
  'receiveId',
  'msg_signature',
  'timestamp',
  'nonce',
  'encrypt',
  'expected_message',
  'expected_receiveId',
  'random_hex',
] as const;

/** The vectors, or why they could not be read (the caller must fail the test, never skip it). */
export function loadVectors(): { vectors: CryptoVector[]; error?: undefined } | { vectors: []; error: string } {
  if (!existsSync(VECTORS_PATH)) {
    return {
      vectors: [],
      error: `WeCom crypto vectors not found at ${VECTORS_PATH} (the repo's fixture, or the file WECOM_VECTORS names)`,
    };
  }
  try {
    const parsed = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vectors?: unknown };
    const vectors = parsed.vectors;
    if (!Array.isArray(vectors) || vectors.length === 0) throw new Error('"vectors" must be a non-empty array');
    for (const [i, v] of vectors.entries()) {
      const missing = FIELDS.filter((f) => typeof (v as Record<string, unknown>)[f] !== 'string');
      if (missing.length) throw new Error(`vector ${i} lacks ${missing.join(', ')}`);
    }
    return { vectors: vectors as CryptoVector[] };
  } catch (err) {
    return { vectors: [], error: `WeCom crypto vectors at ${VECTORS_PATH} are unreadable: ${(err as Error).message}` };
  }
}
