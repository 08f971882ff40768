import { LosslessNumber, stringify } from 'lossless-json';

/**
 * A field of a Tencent callback body. Strings go in CDATA (XML) or JSON strings; numbers go
 * bare. `{ bare }` is a number too large for a JS number (a 64-bit MsgId), written exactly.
 */
export type WireValue = string | number | { bare: string };
export type WireFields = Record<string, WireValue | undefined>;
export type WireFormat = 'xml' | 'json';

export interface WireBody {
  body: string;
  contentType: string;
}

export function formatWireBody(format: WireFormat, fields: WireFields): WireBody {
  return format === 'xml'
    ? { body: toXml(fields), contentType: 'text/xml' }
    : { body: toJson(fields), contentType: 'application/json' };
}

/** `<xml>…</xml>` from a flat record, in insertion order. */
export function toXml(fields: WireFields): string {
  let out = '<xml>';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = typeof value === 'number' ? String(value) : typeof value === 'object' ? value.bare : cdata(value);
    out += `<${name}>${text}</${name}>`;
  }
  return `${out}</xml>`;
}

/** JSON that keeps 64-bit numbers exact (JSON.stringify cannot write them). */
export function toJson(fields: WireFields): string {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[name] = typeof value === 'object' ? new LosslessNumber(value.bare) : value;
  }
  return stringify(out) ?? '{}';
}

/** "]]>" cannot appear inside CDATA: split it across two sections. */
function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}
