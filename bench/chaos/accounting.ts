/**
 * The chaos run's bookkeeping, pure (no sockets, no clock): which client message was
 * acknowledged, which bot message answered it, and what arrived twice. Each message belongs to
 * the phase (fault) it was first sent in; its answer counts for that phase whenever it comes.
 *
 * A bot message answers the oldest unanswered message of the same client whose question has
 * that answer (every question's answer text is distinct). A bot message id seen before by the
 * same client is "delivered twice"; a second, distinct bot message with the answer to a
 * question that is already answered (and no other message asking it waits) is "answered twice".
 *
 * Recovery after a fault: the time from the fault to the first answer any client receives after
 * it, and to the last answer of the messages it caught in flight (acknowledged before it,
 * unanswered then) — e.g. the jobs a killed worker held until BullMQ found them stalled.
 */

export interface ChaosMessage {
  client: number;
  clientMessageId: string;
  faqId: string;
  phase: string;
  firstSentAt: number;
  sends: number;
  ackedAt: number | null;
  rejected: string | null;
  answeredAt: number | null;
}

export interface PhaseCounts {
  offered: number;
  resends: number;
  /** Refusals the app retries (`busy`: load shed; `unavailable`: not stored), by error code. */
  refusals: Record<string, number>;
  acknowledged: number;
  rejected: number;
  answered: number;
  answeredTwice: number;
  deliveredTwice: number;
  unexpected: number;
  /** The first few texts of unexpected bot messages (a handoff notice, a clarifying menu…). */
  unexpectedSamples: string[];
  answerMs: number[];
}

export interface PhaseRow {
  phase: string;
  offered: number;
  acknowledged: number;
  /** Sent (and re-sent) but never acknowledged nor rejected by the report's time. */
  neverAcknowledged: number;
  rejected: number;
  answered: number;
  answeredTwice: number;
  deliveredTwice: number;
  /** Acknowledged, and no answer by the report's time (the deadline: 60 s after recovery). */
  neverAnswered: number;
  /**
   * Acknowledged and unanswered while the client's conversation was with an advisor (state
   * `queued`, `human`, `after_hours`): the bot rightly stays silent; not counted as never answered.
   */
  handedOff: number;
  unexpectedSamples: string[];
  unexpected: number;
  resends: number;
  refusals: Record<string, number>;
  rejections: Record<string, number>;
  p50AnswerMs: number | null;
  p99AnswerMs: number | null;
  maxAnswerMs: number | null;
  /** When the fault was injected (the ledger's clock), or null for a phase without one. */
  faultAt: number | null;
  /** Fault → the first answer any client received after it (how long answers stopped). */
  faultToFirstAnswerMs: number | null;
  /** Fault → the first answer to a message first sent after it (service restored for new questions). */
  faultToFirstNewAnswerMs: number | null;
  /** Messages acknowledged before the fault and not answered by then: the work the fault caught. */
  inFlightAtFault: number;
  /** Of those, how many are answered by the report's time. */
  inFlightAnswered: number;
  /** Fault → the last of those answered (the killed worker's jobs recovered), or null if none was answered. */
  faultToLastInFlightAnswerMs: number | null;
}

type RecoveryField =
  | 'faultAt'
  | 'faultToFirstAnswerMs'
  | 'faultToFirstNewAnswerMs'
  | 'inFlightAtFault'
  | 'inFlightAnswered'
  | 'faultToLastInFlightAnswerMs';

export type BotMessageOutcome = 'answer' | 'answered-twice' | 'delivered-twice' | 'unexpected';

interface ClientBook {
  /** Bot message ids this client has received (any socket of it, live or by history). */
  seenIds: Set<string>;
  /** Unanswered messages per question, oldest first. */
  open: Map<string, ChaosMessage[]>;
  /** The latest answered message per question (for "answered twice"). */
  lastAnswered: Map<string, ChaosMessage>;
  /** Which phase each bot message id was counted for. */
  phaseOfId: Map<string, string>;
  /** Who serves the client now (the `state` event): `bot` unless told otherwise. */
  state: string;
}

export function emptyCounts(): PhaseCounts {
  return {
    offered: 0,
    resends: 0,
    refusals: {},
    acknowledged: 0,
    rejected: 0,
    answered: 0,
    answeredTwice: 0,
    deliveredTwice: 0,
    unexpected: 0,
    unexpectedSamples: [],
    answerMs: [],
  };
}

