import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseLosslessJson } from 'lossless-json';

/**
 * Safe parsing of WeCom / mini-program callback bodies, XML or JSON.
 *
 * Every leaf value comes back as a string, whatever the format: MsgId is a 64-bit integer
 * above Number.MAX_SAFE_INTEGER, so a number type would silently corrupt the idempotency key.
 * XML declarations (DOCTYPE, ENTITY) are refused outright, which closes billion-laughs and
 * external-entity attacks; size and nesting depth are bounded before any tree is built.
 */

export type BodyValue = string | BodyObject | BodyValue[];
export interface BodyObject {
  [key: string]: BodyValue;
}

export type BodyFormat = 'xml' | 'json';

export interface BodyLimits {
  /** Largest accepted body in bytes (default 64 KiB; Tencent's callbacks are a few KiB). */
  maxBytes?: number;
  /** Deepest accepted nesting, the root object counting as 1 (default 16). */
  maxDepth?: number;
}

export const DEFAULT_BODY_LIMITS: Required<BodyLimits> = { maxBytes: 64 * 1024, maxDepth: 16 };

export type BodyErrorReason =
  | 'too_large'
  | 'not_utf8'
  | 'forbidden_declaration'
  | 'too_deep'
  | 'malformed'
  | 'forbidden_key'
  | 'not_an_object'
  | 'missing_field';

