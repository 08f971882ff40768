import type { Socket } from 'socket.io-client';
import type { SeededConversation } from '../lib/grow-data';
import { connectAdvisor, loginAdvisor, replayHistory } from '../lib/sockets';
import { Unanswered, lateAnswer } from '../lib/unanswered';
import { roundSummary, summarize, type Summary } from '../stats';

/**
 * Reads on the grown database, one at a time while the app is otherwise idle, over the real
 * external APIs, each on a random seeded conversation:
 *  - history replay on reconnect: an app client connects to /client with { token, lastSeq }
 *    (it missed its conversation's last exchange); io() → `history`;
 *  - opening a transcript: the supervisor's `transcripts:open` → ack;
 *  - a 会话记录 search page: `transcripts:search` with the console's typical filters in turn
 *    (none, one branch, escalated only, a 7-day range, a keyword) → ack. The keywords are words
 *    the seeded clients said in a fraction of the conversations (爆仓, 投诉; 两融 + 爆仓 for two words).
 * Each kind stops after `samples` or `budgetMs`, whichever comes first; the first WARMUP
 * requests are not counted. Every answer is checked (right conversation, all its messages,
 * a non-empty page): a wrong one is counted, not timed. A request unanswered after `timeoutMs`
 * ends its kind (the next would only queue behind it, the app cannot cancel a query): the
 * scenario then waits up to `drainMs` for that answer, so that the next kind starts on an idle
 * app again, and records how long it took if it came.
 */
export const READS_TARGET_P99_MS = 50;
const WARMUP = 2;
const SUPERVISOR = 'zhao.lei';
const SEARCH_FILTERS = ['none', 'branch', 'escalated', 'date range', 'keyword'] as const;
const KEYWORDS = ['爆仓', '投诉', '两融 爆仓'];
type SearchFilter = (typeof SEARCH_FILTERS)[number];

export interface ReadKindResult {
  name: string;
  ms: Summary;
  attempted: number;
  errors: Record<string, number>;
  /** Answers that came back wrong (another conversation, messages missing, an empty page). */
  wrong: number;
  wrongSamples: string[];
  wallMs: number;
  stoppedBy: 'samples' | 'time' | 'timeout';
  /**
   * With stoppedBy 'timeout': the slow request's real duration when its answer came within the
   * drain time (it is then one of the samples), null when it never came (it is an error).
   */
  timedOutAnswerMs?: number | null;
}

export interface ReadsResult {
  /** Seeded conversations sampled from (app channel for the replay). */
  conversations: number;
  appConversations: number;
  samplesWanted: number;
  budgetSeconds: number;
  timeoutSeconds: number;
  drainSeconds: number;
  history: ReadKindResult;
  open: ReadKindResult;
  search: ReadKindResult;
  searchByFilter: Record<SearchFilter, Summary>;
}

export interface ReadsOptions {
  baseUrl: string;
  secret: string;
  seeded: SeededConversation[];
  /** Time span of the seeded messages (ms since epoch), for the date-range filter. */
  from: number;
  to: number;
  samples: number;
  budgetMs: number;
  timeoutMs: number;
  drainMs: number;
  random: () => number;
}

type Outcome = { ms: number; wrong?: string };

/** Runs `one(i)` for i = 0, 1, … within the kind's limits; `onTimed(i, ms)` sees each timed sample. */
async function measure(
  name: string,
  o: ReadsOptions,
  one: (i: number) => Promise<Outcome>,
  onTimed: (i: number, ms: number) => void = () => undefined,
): Promise<ReadKindResult> {
  const ms: number[] = [];
  const timed = (i: number, v: number) => {
    ms.push(v);
    onTimed(i, v);
  };
  const errors: Record<string, number> = {};
  const wrongSamples: string[] = [];
  let wrong = 0;
  let attempted = 0;
  const start = performance.now();
  let stoppedBy: ReadKindResult['stoppedBy'] = 'samples';
  let timedOutAnswerMs: number | null | undefined;
  for (let i = 0; attempted < o.samples; i++) {
    if (performance.now() - start > o.budgetMs) {
      stoppedBy = 'time';
      break;
    }
    const counted = i >= WARMUP;
    try {
      const r = await one(i);
      if (!counted) continue;
      if (r.wrong) {
        wrong += 1;
        if (wrongSamples.length < 3) wrongSamples.push(r.wrong);
      } else timed(i, r.ms);
    } catch (err) {
      if (err instanceof Unanswered) {
        // Counted even as a warm-up: on a large table the very first request may be the one.
        stoppedBy = 'timeout';
        console.log(
          `    no answer within ${o.timeoutMs / 1000} s: waiting up to ${o.drainMs / 1000} s for it, then the next kind`,
        );
        timedOutAnswerMs = await err.late;
        if (timedOutAnswerMs !== null) timed(i, timedOutAnswerMs);
        else errors[err.message] = (errors[err.message] ?? 0) + 1;
        if (!counted) attempted += 1;
        break;
      }
      if (counted) {
        const key = (err as Error).message || 'error';
        errors[key] = (errors[key] ?? 0) + 1;
      }
    } finally {
      if (counted) attempted += 1;
    }
  }
  return {
    name,
    ms: roundSummary(summarize(ms)),
    attempted,
    errors,
    wrong,
    wrongSamples,
    wallMs: performance.now() - start,
    stoppedBy,
    ...(timedOutAnswerMs !== undefined ? { timedOutAnswerMs } : {}),
  };
}