/** The p-th percentile (nearest rank) of unsorted values, or null when there are none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export class ChaosLedger {
  private readonly clients = new Map<number, ClientBook>();
  private readonly phases = new Map<string, PhaseCounts>();
  private readonly messages: ChaosMessage[] = [];
  /** Arrival time of every answer, any client and phase, in arrival order. */
  private readonly answerArrivals: number[] = [];
  /** When each phase's fault was injected. */
  private readonly faults = new Map<string, number>();

  constructor(private readonly answerToFaq: Map<string, string>) {}

  counts(phase: string): PhaseCounts {
    let c = this.phases.get(phase);
    if (!c) this.phases.set(phase, (c = emptyCounts()));
    return c;
  }

  private book(client: number): ClientBook {
    let b = this.clients.get(client);
    if (!b) {
      b = { seenIds: new Set(), open: new Map(), lastAnswered: new Map(), phaseOfId: new Map(), state: 'bot' };
      this.clients.set(client, b);
    }
    return b;
  }

  /** The client's conversation state (`state` event, or `history`). */
  setState(client: number, state: string): void {
    this.book(client).state = state;
  }

  private unexpected(phase: string, text: string): void {
    const c = this.counts(phase);
    c.unexpected += 1;
    if (c.unexpectedSamples.length < 5) c.unexpectedSamples.push(String(text).slice(0, 60));
  }

  /** The phase's fault is injected now (kill -9, Redis data lost, database down). */
  faultInjected(phase: string, at: number): void {
    this.faults.set(phase, at);
  }

  /** A new message offered by a client (first send). */
  sent(client: number, clientMessageId: string, faqId: string, phase: string, at: number): ChaosMessage {
    const m: ChaosMessage = {
      client,
      clientMessageId,
      faqId,
      phase,
      firstSentAt: at,
      sends: 1,
      ackedAt: null,
      rejected: null,
      answeredAt: null,
    };
    this.messages.push(m);
    const b = this.book(client);
    let list = b.open.get(faqId);
    if (!list) b.open.set(faqId, (list = []));
    list.push(m);
    this.counts(phase).offered += 1;
    return m;
  }

  /** The same clientMessageId sent again (its ack was lost or the socket dropped). */
  resent(m: ChaosMessage): void {
    m.sends += 1;
    this.counts(m.phase).resends += 1;
  }

  /** The server refused it for now (`busy`, `unavailable`): the client sends it again later, same id. */
  refused(m: ChaosMessage, error: string): void {
    const r = this.counts(m.phase).refusals;
    r[error] = (r[error] ?? 0) + 1;
  }

  /** An ack came back: ok (stored; a duplicate ack of a re-send counts once) or a rejection. */
  acked(m: ChaosMessage, at: number, ok: boolean, error?: string): void {
    if (ok) {
      if (m.ackedAt !== null) return;
      m.ackedAt = at;
      this.counts(m.phase).acknowledged += 1;
      return;
    }
    if (m.ackedAt !== null || m.rejected !== null) return;
    m.rejected = error ?? 'rejected';
    this.counts(m.phase).rejected += 1;
  }

  /** Whether a message still waits for its ack (to be re-sent). */
  needsAck(m: ChaosMessage): boolean {
    return m.ackedAt === null && m.rejected === null && m.answeredAt === null;
  }

  /** A bot message a client received (live or in `history`); `phase` is the one running now. */
  botMessage(client: number, id: string, text: string, phase: string, at: number): BotMessageOutcome {
    const b = this.book(client);
    if (b.seenIds.has(id)) {
      this.counts(b.phaseOfId.get(id) ?? phase).deliveredTwice += 1;
      return 'delivered-twice';
    }
    b.seenIds.add(id);
    const faqId = this.answerToFaq.get(text);
    if (faqId === undefined) {
      this.unexpected(phase, text);
      return 'unexpected';
    }
    const list = b.open.get(faqId);
    const m = list?.shift();
    if (m) {
      m.answeredAt = at;
      this.answerArrivals.push(at);
      b.lastAnswered.set(faqId, m);
      b.phaseOfId.set(id, m.phase);
      const c = this.counts(m.phase);
      c.answered += 1;
      c.answerMs.push(at - m.firstSentAt);
      return 'answer';
    }
    const before = b.lastAnswered.get(faqId);
    if (before) {
      b.phaseOfId.set(id, before.phase);
      this.counts(before.phase).answeredTwice += 1;
      return 'answered-twice';
    }
    this.unexpected(phase, text);
    return 'unexpected';
  }

  /** Acknowledged messages of a phase that have no answer yet, the bot serving their client. */
  unanswered(phase: string): number {
    return this.unansweredMessages(phase).length;
  }

  private withAdvisor(m: ChaosMessage): boolean {
    return this.book(m.client).state !== 'bot';
  }

  /** Acknowledged messages of a phase with no answer (for the report's samples). */
  unansweredMessages(phase: string): ChaosMessage[] {
    return this.messages.filter((m) => m.phase === phase && m.ackedAt !== null && m.answeredAt === null && !this.withAdvisor(m));
  }

  /** Messages of a phase still waiting for their ack. */
  unacknowledged(phase: string): number {
    return this.messages.filter((m) => m.phase === phase && this.needsAck(m)).length;
  }

  /** Messages of any phase still waiting for their ack (the re-sender's work). */
  waitingForAck(): ChaosMessage[] {
    return this.messages.filter((m) => this.needsAck(m));
  }

  private rejectionsOf(phase: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.messages) if (m.phase === phase && m.rejected !== null) out[m.rejected] = (out[m.rejected] ?? 0) + 1;
    return out;
  }

  /** How answers recovered after the phase's fault (all null / 0 for a phase without one). */
  private recovery(phase: string): Pick<PhaseRow, RecoveryField> {
    const faultAt = this.faults.get(phase);
    if (faultAt === undefined)
      return {
        faultAt: null,
        faultToFirstAnswerMs: null,
        faultToFirstNewAnswerMs: null,
        inFlightAtFault: 0,
        inFlightAnswered: 0,
        faultToLastInFlightAnswerMs: null,
      };
    const firstAfter = this.answerArrivals.find((t) => t >= faultAt);
    const caught = this.messages.filter(
      (m) => m.ackedAt !== null && m.ackedAt <= faultAt && (m.answeredAt === null || m.answeredAt > faultAt),
    );
    const answered = caught.filter((m) => m.answeredAt !== null).map((m) => m.answeredAt!);
    const newAnswers = this.messages.filter((m) => m.firstSentAt >= faultAt && m.answeredAt !== null).map((m) => m.answeredAt!);
    return {
      faultAt,
      faultToFirstAnswerMs: firstAfter === undefined ? null : Math.round(firstAfter - faultAt),
      faultToFirstNewAnswerMs: newAnswers.length ? Math.round(Math.min(...newAnswers) - faultAt) : null,
      inFlightAtFault: caught.length,
      inFlightAnswered: answered.length,
      faultToLastInFlightAnswerMs: answered.length ? Math.round(Math.max(...answered) - faultAt) : null,
    };
  }

  /** The phase's row as of now (call it at the phase's deadline). */
  row(phase: string): PhaseRow {
    const c = this.counts(phase);
    const r = (v: number | null) => (v === null ? null : Math.round(v));
    return {
      phase,
      offered: c.offered,
      acknowledged: c.acknowledged,
      neverAcknowledged: this.unacknowledged(phase),
      rejected: c.rejected,
      answered: c.answered,
      answeredTwice: c.answeredTwice,
      deliveredTwice: c.deliveredTwice,
      neverAnswered: this.unanswered(phase),
      handedOff: this.messages.filter(
        (m) => m.phase === phase && m.ackedAt !== null && m.answeredAt === null && this.withAdvisor(m),
      ).length,
      unexpected: c.unexpected,
      unexpectedSamples: [...c.unexpectedSamples],
      resends: c.resends,
      refusals: { ...c.refusals },
      rejections: this.rejectionsOf(phase),
      p50AnswerMs: r(percentile(c.answerMs, 50)),
      p99AnswerMs: r(percentile(c.answerMs, 99)),
      maxAnswerMs: r(percentile(c.answerMs, 100)),
      ...this.recovery(phase),
    };
  }
}

