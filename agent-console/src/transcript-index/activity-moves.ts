import type { ActivityRecord } from './records';

/**
 * How often one activity record's first/last times are moved at most. A conversation that goes
 * on writes a message every few seconds; moving its day record each time cost an update per
 * message on FerretDB (~0.7 database commands per answered message under load). Its `lastAt` may
 * now lag by up to this long: in 会话记录 the conversation is listed a little lower for that
 * while, and a crash of the index worker forgets at most this much of its movement.
 */
export const ACTIVITY_MOVE_EVERY_MS = 10_000;

/**
 * Coalesces the moves of stored activity records (pure; the caller writes what it returns).
 * A record not moved within `everyMs` is moved at once; later moves are merged (earliest
 * `firstAt`, latest `lastAt`) and come due `everyMs` after its last write.
 *
 * @example
 * const moves = new ActivityMoves();
 * const now = moves.offer(stale, Date.now()); // write these now
 * const later = moves.takeDue(Date.now());   // on each idle turn of the worker
 */
export class ActivityMoves {
  private readonly pending = new Map<string, ActivityRecord>();
  private readonly movedAt = new Map<string, number>();

  constructor(private readonly everyMs = ACTIVITY_MOVE_EVERY_MS) {}

  /** Takes moves of stored records; returns those to write now (the rest wait, merged). */
  offer(records: ActivityRecord[], now: number): ActivityRecord[] {
    const due: ActivityRecord[] = [];
    for (const r of records) {
      const pending = this.pending.get(r._id);
      const merged = pending ? mergeMoves(pending, r) : r;
      const last = this.movedAt.get(r._id);
      if (last === undefined || now - last >= this.everyMs) {
        this.pending.delete(r._id);
        this.movedAt.set(r._id, now);
        due.push(merged);
      } else {
        this.pending.set(r._id, merged);
      }
    }
    return due;
  }

  /** The waiting moves whose time has come; forgets records not moved for a while. */
  takeDue(now: number): ActivityRecord[] {
    const due: ActivityRecord[] = [];
    for (const [id, r] of this.pending) {
      if (now - (this.movedAt.get(id) ?? 0) < this.everyMs) continue;
      this.pending.delete(id);
      this.movedAt.set(id, now);
      due.push(r);
    }
    for (const [id, at] of this.movedAt) if (now - at >= this.everyMs && !this.pending.has(id)) this.movedAt.delete(id);
    return due;
  }

  /** Every waiting move (the worker stops). */
  takeAll(): ActivityRecord[] {
    const all = [...this.pending.values()];
    this.pending.clear();
    return all;
  }

  get waiting(): number {
    return this.pending.size;
  }
}

function mergeMoves(a: ActivityRecord, b: ActivityRecord): ActivityRecord {
  return {
    ...a,
    firstAt: +b.firstAt < +a.firstAt ? b.firstAt : a.firstAt,
    lastAt: +b.lastAt > +a.lastAt ? b.lastAt : a.lastAt,
  };
}