/** A console request and its ack; past `timeoutMs` it throws Unanswered, whose `late` still waits `drainMs` for the ack. */
function ask(socket: Socket, event: string, payload: object, o: ReadsOptions): Promise<{ ms: number; ack: any }> {
  const t0 = performance.now();
  let answered: (ms: number) => void = () => undefined;
  const answer = new Promise<number>((resolve) => (answered = resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Unanswered(event, lateAnswer(answer, o.drainMs))), o.timeoutMs);
    socket.emit(event, payload, (ack: any) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      answered(ms);
      if (!ack?.ok) reject(new Error(`${event}: ${ack?.error ?? 'no ack body'}`));
      else resolve({ ms, ack });
    });
  });
}

export async function runReads(o: ReadsOptions): Promise<ReadsResult> {
  const pick = <T>(list: T[]) => list[Math.floor(o.random() * list.length)]!;
  const app = o.seeded.filter((c) => c.channel === 'app' && c.customerId);
  if (app.length === 0) throw new Error('no seeded app conversation to reconnect to');

  console.log(`  reads: history replay on reconnect (${o.samples} samples or ${o.budgetMs / 1000} s)…`);
  const history = await measure('history replay on reconnect', o, async () => {
    const c = pick(app);
    const lastSeq = Math.max(1, c.lastSeq - 2);
    const r = await replayHistory(o.baseUrl, o.secret, { customerId: c.customerId!, branchId: c.branchId, lastSeq }, o);
    if (r.conversationId !== c.conversationId)
      return { ms: r.ms, wrong: `history of ${r.conversationId}, not ${c.conversationId}` };
    const seqs = r.messages.map((m) => m.seq).join(',');
    if (r.messages.length !== c.lastSeq - lastSeq || r.messages[0]?.seq !== lastSeq + 1)
      return { ms: r.ms, wrong: `after seq ${lastSeq} of ${c.lastSeq}: got seq [${seqs}]` };
    return { ms: r.ms };
  });

  const { token } = await loginAdvisor(o.baseUrl, SUPERVISOR);
  const supervisor = await connectAdvisor(o.baseUrl, token);
  try {
    console.log(`  reads: transcripts:open…`);
    const open = await measure('open a transcript', o, async () => {
      const c = pick(o.seeded);
      const { ms, ack } = await ask(supervisor, 'transcripts:open', { conversationId: c.conversationId }, o);
      const n = ack.transcript?.messages?.length;
      if (n !== c.lastSeq) return { ms, wrong: `${c.conversationId}: ${n} messages, expected ${c.lastSeq}` };
      if (c.escalated && ack.transcript.handoffs?.length !== 1) return { ms, wrong: `${c.conversationId}: handoff missing` };
      return { ms };
    });

    console.log(`  reads: transcripts:search (${SEARCH_FILTERS.join(', ')})…`);
    const byFilter: Record<SearchFilter, number[]> = { none: [], branch: [], escalated: [], 'date range': [], keyword: [] };
    const week = 7 * 24 * 3_600_000;
    const filterOf = (i: number) => SEARCH_FILTERS[i % SEARCH_FILTERS.length]!;
    const search = await measure(
      '会话记录 search page',
      o,
      async (i) => {
        const filter = filterOf(i);
        let query: Record<string, unknown> = {};
        if (filter === 'branch') query = { branchId: o.random() < 0.5 ? 'SH01' : 'SZ01' };
        else if (filter === 'escalated') query = { escalated: true };
        else if (filter === 'date range') {
          const from = o.from + o.random() * Math.max(0, o.to - o.from - week);
          query = { from: new Date(from).toISOString(), to: new Date(from + week).toISOString() };
        } else if (filter === 'keyword') query = { keyword: pick(KEYWORDS) };
        const { ms, ack } = await ask(supervisor, 'transcripts:search', query, o);
        if (!Array.isArray(ack.items) || ack.items.length === 0) return { ms, wrong: `empty page for ${JSON.stringify(query)}` };
        return { ms };
      },
      (i, ms) => byFilter[filterOf(i)].push(ms),
    );

    const searchByFilter = Object.fromEntries(SEARCH_FILTERS.map((f) => [f, roundSummary(summarize(byFilter[f]))])) as Record<
      SearchFilter,
      Summary
    >;
    return {
      conversations: o.seeded.length,
      appConversations: app.length,
      samplesWanted: o.samples,
      budgetSeconds: o.budgetMs / 1000,
      timeoutSeconds: o.timeoutMs / 1000,
      drainSeconds: o.drainMs / 1000,
      history,
      open,
      search,
      searchByFilter,
    };
  } finally {
    supervisor.disconnect();
  }
}
