import type { Socket } from 'socket.io-client';
import { connectAdvisor, connectClients, loginAdvisor, type HandoffViewLite, type WireMessage } from '../lib/sockets';
import { ESCALATION_TEXT, HANDOFF_NOTICES } from '../lib/questions';
import { roundSummary, summarize, type Summary } from '../stats';
import { sleep } from './throughput';

/**
 * K clients ask for a person ("我要转人工"); the demo advisors of both branches are online
 * (logged in, console connected) but do not accept. Measured from the client's send to:
 *  - the `offer` event on the advisor chosen by the router (the "advisor screen" target),
 *  - the first `queue:added` on any advisor of the branch (the waiting list),
 *  - the bot's "正在为您转接" notice on the client.
 * A client not offered within the timeout counts as never offered.
 */
export const DEMO_ADVISORS = [
  { username: 'wang.fang', branchId: 'SH01' },
  { username: 'li.qiang', branchId: 'SH01' },
  { username: 'zhang.min', branchId: 'SZ01' },
  { username: 'chen.jie', branchId: 'SZ01' },
];

export interface EscalationOptions {
  baseUrl: string;
  secret: string;
  clients: number;
  /** Escalations per second; 0 = all at once. */
  rate: number;
  timeoutMs: number;
  ackTimeoutMs: number;
  /** Give up connecting the clients after this long (the ones connected by then escalate). */
  connectDeadlineMs: number;
  customerId: (i: number) => string;
}

export interface EscalationResult {
  clients: number;
  connected: number;
  connectFailures: number;
  connectErrors: Record<string, number>;
  advisors: { username: string; branchId: string; online: boolean; error?: string }[];
  rate: number;
  sent: number;
  acked: number;
  rejected: Record<string, number>;
  ackTimeouts: number;
  offered: number;
  neverOffered: number;
  /** Offers seen for a conversation already offered (SLA re-offers or duplicates). */
  repeatOffers: number;
  offersPerAdvisor: Record<string, number>;
  queueAddedSeen: number;
  noticeSeen: number;
  sendToOfferMs: Summary;
  sendToQueueAddedMs: Summary;
  sendToNoticeMs: Summary;
  ackMs: Summary;
  waitMs: number;
  /** Filled in at the end of the run: offers of these chats seen while later phases ran. */
  offersAfterMeasurement?: number;
  offersAfterMeasurementSameAdvisor?: number;
}

interface Track {
  sentAt: number;
  offeredTo?: string;
  offerAt?: number;
  queueAddedAt?: number;
  noticeAt?: number;
}

export class EscalationScenario {
  advisorSockets: Socket[] = [];
  clientSockets: Socket[] = [];
  /** Offers that arrive after the measurement (re-offers while later phases run)… */
  laterOffers = 0;
  /** …of which to the advisor who had the first offer (an SLA re-offer goes to someone else). */
  laterOffersSameAdvisor = 0;
  private measuring = true;

