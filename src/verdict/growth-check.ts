import type { Check } from '../report/report.ts';
import { type Point, theilSen } from '../stats/theil-sen.ts';

export interface GrowthOptions {
  /** Fraction of the samples, from the start, treated as warm-up and left out. */
  warmupFraction: number;
  /** Growth per connection (bytes) above which the heap is judged to leak, at the least. */
  limitBytesPerConnection: number;
  /**
   * Growth in all (bytes) over the judged connections that is never called a leak: the
   * limit per connection is at least this divided by those connections. A short soak of a
   * fresh process still drifts some hundreds of bytes per connection (JIT, caches); a long
   * one judges down to `limitBytesPerConnection`.
   */
  minimumGrowthBytes: number;
  /** Fewest post-warm-up samples worth a verdict. */
  minSamples: number;
}

export const defaultGrowthOptions: GrowthOptions = {
  warmupFraction: 0.2,
  limitBytesPerConnection: 128,
  minimumGrowthBytes: 2_000_000,
  minSamples: 10,
};

/**
 * The soak's verdict on heap growth. After the warm-up is dropped, the Theil-Sen slope of
 * heap against connections, with its 95 % interval, must lie wholly above the limit, and
 * the slope of the last half of the samples must still be above the limit and above half
 * the whole slope: memory that is still growing at the end. A bounded cache that fills and then stays flat passes (its late slope is flat);
 * steady growth fails. Reported per 1,000 connections.
 * `run.judgeFrom` moves the start of the judged samples later, never earlier.
 */
export function growthCheck(
  points: readonly Point[],
  options: GrowthOptions = defaultGrowthOptions,
  run: { judgeFrom?: number } = {},
): Check {
  // `judgeFrom`: the first sample after an event that shifts the heap once (a heap snapshot).
  const warm = points.slice(Math.max(Math.floor(points.length * options.warmupFraction), run.judgeFrom ?? 0));
  const span = warm.length > 1 ? warm[warm.length - 1]!.x - warm[0]!.x : 0;
  const limit = Math.max(options.limitBytesPerConnection, span > 0 ? options.minimumGrowthBytes / span : Infinity);
  const limitPer1000 = Math.round(limit * 1000);
  if (warm.length < options.minSamples) {
    return {
      meter: 'heap-growth',
      verdict: 'error',
      limit: Math.round(limit * 10) / 10,
      samples: warm.length,
      reason: `could not measure: ${warm.length} samples after the warm-up; a trend needs ${options.minSamples} (run longer, or sample more often with --sample-every)`,
    };
  }
  const all = theilSen(warm)!;
  const late = theilSen(warm.slice(Math.floor(warm.length / 2)))!;
  const per1000 = (v: number) => Math.round(v * 1000);
  const growing = all.lower > limit;
  // The last half has half the samples, so its interval is wide: judge its slope itself.
  // Steady growth keeps about the whole slope there; a plateau drops to about nothing.
  const stillGrowing = late.slope > Math.max(limit, all.slope / 2);
  const failed = growing && stillGrowing;
  const check: Check = {
    meter: 'heap-growth',
    verdict: failed ? 'fail' : 'pass',
    bytesPerConnection: Math.round(all.slope * 10) / 10,
    ci95: [Math.round(all.lower * 10) / 10, Math.round(all.upper * 10) / 10],
    limit: Math.round(limit * 10) / 10,
    samples: warm.length,
    details: {
      per1000Connections: { slope: per1000(all.slope), ci95: [per1000(all.lower), per1000(all.upper)], limit: limitPer1000 },
      lastHalfPer1000Connections: { slope: per1000(late.slope), ci95: [per1000(late.lower), per1000(late.upper)] },
      warmupEndsAtConnections: warm[0]!.x,
    },
  };
  const bytes = (v: number) => `${per1000(v).toLocaleString('en-US')} B`;
  if (failed) {
    check.reason = `heap grows ${bytes(all.slope)} per 1,000 connections (95 % CI ${bytes(all.lower)} to ${bytes(all.upper)}) and was still growing at the end (${bytes(late.slope)} per 1,000 over the last half)`;
  } else if (growing) {
    check.reason = `heap grew ${bytes(all.slope)} per 1,000 connections but levelled off (last half: ${bytes(late.slope)} per 1,000): a bounded cache, not a leak`;
  }
  return check;
}
