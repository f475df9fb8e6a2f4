import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { type Point, theilSen } from '../stats/theil-sen.ts';

/** Steps the --open streams are opened in, each measured (memory after GC, fan-out). */
export const CAPACITY_STEPS = 8;
/** Publishes whose fan-out is timed at each step. */
export const FANOUT_PUBLISHES = 3;
/**
 * A server keeps up at a step when every open stream reads every timed event, and 99 % of
 * them within this many ms of the publish. An event a client sees a second late is one a
 * user sees late; a stream that never reads it has lost it.
 */
export const KEEP_UP_P99_MS = 1_000;
/** How long a timed publish waits for its last stream before the rest count as missed. */
export const FANOUT_TIMEOUT_MS = 10_000;

const GiB = 1024 ** 3;

/** One step of the capacity probe: the streams open, the measured process's memory after GC, and the fan-out. */
export interface CapacityStep {
  open: number;
  /** ms the step took to open its streams. */
  openMs: number;
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** Chunks (events and comment lines) the held streams had read by this step's reading, all together. */
  chunks: number;
  /** Absent when the target has no publish. */
  /** Percentiles over every (publish, stream) latency timed; null when no stream read an event. */
  fanout?: { publishes: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null; missed: number };
}

export interface PerStream {
  bytes: number;
  ci95: [number, number];
}

export interface CapacityReport {
  /** Streams asked for (--open) and held at the end. */
  asked: number;
  held: number;
  steps: CapacityStep[];
  /** Memory per open stream: Sen's slope over the steps, with its 95 % interval; absent with fewer than three points. */
  perStream?: { heap: PerStream; rss: PerStream; external: PerStream };
  /**
   * Open streams one GiB of the measured process's RSS holds at the measured RSS per
   * stream (the memory a pod's limit counts), and at heap per stream; null when the
   * per-stream figure's interval is not above zero and within a factor of 1.5.
   */
  streamsPerGiB?: { rss: number | null; heap: number | null };
  /** The most open streams at a step where the server kept up (0: none). */
  keptUpTo: number;
  /** The first step where it did not, and how. */
  stoppedKeepingUp?: { open: number; reason: string };
  keepUpP99Ms: number;
  /**
   * The held-stream check's growth per chunk, taken off every step's heap and RSS before the
   * per-stream figures are fitted (present when that check failed: the streams grow as they live).
   */
  chunkGrowthTakenOff?: { bytesPerChunk: number };
  /** Why fan-out was not timed (the target has no publish). */
  fanoutSkipped?: string;
  durationMs: number;
}

/** What the probe measured, before the soak knows what each chunk costs (its held-stream check). */
export interface CapacityProbed {
  steps: CapacityStep[];
  durationMs: number;
  stoppedOpening?: { open: number; reason: string };
  fanoutSkipped?: string;
}

/** The stream counts to measure at, up to `n`: CAPACITY_STEPS even steps (fewer when n is small). */
export function capacitySteps(n: number): number[] {
  const k = Math.min(CAPACITY_STEPS, n);
  const steps: number[] = [];
  for (let i = 1; i <= k; i++) {
    const at = Math.round((n * i) / k);
    if (at > (steps.at(-1) ?? 0)) steps.push(at);
  }
  return steps;
}

/** The p-th percentile (0 to 100) of `sorted`, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** A step's fan-out, from every (publish, stream) latency it timed. */
export function fanoutSummary(latencies: readonly number[], missed: number, publishes: number): NonNullable<CapacityStep['fanout']> {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? r1(percentile(sorted, p)) : null);
  return { publishes, p50Ms: at(50), p99Ms: at(99), maxMs: at(100), missed };
}

/** Why the server did not keep up at `step`, or undefined when it did. */
export function notKeepingUp(step: CapacityStep): string | undefined {
  const f = step.fanout;
  if (!f) return undefined;
  if (f.missed > 0)
    return `${f.missed} of ${f.publishes * step.open} timed events never reached their stream within ${FANOUT_TIMEOUT_MS / 1000} s`;
  if (f.p99Ms === null) return 'no held stream read a timed event';
  if (f.p99Ms > KEEP_UP_P99_MS) return `fan-out p99 ${f.p99Ms} ms, above ${KEEP_UP_P99_MS} ms`;
  return undefined;
}

function perStream(points: readonly Point[]): PerStream | undefined {
  const fit = theilSen(points);
  return fit && { bytes: Math.round(fit.slope), ci95: [Math.round(fit.lower), Math.round(fit.upper)] };
}

/**
 * The capacity report from the steps (the first at zero streams, before any was opened):
 * memory per stream as Sen's slope of each figure against the streams open, the streams a
 * GiB holds at that rate, and where the server stopped keeping up.
 */
