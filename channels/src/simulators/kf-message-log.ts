import { DAY, type Clock } from './clock';
import { randomId } from './ids';

/** A msg_list item of kf/sync_msg, exactly as it goes on the wire. */
export interface KfMessage {
  msgid: string;
  open_kfid?: string;
  external_userid?: string;
  send_time: number;
  /** 3 client, 4 system event, 5 human servicer. */
  origin: 3 | 4 | 5;
  servicer_userid?: string;
  msgtype: string;
  [payload: string]: unknown;
}

export interface SyncPage {
  next_cursor: string;
  has_more: 0 | 1;
  msg_list: KfMessage[];
}

export interface KfMessageLogOptions {
  /** Lifetime of the Token carried by a kf_msg_or_event callback (10 min). */
  tokenTtlMs: number;
  /** How far back sync_msg can read (3 days). */
  retentionMs: number;
  /** Most items one page holds even when `limit` allows more (Tencent may return fewer than asked). */
  maxPageSize: number;
}

/**
 * What kf/sync_msg reads: client messages and system events (never what we sent through the
 * API), the callback Tokens, and opaque cursors that are positions in this log.
 */
export class KfMessageLog {
  private readonly entries: KfMessage[] = [];
  private readonly tokens = new Map<string, number>();
  private emptyPages = 0;
  readonly options: KfMessageLogOptions;

  constructor(
    private readonly clock: Clock,
    options: Partial<KfMessageLogOptions> = {},
  ) {
    this.options = { tokenTtlMs: 10 * 60 * 1000, retentionMs: 3 * DAY, maxPageSize: 1000, ...options };
  }

  append(message: KfMessage): void {
    this.entries.push(message);
  }

  all(): readonly KfMessage[] {
    return this.entries;
  }

  issueToken(): string {
    const token = randomId(40, 'ENC');
    this.tokens.set(token, this.clock.now() + this.options.tokenTtlMs);
    return token;
  }

  tokenState(token: string): 'valid' | 'unknown' | 'expired' {
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return 'unknown';
    return expiresAt > this.clock.now() ? 'valid' : 'expired';
  }

  /** The next `count` pages come back empty with has_more = 1, which clients must tolerate. */
  injectEmptyPages(count: number): void {
    this.emptyPages += count;
  }

  /** One page after `cursor` (from the oldest readable message without one); null when the cursor is not ours. */
  page(cursor: string | undefined, limit: number, openKfId: string | undefined): SyncPage | null {
    const readableFrom = this.clock.now() - this.options.retentionMs;
    const start = cursor ? decodeCursor(cursor) : this.entries.findIndex((m) => m.send_time * 1000 >= readableFrom);
    if (start === null || start > this.entries.length) return null;
    const from = start === -1 ? this.entries.length : start;
    if (this.emptyPages > 0) {
      this.emptyPages--;
      return { next_cursor: encodeCursor(from), has_more: 1, msg_list: [] };
    }
    const matches = (m: KfMessage) => m.send_time * 1000 >= readableFrom && (openKfId === undefined || belongsTo(m, openKfId));
    const size = Math.min(limit, this.options.maxPageSize);
    const list: KfMessage[] = [];
    let next = from;
    while (next < this.entries.length && list.length < size) {
      const message = this.entries[next++]!;
      if (matches(message)) list.push(message);
    }
    const hasMore = this.entries.slice(next).some(matches);
    return { next_cursor: encodeCursor(next), has_more: hasMore ? 1 : 0, msg_list: list };
  }
}

function belongsTo(message: KfMessage, openKfId: string): boolean {
  const event = message.event as { open_kfid?: string } | undefined;
  return (message.open_kfid ?? event?.open_kfid) === openKfId;
}

function encodeCursor(position: number): string {
  return Buffer.from(`kfpos:${position}`).toString('base64url');
}

function decodeCursor(cursor: string): number | null {
  const match = /^kfpos:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  return match ? Number(match[1]) : null;
}
