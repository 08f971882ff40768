import type { ClientConn, WireMessage } from '../lib/sockets';
import type { Question } from '../lib/questions';
import { roundSummary, summarize, type Summary } from '../stats';

/**
 * FAQ traffic from many simulated app clients. Two ways to drive it:
 *  - closed loop: every client sends, waits for the bot's reply (or the timeout), sends again;
 *    shows what the stack sustains with N clients in flight. A client told `busy` waits
 *    BUSY_RETRY_MS before its next message, as an app does (not a tight loop of refusals);
 *  - open loop: messages go out at a fixed offered rate whatever the replies do, spread
 *    round-robin over the clients; shows what happens at (or past) a target rate.
 * A reply not received within `replyTimeoutMs` of its send is lost; one that comes later
 * is counted "late" (and still lost), never dropped silently.
 */

/** How long a closed-loop client waits after a `busy` refusal before it sends again. */
const BUSY_RETRY_MS = 500;

interface Pending {
  phase: Phase;
  faqId: string;
  sentAt: number;
  /** Called once the message is answered, lost, or refused (`refused`: no reply will come). */
  done?: (refused?: boolean) => void;
}

/** Raw counters of one phase. Times are performance.now() milliseconds. */
export class Phase {
  sent = 0;
  acked = 0;
  ackedInWindow = 0;
  ackTimeouts = 0;
  rejected: Record<string, number> = {};
  duplicates = 0;
  answered = 0;
  answeredInWindow = 0;
  lost = 0;
  late = 0;
  unexpected = 0;
  unexpectedSamples: string[] = [];
  disconnects: Record<string, number> = {};
  outstanding = 0;
  lastReplyAt = 0;
  readonly ackMs: number[] = [];
  readonly replyMs: number[] = [];
  readonly lateMs: number[] = [];
  windowStart = 0;
  windowEnd = Infinity;

  constructor(readonly name: string) {}
}

export class LoadClient {
  private readonly pending = new Map<string, Pending[]>();
  /** Timed-out messages whose reply may still come (per FAQ id, oldest first). */
  private readonly expired = new Map<string, Pending[]>();
  private counter = 0;
  phase: Phase | null = null;

  constructor(
    readonly conn: ClientConn,
    private readonly byAnswer: Map<string, string>,
    private readonly replyTimeoutMs: number,
  ) {
    conn.socket.on('message', (m: WireMessage) => this.onMessage(m));
    conn.socket.on('disconnect', (reason: string) => {
      if (this.phase) this.phase.disconnects[reason] = (this.phase.disconnects[reason] ?? 0) + 1;
    });
  }

  get connected(): boolean {
    return this.conn.socket.connected;
  }

  private onMessage(m: WireMessage): void {
    if (m?.from !== 'bot') return;
    const now = performance.now();
    const faqId = this.byAnswer.get(m.text);
    const unexpected = () => {
      const phase = this.phase;
      if (!phase) return;
      phase.unexpected += 1;
      if (phase.unexpectedSamples.length < 3) phase.unexpectedSamples.push(String(m.text).slice(0, 40));
    };
    if (!faqId) return unexpected();
    const late = this.expired.get(faqId);
    if (late && late.length > 0) {
      const p = late.shift()!;
      p.phase.late += 1;
      p.phase.lateMs.push(now - p.sentAt);
      return;
    }
    const list = this.pending.get(faqId);
    if (!list || list.length === 0) return unexpected();
    const p = list.shift()!;
    const phase = p.phase;
    phase.outstanding -= 1;
    phase.answered += 1;
    if (now <= phase.windowEnd) phase.answeredInWindow += 1;
    phase.lastReplyAt = now;
    phase.replyMs.push(now - p.sentAt);
    p.done?.();
  }

  private remove(p: Pending): boolean {
    const list = this.pending.get(p.faqId);
    const i = list ? list.indexOf(p) : -1;
    if (i < 0) return false;
    list!.splice(i, 1);
    return true;
  }

