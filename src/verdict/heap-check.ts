import type { Check } from '../report/report.ts';
import type { SequentialLook } from '../stats/sequential-slope.ts';
import { median, type Point, theilSen } from '../stats/theil-sen.ts';

export const MIN_HEAP_SAMPLES = 8;

/**
 * Heap growth per connection after forced GC, judged on two measurements that must agree:
 * - the Theil-Sen slope over the samples taken between waves, whose whole interval must lie
 *   above the limit (a noisy series widens the interval and passes). With `look`, the
 *   interval is the sequential test's at the look where the phase stopped
 *   (stats/sequential-slope.ts: 2.5 % per side however often it was looked at); without,
 *   Sen's 95 % interval;
 * - the growth that is still there once the scenario settled, from where the fitted line
 *   starts, divided by the connections.
 * Memory a target holds only while its sleeps or timeouts run out (hono's `stream.sleep`)
 * raises the slope during the run and is gone after the settle: that is not a leak.
 * DOMAIN.md: a fixed endpoint drifts +130 to +300 B per connection.
 */
export function heapCheck(points: readonly Point[], limitBytesPerConnection: number, settled?: Point, look?: SequentialLook): Check {
  if (points.length < MIN_HEAP_SAMPLES) {
    return {
      meter: 'heap',
      verdict: 'error',
      limit: limitBytesPerConnection,
      samples: points.length,
      reason: `could not measure: ${points.length} heap samples; a slope needs at least ${MIN_HEAP_SAMPLES} (raise --connections, or --skip-check heap)`,
    };
  }
  const ci95 = theilSen(points)!;
  const est = look?.estimate ?? ci95;
  const round = (v: number) => Math.round(v * 10) / 10;
  // From where the fitted line starts (Sen's intercept at the first sample), not from the
  // first sample itself: a baseline sample a transient raised by 300 KB, over a phase that
  // decided at 160 connections, read a 2.3 KiB leak as 0.4 KiB still held.
  const first = points[0]!;
  const start = senLevelAt(points, est.slope, first.x);
  const retained = settled && settled.x > first.x ? (settled.y - start) / (settled.x - first.x) : undefined;
  const slopeAbove = est.lower > limitBytesPerConnection;
  const failed = slopeAbove && (retained === undefined || retained > limitBytesPerConnection);
  const check: Check = {
    meter: 'heap',
    verdict: failed ? 'fail' : 'pass',
    bytesPerConnection: round(est.slope),
    ci95: [round(ci95.lower), round(ci95.upper)],
    limit: limitBytesPerConnection,
    samples: points.length,
    details: {
      ...(look
        ? {
            sequential: {
              decision: look.decision,
              interval: [round(est.lower), round(est.upper)],
              boundaryZ: Math.round(look.boundaryZ * 1000) / 1000,
              informationFraction: Math.round(look.informationFraction * 1000) / 1000,
              serialCorrelationFactor: Math.round(look.varianceFactor * 1000) / 1000,
            },
          }
        : {}),
      ...(retained !== undefined ? { retainedAfterSettleBytesPerConnection: round(retained) } : {}),
      points: points.map((p) => [p.x, p.y]),
      ...(settled ? { settled: [settled.x, settled.y] } : {}),
    },
  };
  const interval = `${look ? 'sequential' : '95 %'} interval ${round(est.lower)} to ${round(est.upper)}`;
  if (failed) {
    check.reason =
      `heap grows ${round(est.slope)} B per connection (${interval}), above ${limitBytesPerConnection}` +
      (retained !== undefined ? `; ${round(retained)} B per connection still held after the settle` : '');
  } else if (slopeAbove) {
    // A pass whose slope alone would fail: said, so that a summary showing the slope does
    // not read as a leak passed over (a heartbeat that learns of a gone client at its next
    // write holds each stream until then).
    check.details!.releasedAfterSettle = true;
    check.reason = `heap grew ${round(est.slope)} B per connection while they ran (${interval}), and was given back after the settle: ${round(retained!)} B per connection still held, not above ${limitBytesPerConnection}`;
  } else if (look?.decision === 'undecided') {
    // A pass the test could not decide: no leak shown, none ruled out. Said, because a
    // slope above the limit on a PASS line reads as a leak let through, and because more
    // connections are what decides it.
    check.reason = `undecided at the cap: heap grows ${round(est.slope)} B per connection (${interval}), an interval that takes in the limit of ${limitBytesPerConnection}; a leak is not shown, nor ruled out (raise --connections to decide)`;
  }
  return check;
}

/** The Theil-Sen line's level at `x`: the median of the samples' offsets from the slope. */
function senLevelAt(points: readonly Point[], slope: number, x: number): number {
  return median(points.map((p) => p.y - slope * (p.x - x)).sort((a, b) => a - b));
}