/** The rows as a fixed-width text table. */
export function renderTable(rows: PhaseRow[]): string {
  const head = [
    'fault',
    'offered',
    'acked',
    'not acked',
    'refused, retried',
    'answered',
    'answered 2×',
    'delivered 2×',
    'never answered',
    'handed off',
    'fault→1st answer ms',
    'fault→1st new answer ms',
    'in flight',
    'fault→last in-flight answer ms',
    'p99 answer ms',
    'max answer ms',
  ];
  const ms = (v: number | null) => (v === null ? '—' : String(v));
  const body = rows.map((r) => [
    r.phase,
    String(r.offered),
    String(r.acknowledged),
    String(r.neverAcknowledged),
    String(Object.values(r.refusals).reduce((a, b) => a + b, 0)),
    String(r.answered),
    String(r.answeredTwice),
    String(r.deliveredTwice),
    String(r.neverAnswered),
    String(r.handedOff),
    ms(r.faultToFirstAnswerMs),
    ms(r.faultToFirstNewAnswerMs),
    r.inFlightAtFault === r.inFlightAnswered ? String(r.inFlightAtFault) : `${r.inFlightAnswered}/${r.inFlightAtFault}`,
    ms(r.faultToLastInFlightAnswerMs),
    ms(r.p99AnswerMs),
    ms(r.maxAnswerMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}