  send(phase: Phase, q: Question, ackTimeoutMs: number, done?: (refused?: boolean) => void): void {
    const p: Pending = { phase, faqId: q.faqId, sentAt: performance.now(), done };
    let list = this.pending.get(q.faqId);
    if (!list) this.pending.set(q.faqId, (list = []));
    list.push(p);
    phase.sent += 1;
    phase.outstanding += 1;
    const clientMessageId = `${phase.name.slice(0, 1)}${(this.counter++).toString(36)}`;
    this.conn.socket
      .timeout(ackTimeoutMs)
      .emit(
        'message',
        { clientMessageId, text: q.text },
        (err: Error | null, ack?: { ok?: boolean; duplicate?: boolean; error?: string }) => {
          const now = performance.now();
          if (err) {
            phase.ackTimeouts += 1; // the reply sweep decides whether the message is lost
            return;
          }
          if (!ack?.ok) {
            const code = ack?.error ?? 'no_ack_body';
            phase.rejected[code] = (phase.rejected[code] ?? 0) + 1;
            // Not accepted: no reply will come. Not "lost" — counted as rejected.
            if (this.remove(p)) {
              phase.outstanding -= 1;
              p.done?.(true);
            }
            return;
          }
          phase.acked += 1;
          if (now <= phase.windowEnd) phase.ackedInWindow += 1;
          if (ack.duplicate) phase.duplicates += 1;
          phase.ackMs.push(now - p.sentAt);
        },
      );
  }

  /** Moves messages older than the reply timeout from pending to lost. */
  sweep(now: number): void {
    for (const [faqId, list] of this.pending) {
      while (list.length > 0 && now - list[0]!.sentAt > this.replyTimeoutMs) {
        const p = list.shift()!;
        p.phase.lost += 1;
        p.phase.outstanding -= 1;
        let late = this.expired.get(faqId);
        if (!late) this.expired.set(faqId, (late = []));
        late.push(p);
        if (late.length > 1_000) late.shift(); // bounded
        p.done?.();
      }
    }
  }
}

export interface ThroughputResult {
  name: string;
  mode: 'closed' | 'open';
  clients: number;
  targetRate: number | null;
  windowSeconds: number;
  sent: number;
  offeredPerSec: number;
  acked: number;
  ackedPerSec: number;
  answered: number;
  answeredPerSec: number;
  lost: number;
  late: number;
  rejected: Record<string, number>;
  ackTimeouts: number;
  duplicates: number;
  unexpected: number;
  unexpectedSamples: string[];
  disconnects: Record<string, number>;
  drainMs: number;
  ackMs: Summary;
  replyMs: Summary;
  lateReplyMs: Summary;
  /** Largest number of messages the open-loop generator had to send at once to keep up (timer lateness). */
  generatorMaxBurst?: number;
}

export interface RigOptions {
  replyTimeoutMs: number;
  ackTimeoutMs: number;
}