  async run(o: EscalationOptions): Promise<EscalationResult> {
    const track = new Map<string, Track>();
    const offersPerAdvisor: Record<string, number> = {};
    let repeatOffers = 0;

    // Advisors first, so that every escalation finds someone online in its branch.
    const advisors: EscalationResult['advisors'] = [];
    // In parallel: each login (bcrypt) and console connect is bounded by its own timeout.
    const signIn = async (a: (typeof DEMO_ADVISORS)[number]) => {
      try {
        const { token } = await loginAdvisor(o.baseUrl, a.username);
        const socket = await connectAdvisor(o.baseUrl, token);
        this.advisorSockets.push(socket);
        advisors.push({ ...a, online: true });
        socket.on('offer', (v: HandoffViewLite) => {
          const t = track.get(v?.conversationId);
          if (!t) return;
          if (!this.measuring) {
            this.laterOffers += 1;
            if (t.offeredTo === a.username) this.laterOffersSameAdvisor += 1;
            return;
          }
          if (t.offerAt !== undefined) {
            repeatOffers += 1;
            return;
          }
          t.offerAt = performance.now();
          t.offeredTo = a.username;
          offersPerAdvisor[a.username] = (offersPerAdvisor[a.username] ?? 0) + 1;
        });
        socket.on('queue:added', (v: HandoffViewLite) => {
          const t = track.get(v?.conversationId);
          if (t && t.queueAddedAt === undefined) t.queueAddedAt = performance.now();
        });
      } catch (err) {
        advisors.push({ ...a, online: false, error: (err as Error).message });
      }
    };
    await Promise.all(DEMO_ADVISORS.map(signIn));
    if (!advisors.some((a) => a.online)) throw new Error(`no advisor could log in: ${advisors.map((a) => a.error).join('; ')}`);

    const ids = Array.from({ length: o.clients }, (_, i) => ({
      customerId: o.customerId(i),
      branchId: i % 2 === 0 ? 'SH01' : 'SZ01',
    }));
    const connected = await connectClients(o.baseUrl, o.secret, ids, 25, o.connectDeadlineMs);
    this.clientSockets = connected.conns.map((c) => c.socket);
    for (const c of connected.conns) {
      c.socket.on('message', (m: WireMessage) => {
        const t = track.get(c.conversationId);
        if (t && t.noticeAt === undefined && m?.from === 'bot' && HANDOFF_NOTICES.includes(m.text as never))
          t.noticeAt = performance.now();
      });
    }

    let acked = 0;
    let ackTimeouts = 0;
    const rejected: Record<string, number> = {};
    const ackMs: number[] = [];
    const start = performance.now();
    const gap = o.rate > 0 ? 1000 / o.rate : 0;
    for (let i = 0; i < connected.conns.length; i++) {
      const c = connected.conns[i]!;
      const at = start + i * gap;
      const wait = at - performance.now();
      if (wait > 1) await sleep(wait);
      const sentAt = performance.now();
      track.set(c.conversationId, { sentAt });
      c.socket
        .timeout(o.ackTimeoutMs)
        .emit(
          'message',
          { clientMessageId: 'esc1', text: ESCALATION_TEXT },
          (err: Error | null, ack?: { ok?: boolean; error?: string }) => {
            if (err) ackTimeouts += 1;
            else if (!ack?.ok) rejected[ack?.error ?? 'no_ack_body'] = (rejected[ack?.error ?? 'no_ack_body'] ?? 0) + 1;
            else {
              acked += 1;
              ackMs.push(performance.now() - sentAt);
            }
          },
        );
    }
    // Wait until every escalation was offered, or the timeout after the last send.
    const waitStart = performance.now();
    const deadline = waitStart + o.timeoutMs;
    const allSeen = () => [...track.values()].every((t) => t.offerAt !== undefined && t.noticeAt !== undefined);
    while (!allSeen() && performance.now() < deadline) await sleep(25);
    const waitMs = performance.now() - waitStart;
    this.measuring = false;

    const tracks = [...track.values()];
    const lat = (pick: (t: Track) => number | undefined) =>
      roundSummary(summarize(tracks.filter((t) => pick(t) !== undefined).map((t) => pick(t)! - t.sentAt)));
    const offered = tracks.filter((t) => t.offerAt !== undefined).length;
    return {
      clients: o.clients,
      connected: connected.conns.length,
      connectFailures: connected.failures,
      connectErrors: connected.errors,
      advisors,
      rate: o.rate,
      sent: tracks.length,
      acked,
      rejected,
      ackTimeouts,
      offered,
      neverOffered: tracks.length - offered,
      repeatOffers,
      offersPerAdvisor,
      queueAddedSeen: tracks.filter((t) => t.queueAddedAt !== undefined).length,
      noticeSeen: tracks.filter((t) => t.noticeAt !== undefined).length,
      sendToOfferMs: lat((t) => t.offerAt),
      sendToQueueAddedMs: lat((t) => t.queueAddedAt),
      sendToNoticeMs: lat((t) => t.noticeAt),
      ackMs: roundSummary(summarize(ackMs)),
      waitMs,
    };
  }

  close(): void {
    for (const s of [...this.clientSockets, ...this.advisorSockets]) s.disconnect();
  }
}
