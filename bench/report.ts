import type { BenchResults, ServerPhase } from './run';
import { READS_TARGET_P99_MS, type ReadKindResult } from './scenarios/reads';
import type { Summary } from './stats';

/** The plain-text report printed at the end of `npm run bench`. */

function table(head: string[], rows: (string | number)[][], leftCols = 1): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map(
      (r) =>
        '  ' +
        r
          .map((c, i) => (i < leftCols ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

const f0 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Math.round(v).toString());
const f1 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(1));
const f2 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));
const sumObj = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

/** A histogram percentile bound: "–" without observations, ">5000" past the last bucket. */
function bound(h: ServerPhase['reply'] | undefined, key: 'p50Ms' | 'p99Ms'): string {
  if (!h || h.count <= 0) return '–';
  const v = h[key];
  return v === null ? `>${f0(h.lastBucketMs)}` : f1(v);
}

function latencyRow(label: string, s: Summary | undefined): (string | number)[] {
  if (!s) return [label, '–', '–', '–', '–', '–', 0];
  return [label, f1(s.p50), f1(s.p95), f1(s.p99), f1(s.max), f1(s.mean), s.count];
}

function dataLine(r: BenchResults): string {
  const d = r.data;
  if (!d) return 'not grown (BENCH_SEED_MESSAGES=0): the scenarios ran on the database as the app seeds it';
  const n = (v: number) => v.toLocaleString('en');
  return (
    `grown to ${n(d.messages)} messages in ${n(d.conversations)} conversations (+ ${n(d.customers)} customers, ${n(d.handoffs)} handoffs, ${n(d.transitions)} transitions` +
    `${d.refused ? `, ${n(d.refused)} REFUSED` : ''}; ${d.from.slice(0, 10)} → ${d.to.slice(0, 10)}) in ${d.seconds.toFixed(0)} s = ` +
    `${n(Math.round(d.docsPerSec))} docs/s (${n(Math.round(d.messagesPerSec))} messages/s)` +
    (d.vacuumSeconds !== null ? `, then VACUUM (ANALYZE) ${d.vacuumSeconds.toFixed(0)} s` : '')
  );
}

/** A row of the reads table; a request never answered shows as "> timeout + drain" in p99 and max. */
function readRow(label: string, k: ReadKindResult | Summary, neverAnsweredMs?: number): (string | number)[] {
  const s = 'ms' in k ? k.ms : k;
  const kind = 'ms' in k ? k : null;
  const errors = kind ? Object.values(kind.errors).reduce((a, b) => a + b, 0) : '';
  const never = kind?.timedOutAnswerMs === null ? `>${f0(neverAnsweredMs)}` : null;
  const ok = s.p99 !== null && s.p99 <= READS_TARGET_P99_MS && !errors && !kind?.wrong && kind?.stoppedBy !== 'timeout';
  const met = s.p99 === null && !never ? '?' : ok ? 'met' : 'MISS';
  return [
    label,
    f1(s.p50),
    f1(s.p95),
    never ?? f1(s.p99),
    never ?? f1(s.max),
    f1(s.mean),
    s.count,
    errors,
    kind ? kind.wrong : '',
    met,
  ];
}

/** The reads on grown data, against their target. */
function readsSection(r: BenchResults): string[] {
  const reads = r.scenarios.reads;
  if (!reads) return [];
  if ('error' in reads) return [`Reads on grown data: ${reads.error}`, ''];
  const out = [
    `Reads on grown data (ms, client-observed, one at a time on an idle app, random seeded conversations; target p99 ≤ ${READS_TARGET_P99_MS})`,
  ];
  const never = (reads.timeoutSeconds + reads.drainSeconds) * 1000;
  const rows = [
    readRow('history replay on reconnect', reads.history, never),
    readRow('open a transcript', reads.open, never),
    readRow('会话记录 search page', reads.search, never),
    ...Object.entries(reads.searchByFilter).map(([f, s]) => readRow(`  search: ${f}`, s)),
  ];
  out.push(table(['', 'p50', 'p95', 'p99', 'max', 'mean', 'n', 'errors', 'wrong', 'target'], rows));
  for (const k of [reads.history, reads.open, reads.search]) {
    const odd: string[] = [];
    if (k.stoppedBy === 'time')
      odd.push(`stopped by the ${reads.budgetSeconds} s budget after ${k.attempted} of ${reads.samplesWanted}`);
    if (k.stoppedBy === 'timeout')
      odd.push(
        `STOPPED after ${k.attempted} of ${reads.samplesWanted}: a request had no answer within ${reads.timeoutSeconds} s` +
          (k.timedOutAnswerMs
            ? ` (it came after ${(k.timedOutAnswerMs / 1000).toFixed(1)} s, counted as a sample)`
            : ` (nor ${reads.drainSeconds} s later)`),
      );
    if (Object.keys(k.errors).length) odd.push(`errors: ${JSON.stringify(k.errors)}`);
    if (k.wrong) odd.push(`wrong answers, e.g. ${k.wrongSamples.join('; ')}`);
    if (odd.length) out.push(`  ${k.name}: ${odd.join('; ')}`);
  }
  out.push('');
  return out;
}

