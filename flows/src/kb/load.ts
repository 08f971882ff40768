import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** flows/data/kb — one operator-editable JSON file per topic. */
export const DEFAULT_KB_DIR = path.join(__dirname, '..', '..', 'data', 'kb');

export const MAX_ANSWER_CHARS = 300;

const nonEmpty = z.string().trim().min(1, 'must be a non-empty string');

export const kbEntrySchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, 'must be kebab-case or snake_case (lower-case letters, digits, - or _)'),
    topic: nonEmpty,
    question: nonEmpty,
    variants: z.array(nonEmpty).min(3, 'needs at least 3 client phrasings').max(12, 'at most 12 variants'),
    answer: nonEmpty.max(MAX_ANSWER_CHARS, `must be at most ${MAX_ANSWER_CHARS} characters`),
    keywords: z.array(nonEmpty).optional(),
    escalate: z.boolean().optional(),
  })
  .strict();

export const kbFileSchema = z
  .object({
    note: nonEmpty,
    entries: z.array(kbEntrySchema).min(1, 'must contain at least one entry'),
  })
  .strict();

export type KbEntryData = z.infer<typeof kbEntrySchema>;

/** Thrown for unreadable, malformed or inconsistent KB content; the message names file and field. */
export class KbValidationError extends Error {
  override readonly name = 'KbValidationError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid knowledge-base file ${file}:\n  - ${problems.join('\n  - ')}`);
  }
}

/** "entries[3] (id \"open-account\").variants[1]" */
function fieldPath(issuePath: ReadonlyArray<string | number>, raw: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const seg of issuePath) {
    out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
    node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg] : undefined;
    if (typeof seg === 'number' && node && typeof node === 'object' && typeof (node as { id?: unknown }).id === 'string') {
      out += ` (id "${(node as { id: string }).id}")`;
    }
  }
  return out || '(file root)';
}

export interface LoadedEntry {
  entry: KbEntryData;
  file: string;
}

/** Parse and validate one KB file's text. `file` is only used in error messages. */
export function parseKbFile(file: string, text: string): KbEntryData[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new KbValidationError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  const parsed = kbFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new KbValidationError(
      file,
      parsed.error.issues.map((i) => `${fieldPath(i.path, raw)}: ${i.message}`),
    );
  }
  return parsed.data.entries;
}

/** Read every *.json in `dir` (sorted), validate, and reject duplicate ids across files. */
export function loadKbDir(dir: string = DEFAULT_KB_DIR): LoadedEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new Error(`Knowledge-base directory ${dir} cannot be read: ${(err as Error).message}`);
  }
  if (names.length === 0) throw new Error(`Knowledge-base directory ${dir} contains no .json files`);

  const out: LoadedEntry[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    const entries = parseKbFile(file, readFileSync(file, 'utf8'));
    const dupes: string[] = [];
    entries.forEach((entry, i) => {
      const where = `${name} entries[${i}]`;
      const prev = seen.get(entry.id);
      if (prev) dupes.push(`entries[${i}].id: duplicate id "${entry.id}" (already defined in ${prev})`);
      else seen.set(entry.id, where);
      out.push({ entry, file });
    });
    if (dupes.length) throw new KbValidationError(file, dupes);
  }
  return out;
}