export function capacityReport(probed: CapacityProbed, asked: number, bytesPerChunk = 0): CapacityReport {
  const { steps, durationMs, stoppedOpening, fanoutSkipped } = probed;
  // What the held streams grew by for the chunks written to them so far (their keepalives
  // and the timed events) is theirs over time, not what a stream costs when it opens.
  const of = (y: (s: CapacityStep) => number) => steps.map((s) => ({ x: s.open, y: y(s) }));
  const heap = perStream(of((s) => s.heapUsed - bytesPerChunk * s.chunks));
  const rss = perStream(of((s) => s.rss - bytesPerChunk * s.chunks));
  const external = perStream(of((s) => s.external));
  // Projected only from a figure known within a factor of 1.5: ten streams' worth of heap is
  // lost in the noise of a GC, ten thousand are not.
  const perGiB = (p: PerStream | undefined) => (p && p.ci95[0] > 0 && p.ci95[1] <= 1.5 * p.ci95[0] ? Math.floor(GiB / p.bytes) : null);
  let keptUpTo = 0;
  let stoppedKeepingUp: CapacityReport['stoppedKeepingUp'];
  for (const step of steps) {
    if (step.open === 0) continue;
    const why = notKeepingUp(step);
    if (why) {
      stoppedKeepingUp = { open: step.open, reason: why };
      break;
    }
    keptUpTo = step.open;
  }
  stoppedKeepingUp ??= stoppedOpening;
  return {
    asked,
    held: steps.at(-1)?.open ?? 0,
    steps: [...steps],
    ...(heap && rss && external ? { perStream: { heap, rss, external }, streamsPerGiB: { rss: perGiB(rss), heap: perGiB(heap) } } : {}),
    keptUpTo: fanoutSkipped ? 0 : keptUpTo,
    ...(stoppedKeepingUp ? { stoppedKeepingUp } : {}),
    keepUpP99Ms: KEEP_UP_P99_MS,
    ...(bytesPerChunk > 0 ? { chunkGrowthTakenOff: { bytesPerChunk } } : {}),
    ...(fanoutSkipped ? { fanoutSkipped } : {}),
    durationMs: Math.round(durationMs),
  };
}

/**
 * The soft limit on open files of process `pid` (this one by default): from /proc on Linux,
 * else from the shell's `ulimit -Sn` (this process's only). Infinity when unlimited,
 * undefined when it cannot be read.
 */
export function openFileLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const m = line && /^Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (m) {
      const n = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
      return { soft: n(m[1]!), hard: n(m[2]!) };
    }
  } catch {
    // No /proc: below.
  }
  if (pid !== 'self' && pid !== process.pid) return undefined;
  const read = (flag: string) => {
    const out = spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).stdout?.trim();
    return out === 'unlimited' ? Number.POSITIVE_INFINITY : out ? Number(out) : Number.NaN;
  };
  const soft = read('-Sn');
  const hard = read('-Hn');
  return Number.isFinite(soft) || soft === Number.POSITIVE_INFINITY ? { soft, hard: Number.isNaN(hard) ? soft : hard } : undefined;
}

/** File descriptors a process holds besides its streams' sockets: its listener, its modules, the churn. */
export const FD_HEADROOM = 256;

/**
 * What is wrong with holding `streams` streams in a process whose limit is `limit`, needing
 * `extra` more descriptors besides, in one line; undefined when it fits or the limit is unknown.
 */
export function fdShortfall(
  streams: number,
  extra: number,
  limit: { soft: number; hard: number } | undefined,
  whose: string,
): string | undefined {
  if (!limit) return undefined;
  const need = streams + extra + FD_HEADROOM;
  if (need <= limit.soft) return undefined;
  const raise =
    need <= limit.hard
      ? `raise it in the shell that runs sse-soak (ulimit -n ${need})`
      : `raise the hard limit too (it is ${limit.hard}: /etc/security/limits.conf, or LimitNOFILE= for a systemd unit, or docker run --ulimit nofile=${need})`;
  return `--open ${streams} needs about ${need} file descriptors in ${whose}, and its limit is ${limit.soft}: ${raise}, or open fewer streams`;
}

const count = (n: number) => n.toLocaleString('en-US');
const bytes = (n: number) => (Math.abs(n) >= 10_240 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);

/** The capacity report in a few lines for the terminal (the numbers are the report's). */
export function describeCapacity(c: CapacityReport): string[] {
  const lines: string[] = [];
  const heldLine = c.held < c.asked ? `${count(c.held)} of ${count(c.asked)} streams held` : `${count(c.held)} streams held`;
  if (c.perStream) {
    const { heap, rss } = c.perStream;
    const perGiB = c.streamsPerGiB?.rss;
    lines.push(
      `capacity: ${heldLine}; per stream ${bytes(heap.bytes)} heap (${bytes(heap.ci95[0])} to ${bytes(heap.ci95[1])}), ${bytes(rss.bytes)} RSS (${bytes(rss.ci95[0])} to ${bytes(rss.ci95[1])}): ${
        perGiB === null || perGiB === undefined
          ? 'too uncertain at this many streams to project streams per GiB (a capacity run opens thousands: --open 5000 --no-churn)'
          : `about ${count(perGiB)} streams per GiB of RSS`
      }`,
    );
  } else lines.push(`capacity: ${heldLine}; too few steps to measure memory per stream`);
  if (c.chunkGrowthTakenOff)
    lines.push(
      `  that is per stream as it opens: each also grows by ${c.chunkGrowthTakenOff.bytesPerChunk} B for every chunk written to it while it stays open (held-stream growth, taken off the figures above)`,
    );
  const last = c.steps.at(-1);
  if (c.fanoutSkipped) lines.push(`  fan-out not timed: ${c.fanoutSkipped}`);
  else if (last?.fanout) {
    const f = last.fanout;
    lines.push(
      `  fan-out at ${count(last.open)} streams: p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms${f.missed ? `, ${count(f.missed)} missed` : ''}; ${
        c.stoppedKeepingUp
          ? `kept up to ${count(c.keptUpTo)} streams, not at ${count(c.stoppedKeepingUp.open)}: ${c.stoppedKeepingUp.reason}`
          : 'kept up at every step'
      }`,
    );
  } else if (c.stoppedKeepingUp) lines.push(`  stopped at ${count(c.stoppedKeepingUp.open)}: ${c.stoppedKeepingUp.reason}`);
  return lines;
}