export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  const { machine, params, target } = r;
  out.push(`BrokerBot benchmark  ${r.startedAt}  (${r.durationSeconds.toFixed(0)} s)`);
  out.push(`  target   ${target.description}`);
  out.push(
    `  code     ${r.code.commit ?? 'unknown commit'}${r.code.dirtyFiles.length ? ` + ${r.code.dirtyFiles.length} uncommitted file(s) in the working tree` : ' (clean)'}`,
  );
  out.push(
    `  machine  ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load avg ${machine.loadavgStart.map((l) => l.toFixed(2)).join('/')} before → ${machine.loadavgEnd.map((l) => l.toFixed(2)).join('/')} after`,
  );
  out.push(
    `  params   clients=${params.clients} baseline=1×${params.baselineSeconds}s closed=${params.closedSeconds}s open=${params.rate}/s×${params.seconds}s escalations=${params.escalationClients}@${params.escalationRate || 'burst'}/s reply-timeout=${params.replyTimeoutMs / 1000}s reads=${params.readsSamples}/kind≤${params.readsSeconds}s order=${params.scenarios.join('→')}`,
  );
  out.push(`  data     ${dataLine(r)}`);
  if (r.connect) {
    out.push(
      `  connect  ${r.connect.connected}/${r.connect.requested} clients in ${(r.connect.wallMs / 1000).toFixed(1)} s (connect→history p50 ${f1(r.connect.setupMs.p50)} / p99 ${f1(r.connect.setupMs.p99)} ms)${r.connect.failures ? `, ${r.connect.failures} FAILED: ${JSON.stringify(r.connect.errors)}` : ''}`,
    );
  }
  out.push('');

  const tp = params.scenarios.flatMap((name) =>
    (name === 'baseline' || name === 'closed' || name === 'open') && r.scenarios[name] ? [r.scenarios[name]!] : [],
  );
  if (tp.length) {
    out.push('Throughput (msgs/s over the send window; answered = bot reply received by the client)');
    out.push(
      table(
        [
          'phase',
          'offered/s',
          'acked/s',
          'answered/s',
          'sent',
          'acked',
          'answered',
          'lost(>10s)',
          'late',
          'rejected',
          'ack-timeout',
          'disconnects',
        ],
        tp.map((t) => [
          t.mode === 'closed' ? `${t.name} closed loop, ${t.clients} cl.` : `open loop @${t.targetRate}/s, ${t.clients} cl.`,
          f1(t.offeredPerSec),
          f1(t.ackedPerSec),
          f1(t.answeredPerSec),
          t.sent,
          t.acked,
          t.answered,
          t.lost,
          t.late,
          sumObj(t.rejected),
          t.ackTimeouts,
          sumObj(t.disconnects),
        ]),
      ),
    );
    out.push('');
  }

  for (const t of tp) {
    const odd: string[] = [];
    if (t.unexpected)
      odd.push(`${t.unexpected} bot messages matched no pending question (e.g. ${JSON.stringify(t.unexpectedSamples[0] ?? '')})`);
    if (t.duplicates) odd.push(`${t.duplicates} acks said duplicate`);
    if (sumObj(t.rejected)) odd.push(`rejected: ${JSON.stringify(t.rejected)}`);
    if (sumObj(t.disconnects)) odd.push(`disconnects: ${JSON.stringify(t.disconnects)}`);
    if (odd.length) out.push(`  ${t.name}: ${odd.join('; ')}`);
  }
  if (tp.some((t) => t.unexpected || t.duplicates || sumObj(t.rejected) || sumObj(t.disconnects))) out.push('');

  out.push('Latency (ms, client-observed)');
  const rows: (string | number)[][] = [];
  for (const t of tp) {
    rows.push(latencyRow(`${t.name.padEnd(8)} send → ack`, t.ackMs));
    rows.push(latencyRow(`${t.name.padEnd(8)} send → bot reply`, t.replyMs));
  }
  const e = r.scenarios.escalation;
  if (e && 'sendToOfferMs' in e) {
    rows.push(latencyRow('escalation → advisor offer', e.sendToOfferMs));
    rows.push(latencyRow('escalation → queue:added', e.sendToQueueAddedMs));
    rows.push(latencyRow('escalation → client notice', e.sendToNoticeMs));
  }
  out.push(table(['', 'p50', 'p95', 'p99', 'max', 'mean', 'n'], rows));
  if (e && 'sendToOfferMs' in e) {
    const per =
      Object.entries(e.offersPerAdvisor)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none';
    out.push(
      `  escalation: ${e.sent} sent (${e.connected}/${e.clients} connected), ${e.offered} offered, ${e.neverOffered} NEVER offered within ${params.replyTimeoutMs / 1000}s; offers per advisor: ${per}; repeat offers ${e.repeatOffers}`,
    );
  } else if (e && 'error' in e) out.push(`  escalation: FAILED — ${e.error}`);
  out.push('');

  out.push(...readsSection(r));

  out.push('Server view (app /metrics, difference over each phase; histogram bucket bounds, so "≤")');
  out.push(
    table(
      [
        'phase',
        'msgs in',
        'db cmds',
        'db cmds/msg',
        'reply p50≤',
        'reply p99≤',
        'reply mean',
        'bot-turn p50≤',
        'bot-turn p99≤',
        'bot-turn mean',
        'offer p99≤',
        'loop-lag p99',
        'loop-lag max',
        'inbound queue after',
      ],
      r.phases.map((p) => [
        p.name,
        f0(p.server?.messagesIn),
        f0(p.server?.dbCommands),
        p.server?.dbCommands != null && p.server.messagesIn ? f1(p.server.dbCommands / p.server.messagesIn) : '–',
        bound(p.server?.reply, 'p50Ms'),
        bound(p.server?.reply, 'p99Ms'),
        f1(p.server?.reply.meanMs),
        bound(p.server?.botTurn, 'p50Ms'),
        bound(p.server?.botTurn, 'p99Ms'),
        f1(p.server?.botTurn.meanMs),
        bound(p.server?.offer, 'p99Ms'),
        f1(p.server?.eventLoopLagP99Ms),
        f1(p.server?.eventLoopLagMaxMs),
        f0(p.server?.inboundQueueDepth),
      ]),
    ),
  );
  for (const p of r.phases)
    if (p.server?.messagesIn && p.server.dbCommandsTop.length)
      out.push(
        `  ${p.name}: busiest database commands ${p.server.dbCommandsTop.map((c) => `${c.command} ${c.collection} ${f1(c.count / p.server!.messagesIn!)}/msg`).join(', ')}`,
      );
  for (const p of r.phases)
    if (p.server?.messagesIn && p.server.dbTimeTop?.length)
      out.push(
        `  ${p.name}: database time (round trip on the connection, mean) ${p.server.dbTimeTop.map((c) => `${c.command} ${c.collection} ${f1(c.meanMs)} ms × ${f1(c.count / p.server!.messagesIn!)}/msg`).join(', ')}; waiting for a connection of the pool: mean ${f1(p.server.dbPoolWaitMeanMs)} ms`,
      );
  out.push('');

  out.push('CPU (cores busy on average; 2 CPUs = 2.00) and app memory per phase');
  out.push(
    table(
      ['phase', 'seconds', 'app', 'FerretDB', 'bench', 'other procs', 'machine', 'app RSS peak MB'],
      r.phases.map((p) => [
        p.name,
        f1(p.usage.seconds),
        f2(p.usage.appCores),
        f2(p.usage.dbCores),
        f2(p.usage.benchCores),
        f2(p.usage.otherCores),
        f2(p.usage.machineBusyCores),
        f1(p.usage.appRssPeakMb),
      ]),
    ),
  );
  if (r.rss.app) {
    out.push(
      `  app RSS (VmRSS every 250 ms, ${r.rss.app.samples} samples): start ${r.rss.app.startMb.toFixed(1)} MB, peak ${r.rss.app.peakMb.toFixed(1)} MB, end ${r.rss.app.endMb.toFixed(1)} MB` +
        (r.rss.db
          ? `; FerretDB: start ${r.rss.db.startMb.toFixed(1)}, peak ${r.rss.db.peakMb.toFixed(1)}, end ${r.rss.db.endMb.toFixed(1)} MB`
          : ''),
    );
  } else out.push(`  app RSS: not measured (${r.rss.note})`);
  if (r.appLog) {
    out.push(
      `  app log: ${r.appLog.warn} warn, ${r.appLog.error} error, ${r.appLog.fatal} fatal lines${r.appLog.keptAs ? ` (copy: ${r.appLog.keptAs})` : ''}`,
    );
    for (const t of r.appLog.top.slice(0, 5)) out.push(`    ${t.count}× ${t.level}: ${t.msg.slice(0, 200)}`);
  }
  out.push('');

  out.push('Targets (for later work)');
  for (const t of r.targets) out.push(`  ${t.met === null ? '  ?  ' : t.met ? ' met ' : ' MISS'}  ${t.name}: ${t.observed}`);
  for (const n of r.notes) out.push(`  note: ${n}`);
  return out.join('\n');
}
