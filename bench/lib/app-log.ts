import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';

/**
 * What the app wrote while it was benchmarked (LOG_LEVEL=warn, so normally nothing but the
 * start banner): counts per level and the most frequent messages, as evidence for the report.
 */
export interface AppLogSummary {
  file: string;
  bytes: number;
  warn: number;
  error: number;
  fatal: number;
  otherLines: number;
  top: { level: string; msg: string; count: number }[];
  /** Where a copy of the log was kept (when it had warnings or errors). */
  keptAs?: string;
}

interface PinoLine {
  level?: number;
  msg?: string;
  err?: { message?: string };
}

const LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };
const MAX_BYTES = 20 * 1024 * 1024;

export function summarizeAppLog(file: string | undefined): AppLogSummary | null {
  if (!file || !existsSync(file)) return null;
  const bytes = statSync(file).size;
  // Bounded: a flood of errors is summarized from its first 20 MB.
  const text = readFileSync(file, 'utf8').slice(0, MAX_BYTES);
  const summary: AppLogSummary = { file, bytes, warn: 0, error: 0, fatal: 0, otherLines: 0, top: [] };
  const counts = new Map<string, { level: string; msg: string; count: number }>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: PinoLine | null = null;
    if (line.startsWith('{')) {
      try {
        entry = JSON.parse(line) as PinoLine;
      } catch {
        entry = null;
      }
    }
    const level = entry?.level !== undefined ? LEVELS[entry.level] : undefined;
    if (!entry || !level) {
      summary.otherLines += 1;
      continue;
    }
    summary[level as 'warn' | 'error' | 'fatal'] += 1;
    // FerretDB prefixes its errors with Go call sites ("[update.go:114 common.UpdateDocument] …"): keep the cause.
    const cause = (entry.err?.message ?? '').replace(/\[[^\]]*\.go:\d+[^\]]*\]\s*/g, '');
    const msg = `${entry.msg ?? ''}${cause ? `: ${cause}` : ''}`.slice(0, 400);
    const key = `${level}|${msg}`;
    const c = counts.get(key) ?? { level, msg, count: 0 };
    c.count += 1;
    counts.set(key, c);
  }
  summary.top = [...counts.values()].sort((a, b) => b.count - a.count).slice(0, 8);
  return summary;
}

/** Copies the first `maxBytes` of the app log next to the results (the temp dir is removed). */
export function keepAppLog(src: string, dest: string, maxBytes = 5 * 1024 * 1024): void {
  const fd = openSync(src, 'r');
  try {
    const buf = Buffer.alloc(Math.min(maxBytes, statSync(src).size));
    const n = readSync(fd, buf, 0, buf.length, 0);
    writeFileSync(dest, buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