/** The simulated clients of both throughput phases, with the sweep that times replies out. */
export class ThroughputRig {
  readonly clients: LoadClient[];
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    conns: ClientConn[],
    byAnswer: Map<string, string>,
    readonly questions: Question[],
    readonly opts: RigOptions,
  ) {
    this.clients = conns.map((c) => new LoadClient(c, byAnswer, opts.replyTimeoutMs));
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const c of this.clients) c.sweep(now);
    }, 50);
  }

  /** Stops the sweep and disconnects the clients (not counted as disconnects of a phase). */
  close(): void {
    clearInterval(this.sweeper);
    for (const c of this.clients) {
      c.phase = null;
      c.conn.socket.disconnect();
    }
  }

  private begin(name: string, seconds: number): Phase {
    const phase = new Phase(name);
    phase.windowStart = performance.now();
    phase.windowEnd = phase.windowStart + seconds * 1000;
    for (const c of this.clients) c.phase = phase;
    return phase;
  }

  /** Waits until every message of the phase is answered or timed out (bounded by the timeout). */
  private async drain(phase: Phase): Promise<number> {
    const t0 = performance.now();
    const deadline = t0 + this.opts.replyTimeoutMs + 1_000;
    while (phase.outstanding > 0 && performance.now() < deadline) await sleep(25);
    return performance.now() - t0;
  }

  /** Closed loop over the first `clientCount` clients (all by default), named `name`. */
  async closedLoop(
    seconds: number,
    clientCount = this.clients.length,
    name = 'closed',
    maxPerClient = 100_000,
  ): Promise<ThroughputResult> {
    const phase = this.begin(name, seconds);
    const Q = this.questions.length;
    const clients = this.clients.slice(0, Math.max(1, clientCount));
    const loop = async (client: LoadClient, offset: number) => {
      for (let i = 0; i < maxPerClient && performance.now() < phase.windowEnd && client.connected; i++) {
        const q = this.questions[(offset + i) % Q]!;
        const refused = await new Promise<boolean | undefined>((resolve) =>
          client.send(phase, q, this.opts.ackTimeoutMs, resolve),
        );
        // Told 系统繁忙，请稍后重试: a client app waits before it sends again, it does not hammer.
        if (refused) await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
      }
    };
    await Promise.all(clients.map((c, i) => loop(c, i)));
    const drainMs = await this.drain(phase);
    return this.result(phase, 'closed', null, seconds, drainMs, clients.length);
  }

  async openLoop(rate: number, seconds: number): Promise<ThroughputResult> {
    const phase = this.begin('open', seconds);
    const N = this.clients.length;
    const Q = this.questions.length;
    const total = Math.floor(rate * seconds);
    let k = 0;
    let cursor = 0;
    let maxBurst = 0;
    // Bounded by count (total) and time (the window plus a second).
    while (k < total && performance.now() < phase.windowEnd + 1_000) {
      const due = Math.min(total, Math.floor(((performance.now() - phase.windowStart) / 1000) * rate));
      maxBurst = Math.max(maxBurst, due - k);
      while (k < due) {
        let client: LoadClient | undefined;
        for (let tries = 0; tries < N; tries++) {
          const c = this.clients[cursor++ % N]!;
          if (c.connected) {
            client = c;
            break;
          }
        }
        if (!client) break;
        // Each client walks through all questions in turn, so its messages in flight differ.
        client.send(phase, this.questions[Math.floor(k / N) % Q]!, this.opts.ackTimeoutMs);
        k += 1;
      }
      if (!this.clients.some((c) => c.connected)) break;
      await sleep(1);
    }
    const drainMs = await this.drain(phase);
    const r = this.result(phase, 'open', rate, seconds, drainMs, N);
    r.generatorMaxBurst = maxBurst;
    return r;
  }

  private result(
    phase: Phase,
    mode: 'closed' | 'open',
    rate: number | null,
    seconds: number,
    drainMs: number,
    clients: number,
  ): ThroughputResult {
    const window = seconds;
    return {
      name: phase.name,
      mode,
      clients,
      targetRate: rate,
      windowSeconds: window,
      sent: phase.sent,
      offeredPerSec: phase.sent / window,
      acked: phase.acked,
      ackedPerSec: phase.ackedInWindow / window,
      answered: phase.answered,
      answeredPerSec: phase.answeredInWindow / window,
      lost: phase.lost,
      late: phase.late,
      rejected: phase.rejected,
      ackTimeouts: phase.ackTimeouts,
      duplicates: phase.duplicates,
      unexpected: phase.unexpected,
      unexpectedSamples: phase.unexpectedSamples,
      disconnects: phase.disconnects,
      drainMs,
      ackMs: roundSummary(summarize(phase.ackMs)),
      replyMs: roundSummary(summarize(phase.replyMs)),
      lateReplyMs: roundSummary(summarize(phase.lateMs)),
    };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
