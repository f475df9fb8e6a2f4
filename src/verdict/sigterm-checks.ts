import { type ActiveTimer, groupBySite } from '../meters/timer-meter.ts';
import type { Check } from '../report/report.ts';

/** How the sigterm child ended, as the parent saw it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The harness killed it after the grace period. */
  killed: boolean;
  /** From SIGTERM to exit. */
  exitMs: number;
  graceMs: number;
  /** The last line of its stderr. */
  stderrTail?: string;
  /**
   * The signal the process raised against itself from its own handler, that handler removed,
   * to end once its shutdown was done (NestJS's shutdown hooks do): its agent recorded it.
   */
  reraised?: string;
}

/** The child's readings after its shutdown, when they came. */
export interface ShutdownReadings {
  timers: readonly ActiveTimer[];
  activeResources: readonly string[];
}

/**
 * Whether the process left by itself after SIGTERM, in time and with code 0. When it had
 * to be killed, what kept it alive: every ref'd timer of the target holds the loop open,
 * whether or not it predates the baseline.
 */
export function exitCheck(exit: ChildExit, readings: ShutdownReadings | undefined): Check {
  const details = { exitMs: exit.exitMs };
  if (!exit.killed && exit.code === 0) return { meter: 'exit', verdict: 'pass', details };
  // Ended by its own signal after its shutdown: the exit it chose (a launcher in front of it
  // may report its own code instead).
  if (!exit.killed && exit.reraised && (exit.signal === exit.reraised || exit.signal === null))
    return { meter: 'exit', verdict: 'pass', details: { ...details, reraised: exit.reraised } };
  if (!exit.killed) {
    const how = exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`;
    return {
      meter: 'exit',
      verdict: 'fail',
      reason: `the process exited with ${how} after SIGTERM${exit.stderrTail ? `: ${exit.stderrTail}` : ''}`,
      details,
    };
  }
  const sites = groupBySite((readings?.timers ?? []).filter((t) => t.refed)).map(({ repeat, ...group }) => ({
    ...group,
    kind: repeat ? 'setInterval' : 'setTimeout',
  }));
  const keptBy = sites.length
    ? sites.map((s) => `${s.count} × ${s.kind} at ${s.site}`).join(', ')
    : readings
      ? `active resources: ${countedNames(readings.activeResources)}${readings.activeResources.includes('TCPSocketWrap') ? ' (a TCPSocketWrap is an open connection: a stream nobody ended holds one)' : ''}`
      : 'unknown (the process never finished its shutdown)';
  return {
    meter: 'exit',
    verdict: 'fail',
    reason: `did not exit within ${exit.graceMs} ms of SIGTERM and was killed; kept alive by ${keptBy}`,
    ...(sites.length ? { sites } : {}),
    details: { ...details, ...(readings ? { activeResources: readings.activeResources } : {}) },
  };
}

/** The held streams at SIGTERM, and how each ended. */
export interface HeldStreams {
  held: number;
  /** Ended by the server (a clean end of the response). */
  clean: number;
  /** The connection closed under them (the process cut them or died). */
  cut: number;
  /** Still open when the process had to be killed. */
  openAtKill: number;
  /** Streams the harness's shutdown had to cut because the target's close() left them open; undefined when it never got that far. */
  cutByHarness?: number;
  hasClose?: boolean;
}

/**
 * Every held stream must end at SIGTERM by the target's doing: its close() (or its own
 * SIGTERM handler) ends them. Streams the harness had to cut after the drain, or that were
 * still open when the process was killed, fail the check with their count.
 */
export function streamsEndedCheck(s: HeldStreams): Check {
  const base = {
    meter: 'streams-ended',
    baseline: s.held,
    details: { clean: s.clean, cut: s.cut, open: s.openAtKill, cutByHarness: s.cutByHarness ?? null },
  };
  if (s.openAtKill > 0) {
    return {
      ...base,
      verdict: 'fail',
      final: s.held - s.openAtKill,
      leaked: s.openAtKill,
      reason: `${s.openAtKill} of ${s.held} streams were still open when the process was killed`,
    };
  }
  if (s.cutByHarness && s.cutByHarness > 0) {
    const why = s.hasClose === false ? 'the target has no close()' : 'close() left them open';
    return {
      ...base,
      verdict: 'fail',
      final: s.held - s.cutByHarness,
      leaked: s.cutByHarness,
      reason: `${s.cutByHarness} of ${s.held} streams had to be cut by the harness: ${why}`,
    };
  }
  return { ...base, verdict: 'pass', final: s.held };
}

/** `20 × TCPSocketWrap, 2 × PipeWrap`, most first. */
function countedNames(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([n, c]) => `${c} × ${n}`)
    .join(', ');
}
