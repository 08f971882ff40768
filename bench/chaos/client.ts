import { io, type Socket } from 'socket.io-client';
import { mintClientToken } from '@brokerbot/channels';
import type { Question } from '../lib/questions';
import type { WireMessage } from '../lib/sockets';
import type { ChaosLedger, ChaosMessage } from './accounting';

/**
 * Refusals that mean "later" (系统繁忙，请稍后重试 / 消息暂未送达，请稍后重试): the app sends the
 * same message again.
 */
const RETRIED = new Set(['busy', 'unavailable']);
const BUSY_RETRY_MS = 1_000;

export const customerIdOf = (index: number) => `CHAOS${index}`;

/**
 * A simulated trading-app client, as the app behaves: it reconnects when its socket drops,
 * sending the highest seq it has seen as `lastSeq` (the `history` then holds what it missed),
 * and re-sends a message whose ack did not come (or that was refused for now: `busy`,
 * `unavailable`) with the same clientMessageId.
 */
export class ChaosClient {
  readonly socket: Socket;
  private lastSeq = 0;
  private counter = 0;
  private nextQuestion: number;
  /** When each waiting message was last emitted (for the re-sender). */
  private readonly lastEmit = new Map<ChaosMessage, number>();
  stopped = false;
  reconnects = 0;

  constructor(
    readonly index: number,
    baseUrl: string,
    secret: string,
    private readonly questions: Question[],
    private readonly ledger: ChaosLedger,
    private readonly currentPhase: () => string,
    private readonly ackTimeoutMs: number,
  ) {
    this.nextQuestion = index % questions.length;
    const token = mintClientToken(secret, { customerId: customerIdOf(index), branchId: index % 2 ? 'SZ01' : 'SH01' });
    this.socket = io(`${baseUrl}/client`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 2_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
      // Read at every (re)connect: history then replays only what this client missed.
      auth: (cb) => cb({ token, lastSeq: this.lastSeq }),
    });
    this.socket.on('history', (h: { state?: string; messages?: WireMessage[] }) => {
      if (typeof h?.state === 'string') this.ledger.setState(this.index, h.state);
      for (const m of Array.isArray(h?.messages) ? h.messages : []) this.received(m);
    });
    this.socket.on('message', (m: WireMessage) => this.received(m));
    // Handed to an advisor (`queued`, `human`, `after_hours`) or back to the bot.
    this.socket.on('state', (s: { state?: string }) => {
      if (typeof s?.state === 'string') this.ledger.setState(this.index, s.state);
    });
    this.socket.io.on('reconnect', () => (this.reconnects += 1));
    // Re-send what waits for an ack as soon as the socket is back.
    this.socket.on('connect', () => this.resendWaiting(0));
    // The manager gives up only when told to; a refused handshake (server restarting) retries too.
    this.socket.on('connect_error', () => {
      if (!this.stopped && !this.socket.active) setTimeout(() => !this.stopped && this.socket.connect(), 1_000);
    });
  }

  private received(m: WireMessage): void {
    if (!m || typeof m.seq !== 'number') return;
    if (m.seq > this.lastSeq) this.lastSeq = m.seq;
    if (m.from !== 'bot') return;
    this.ledger.botMessage(this.index, m.id, m.text, this.currentPhase(), performance.now());
  }

  /** Offers the client's next question (emitted now, or on reconnect when the socket is down). */
  ask(): void {
    const q = this.questions[this.nextQuestion]!;
    this.nextQuestion = (this.nextQuestion + 1) % this.questions.length;
    const clientMessageId = `c${this.index}-${(this.counter++).toString(36)}`;
    const m = this.ledger.sent(this.index, clientMessageId, q.faqId, this.currentPhase(), performance.now());
    this.textOf.set(m, q.text);
    this.emit(m);
  }

  private readonly textOf = new Map<ChaosMessage, string>();

  private emit(m: ChaosMessage): void {
    this.lastEmit.set(m, performance.now());
    if (!this.socket.connected) return; // re-sent on connect
    this.socket
      .timeout(this.ackTimeoutMs)
      .emit(
        'message',
        { clientMessageId: m.clientMessageId, text: this.textOf.get(m)! },
        (err: Error | null, ack?: { ok?: boolean; error?: string }) => {
          if (err) return; // no ack in time: the re-sender sends it again
          if (ack?.error && RETRIED.has(ack.error)) {
            // Refused for now (load shed, database down): the app sends the same id again a second later.
            this.ledger.refused(m, ack.error);
            this.lastEmit.set(m, performance.now() - this.ackTimeoutMs + BUSY_RETRY_MS);
            return;
          }
          if (ack?.ok) this.ledger.acked(m, performance.now(), true);
          else this.ledger.acked(m, performance.now(), false, ack?.error ?? 'no_ack_body');
          if (!this.ledger.needsAck(m)) {
            this.lastEmit.delete(m);
            this.textOf.delete(m);
          }
        },
      );
  }

  /** Re-sends (same clientMessageId) every message of this client whose ack is older than `afterMs`. */
  resendWaiting(afterMs = this.ackTimeoutMs): void {
    if (!this.socket.connected) return;
    const now = performance.now();
    for (const [m, at] of this.lastEmit) {
      if (!this.ledger.needsAck(m)) {
        this.lastEmit.delete(m);
        this.textOf.delete(m);
        continue;
      }
      if (now - at < afterMs) continue;
      this.ledger.resent(m);
      this.emit(m);
    }
  }

  close(): void {
    this.stopped = true;
    this.socket.disconnect();
  }
}