/** A body we refuse. `status` is the HTTP answer to give; `code` is WXBizMsgCrypt's parse error. */
export class CallbackBodyError extends Error {
  override readonly name = 'CallbackBodyError';
  readonly code = -40002;
  readonly status: 400 | 413;
  constructor(
    readonly reason: BodyErrorReason,
    message: string,
  ) {
    super(message);
    this.status = reason === 'too_large' ? 413 : 400;
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses an XML body and returns the children of its single `<xml>` root. */
export function parseXmlBody(raw: string | Uint8Array, limits: BodyLimits = {}): BodyObject {
  const { maxBytes, maxDepth } = { ...DEFAULT_BODY_LIMITS, ...limits };
  const text = decodeBody(raw, maxBytes);
  scanXml(text, maxDepth);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new CallbackBodyError('malformed', `malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let tree: unknown;
  try {
    tree = xmlParser(maxDepth).parse(text);
  } catch (err) {
    // fast-xml-parser refuses prototype-polluting tag names and excess nesting by throwing.
    const message = (err as Error).message;
    throw new CallbackBodyError(/nested/i.test(message) ? 'too_deep' : 'forbidden_key', `rejected XML: ${message}`);
  }
  const roots = isObject(tree) ? Object.keys(tree) : [];
  if (roots.length !== 1 || roots[0] !== 'xml')
    throw new CallbackBodyError('malformed', 'XML body must have the single root element <xml>');
  const root = (tree as BodyObject).xml;
  // `<xml></xml>` parses to an empty string: treat it as an empty object so callers get a uniform type.
  if (root === '') return {};
  if (!isObject(root)) throw new CallbackBodyError('not_an_object', '<xml> root must contain elements');
  return root;
}

/**
 * Parses a JSON body losslessly: numbers keep their exact source text as strings ("MsgId":
 * 4561255354251345929 → "4561255354251345929"), booleans become "true"/"false", null becomes "".
 */
export function parseJsonBody(raw: string | Uint8Array, limits: BodyLimits = {}): BodyObject {
  const { maxBytes, maxDepth } = { ...DEFAULT_BODY_LIMITS, ...limits };
  const text = decodeBody(raw, maxBytes);
  // lossless-json parses recursively: bound the depth before it can exhaust the stack.
  if (jsonDepth(text) > maxDepth) throw new CallbackBodyError('too_deep', `JSON nesting deeper than ${maxDepth}`);
  let tree: unknown;
  try {
    tree = parseLosslessJson(text, null, (numeric: string) => numeric);
  } catch (err) {
    throw new CallbackBodyError('malformed', `malformed JSON: ${(err as Error).message}`);
  }
  const value = toBodyValue(tree);
  if (!isObject(value)) throw new CallbackBodyError('not_an_object', 'JSON body must be an object');
  return value;
}

export function parseBody(raw: string | Uint8Array, format: BodyFormat, limits?: BodyLimits): BodyObject {
  return format === 'xml' ? parseXmlBody(raw, limits) : parseJsonBody(raw, limits);
}

/** Chooses the format from Content-Type, falling back to the first non-blank character. */
export function detectBodyFormat(contentType: string | undefined, raw: string | Uint8Array): BodyFormat {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json')) return 'json';
  if (type.includes('xml')) return 'xml';
  const text = typeof raw === 'string' ? raw : Buffer.from(raw.subarray(0, 64)).toString('latin1');
  return text.trimStart().startsWith('{') ? 'json' : 'xml';
}

/** The outer envelope of an encrypted callback: `<xml><ToUserName/><Encrypt/><AgentID/></xml>` or its JSON form. */
export interface EncryptedEnvelope {
  encrypt: string;
  toUserName?: string;
  agentId?: string;
}

export function parseEncryptedEnvelope(raw: string | Uint8Array, format: BodyFormat, limits?: BodyLimits): EncryptedEnvelope {
  const body = parseBody(raw, format, limits);
  const encrypt = stringField(body, 'Encrypt');
  if (!encrypt) throw new CallbackBodyError('missing_field', 'envelope has no Encrypt field');
  return { encrypt, toUserName: stringField(body, 'ToUserName'), agentId: stringField(body, 'AgentID') };
}

/** A top-level string field, or undefined when it is absent or not a string. */
export function stringField(body: BodyObject, key: string): string | undefined {
  const value = Object.prototype.hasOwnProperty.call(body, key) ? body[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

let cachedParser: { depth: number; parser: XMLParser } | undefined;
function xmlParser(maxDepth: number): XMLParser {
  if (cachedParser?.depth !== maxDepth) {
    cachedParser = {
      depth: maxDepth,
      parser: new XMLParser({
        ignoreAttributes: true,
        parseTagValue: false, // keep "4561255354251345929" a string
        parseAttributeValue: false,
        trimValues: true, // trims whitespace between elements; CDATA content is kept verbatim
        cdataPropName: false,
        processEntities: true,
        entityDecoder: xmlEntityDecoder,
        ignoreDeclaration: true,
        ignorePiTags: true,
        maxNestedTags: maxDepth,
      }),
    };
  }
  return cachedParser.parser;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * XML's five predefined entities and character references, in one pass (so "&amp;#20320;"
 * stays "&#20320;"). DOCTYPE-declared entities are ignored: they never expand, even if a
 * declaration got past scanXml.
 */
const xmlEntityDecoder = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: (text: string) =>
    text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
      if (ref[0] !== '#') return PREDEFINED[ref] ?? whole;
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      const isXmlChar =
        code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff));
      return isXmlChar ? String.fromCodePoint(code) : whole;
    }),
};

function decodeBody(raw: string | Uint8Array, maxBytes: number): string {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
  if (bytes > maxBytes) throw new CallbackBodyError('too_large', `body of ${bytes} bytes exceeds the ${maxBytes}-byte limit`);
  if (typeof raw === 'string') return raw;
  try {
    return utf8.decode(raw);
  } catch {
    throw new CallbackBodyError('not_utf8', 'body is not valid UTF-8');
  }
}

/**
 * One pass over the XML text outside CDATA sections and comments: refuses any `<!…>`
 * declaration (DOCTYPE, ENTITY, ELEMENT…) and measures element depth. CDATA is skipped so a
 * client typing "<!DOCTYPE html>" in a message is still accepted.
 */
function scanXml(text: string, maxDepth: number): void {
  let depth = 0;
  let i = 0;
  while ((i = text.indexOf('<', i)) !== -1) {
    if (text.startsWith('<![CDATA[', i)) {
      i = skipPast(text, ']]>', i + 9);
    } else if (text.startsWith('<!--', i)) {
      i = skipPast(text, '-->', i + 4);
    } else if (text.startsWith('<!', i)) {
      throw new CallbackBodyError('forbidden_declaration', 'XML declarations (DOCTYPE, ENTITY) are not accepted');
    } else if (text.startsWith('<?', i)) {
      i = skipPast(text, '?>', i + 2);
    } else if (text.startsWith('</', i)) {
      depth--;
      i += 2;
    } else {
      const end = text.indexOf('>', i);
      const nextOpen = text.indexOf('<', i + 1);
      // A '<' before the tag closes would hide markup from this scan: refuse it.
      if (end === -1 || (nextOpen !== -1 && nextOpen < end)) throw new CallbackBodyError('malformed', 'unterminated XML tag');
      if (text[end - 1] !== '/' && ++depth > maxDepth)
        throw new CallbackBodyError('too_deep', `XML nesting deeper than ${maxDepth}`);
      i = end + 1;
    }
  }
}

function skipPast(text: string, terminator: string, from: number): number {
  const end = text.indexOf(terminator, from);
  if (end === -1) throw new CallbackBodyError('malformed', `unterminated XML section (missing "${terminator}")`);
  return end + terminator.length;
}

/** Maximum bracket depth of a JSON text, ignoring brackets inside strings. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

function toBodyValue(value: unknown): BodyValue {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (value === null) return '';
  if (Array.isArray(value)) return value.map(toBodyValue);
  if (typeof value === 'object') {
    const out: BodyObject = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (FORBIDDEN_KEYS.has(key)) throw new CallbackBodyError('forbidden_key', `forbidden key "${key}"`);
      out[key] = toBodyValue(child);
    }
    return out;
  }
  throw new CallbackBodyError('malformed', `unexpected JSON value of type ${typeof value}`);
}

function isObject(value: unknown): value is BodyObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
