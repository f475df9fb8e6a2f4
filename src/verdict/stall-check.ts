import type { Check } from '../report/report.ts';
import { type Point, slopeOverControl, theilSen } from '../stats/theil-sen.ts';

/** What stalled-reader's probe found, before it is judged. */
export type StallOutcome =
  | {
      /** The server closed every stalled stream by itself: it handled them. */
      kind: 'closed';
      streams: number;
      /** From the moment the clients stopped reading to the first look that found them closed. */
      closedWithinMs: number;
      /** Events published to them by then. */
      events: number;
      bytesPerEvent: number;
    }
  | {
      /** The stalled streams backed up (the server's writes to them wait in the process) and stayed open. */
      kind: 'backed-up';
      streams: number;
      /** Memory (heap after GC, plus array buffers) against events published since they backed up. */
      points: readonly Point[];
      /** The same with the stalled streams gone: what the server keeps per event anyway. */
      control: readonly Point[];
      bytesPerEvent: number;
      /** Events and time it took for their writes to back up. */
      fillEvents: number;
      fillMs: number;
      /** Stalled streams the server closed during the measurement (some, not all). */
      closedDuring: number;
    }
  | {
      /** The stalled streams never backed up within the fill's time: nothing was measured. */
      kind: 'never-backed-up';
      streams: number;
      events: number;
      ms: number;
      bytesPerEvent: number;
    };

/**
 * The smallest limit, in bytes per event per stalled stream: below it, the noise of a heap
 * sample after GC over a window of events would decide.
 */
export const MIN_STALL_LIMIT = 16;

/** Bytes a server may keep per event for each stalled stream: half the event's size on the wire. */
export function stallLimit(bytesPerEvent: number): number {
  return Math.max(MIN_STALL_LIMIT, Math.round(bytesPerEvent / 2));
}

const round = (v: number) => Math.round(v * 10) / 10;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * A server that respects backpressure holds a bounded amount for a client that stopped
 * reading: it drops or coalesces that client's events, or closes its stream. One that does
 * not holds every event it writes, until TCP gives up. The check fails when the memory held
 * per stalled stream grows with the events published, by at least half of each event's size
 * (Sen's 95 % interval wholly above that), once the kernel's buffers to those clients are
 * full; what the server keeps per event with no stalled stream (the control) is taken off
 * first, so that a per-event log or cache is not blamed on the stalled streams.
 */
export function stallCheck(outcome: StallOutcome): Check {
  const limit = stallLimit(outcome.bytesPerEvent);
  if (outcome.kind === 'closed') {
    return {
      meter: 'stall',
      verdict: 'pass',
      limit,
      details: { ...outcome },
    };
  }
  if (outcome.kind === 'never-backed-up') {
    return {
      meter: 'stall',
      verdict: 'error',
      limit,
      details: { ...outcome },
      reason: `could not measure: the ${outcome.streams} stalled streams never backed up: after ${outcome.events} events (${mb(outcome.events * outcome.bytesPerEvent)} to each) in ${Math.round(outcome.ms / 1000)} s, the kernel still took every write to them; raise stallMaxFillMs`,
    };
  }
  const growth = slopeOverControl(outcome.points, outcome.control, outcome.streams);
  const control = theilSen(outcome.control);
  if (!growth || !control) {
    return {
      meter: 'stall',
      verdict: 'error',
      limit,
      reason: `could not measure: ${outcome.points.length} memory samples with the streams stalled and ${outcome.control.length} without; a slope needs at least 3 of each`,
    };
  }
  // Per stalled stream, less the control; the interval is widened by the control's own.
  const { slope, lower, upper } = growth;
  const failed = lower > limit;
  return {
    meter: 'stall',
    verdict: failed ? 'fail' : 'pass',
    limit,
    ci95: [round(lower), round(upper)],
    samples: outcome.points.length,
    details: {
      kind: outcome.kind,
      bytesPerEventPerStream: round(slope),
      streams: outcome.streams,
      bytesPerEvent: round(outcome.bytesPerEvent),
      fillEvents: outcome.fillEvents,
      fillMs: Math.round(outcome.fillMs),
      controlBytesPerEvent: round(control.slope),
      closedDuring: outcome.closedDuring,
      points: outcome.points.map((p) => [p.x, p.y]),
      control: outcome.control.map((p) => [p.x, p.y]),
    },
    ...(failed
      ? {
          reason: `a stalled reader's stream holds ${round(slope)} B more for every event published (95 % interval ${round(lower)} to ${round(upper)}), above ${limit} (half an event of ${round(outcome.bytesPerEvent)} B): the server queues every write for a client that stopped reading, ${mb(slope * 10_000)} per 10,000 events per stalled client`,
        }
      : {}),
  };
}

/** One line for a passing or failing stall check (the CLI's summary). */
export function describeStall(check: Check): string | undefined {
  const d = check.details as Record<string, number> | undefined;
  if (check.meter !== 'stall' || !d) return undefined;
  if (d.closedWithinMs !== undefined)
    return `the server closed the ${d.streams} stalled streams within ${(d.closedWithinMs / 1000).toFixed(1)} s after their clients stopped reading (${d.events.toLocaleString('en-US')} events published)`;
  if (d.bytesPerEventPerStream !== undefined)
    return `a stalled stream holds ${d.bytesPerEventPerStream} B per event once backed up (limit ${check.limit})`;
  return undefined;
}
