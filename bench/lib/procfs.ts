import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Process and machine counters from /proc (Linux): resident memory (VmRSS) and CPU time of
 * the processes under test, and the whole machine's busy time, so that a run on a shared
 * machine shows how much of the CPU went to something else.
 */
const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

export function readRssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // gone
  }
}

/** utime + stime of a process, in seconds. */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Machine-wide busy and total CPU time (all cores), in seconds. */
export function readMachineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
  } catch {
    return null;
  }
}

export interface Snapshot {
  /** ms since the sampler started */
  t: number;
  phase: string;
  appRssKb: number | null;
  dbRssKb: number | null;
  appCpuS: number | null;
  dbCpuS: number | null;
  benchCpuS: number;
  machine: { busy: number; total: number } | null;
}

export interface PhaseUsage {
  seconds: number;
  /** CPU used, in cores (1.0 = one core busy the whole phase). */
  appCores: number | null;
  dbCores: number | null;
  benchCores: number;
  machineBusyCores: number | null;
  /** What the machine did besides the app, its database and this load generator. */
  otherCores: number | null;
  appRssPeakMb: number | null;
}

/**
 * Samples every `everyMs` (250 ms) and on demand at phase boundaries. All reads are bounded
 * (one file each); the timer is unref'd and stopped by stop().
 */
export class ProcSampler {
  readonly samples: Snapshot[] = [];
  private readonly start = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private phase = 'idle';

  constructor(
    readonly appPid: number | null,
    readonly dbPid: number | null,
    private readonly everyMs = 250,
  ) {}

  snapshot(): Snapshot {
    const cpu = process.cpuUsage();
    return {
      t: Date.now() - this.start,
      phase: this.phase,
      appRssKb: this.appPid ? readRssKb(this.appPid) : null,
      dbRssKb: this.dbPid ? readRssKb(this.dbPid) : null,
      appCpuS: this.appPid ? readCpuSeconds(this.appPid) : null,
      dbCpuS: this.dbPid ? readCpuSeconds(this.dbPid) : null,
      benchCpuS: (cpu.user + cpu.system) / 1e6,
      machine: readMachineCpu(),
    };
  }

  begin(): void {
    this.samples.push(this.snapshot());
    this.timer = setInterval(() => this.samples.push(this.snapshot()), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.samples.push(this.snapshot());
  }

  /** Marks the start of a phase; returns a function that ends it and reports its CPU use. */
  mark(phase: string): () => PhaseUsage {
    this.phase = phase;
    const a = this.snapshot();
    this.samples.push(a);
    return () => {
      const b = this.snapshot();
      this.samples.push(b);
      this.phase = 'idle';
      const secs = Math.max(0.001, (b.t - a.t) / 1000);
      const d = (x: number | null, y: number | null) => (x === null || y === null ? null : (y - x) / secs);
      const appCores = d(a.appCpuS, b.appCpuS);
      const dbCores = d(a.dbCpuS, b.dbCpuS);
      const benchCores = (b.benchCpuS - a.benchCpuS) / secs;
      const machineBusyCores = a.machine && b.machine ? d(a.machine.busy, b.machine.busy) : null;
      const rss = this.samples.filter((s) => s.t >= a.t && s.t <= b.t && s.appRssKb !== null).map((s) => s.appRssKb!);
      return {
        seconds: secs,
        appCores,
        dbCores,
        benchCores,
        machineBusyCores,
        otherCores:
          machineBusyCores === null ? null : Math.max(0, machineBusyCores - (appCores ?? 0) - (dbCores ?? 0) - benchCores),
        appRssPeakMb: rss.length ? Math.max(...rss) / 1024 : null,
      };
    };
  }

  /** start / peak / end VmRSS of the app (MB), null when not measured. */
  rssSummary(which: 'app' | 'db'): { startMb: number; peakMb: number; endMb: number; samples: number } | null {
    const values = this.samples.map((s) => (which === 'app' ? s.appRssKb : s.dbRssKb)).filter((v): v is number => v !== null);
    if (values.length === 0) return null;
    let peak = 0;
    for (const v of values) peak = Math.max(peak, v);
    return { startMb: values[0]! / 1024, peakMb: peak / 1024, endMb: values[values.length - 1]! / 1024, samples: values.length };
  }
}
