import { type Point, type SlopeEstimate, theilSenAt } from './theil-sen.ts';

/**
 * A group-sequential test of "the slope is above `limit`" against "it is below", looked at
 * after every heap sample, with each wrong decision kept at its alpha (2.5 %) however many
 * looks are taken: the boundary of each look comes from GroupSequentialBoundary (exact
 * error spending, O'Brien-Fleming-type: overwhelming evidence early, about 2.0 at the last
 * look). The statistic is Sen's interval (Kendall's S) at the look's boundary, so one wild
 * sample (a GC that freed code caches) does not decide. Serially correlated residuals
 * inflate Var(S), never deflate it: a series whose samples lean on each other gets a wider
 * interval, not a narrower one.
 */
export interface SequentialLook {
  /** `above`: the whole interval lies above the limit; `below`: wholly below; else `undecided`. */
  decision: 'above' | 'below' | 'undecided';
  estimate: SlopeEstimate;
  /** The boundary's standard-normal quantile at this look. */
  boundaryZ: number;
  /** Information fraction, 0 to 1. */
  informationFraction: number;
  /** The Var(S) inflation applied for serial correlation (1 when none was significant). */
  varianceFactor: number;
}

/**
 * The information about a slope carried by samples at `xs`: sum of (x - mean x)^2, which
 * is 1 / Var(slope) up to the noise variance.
 */
export function slopeInformation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - mean) ** 2, 0);
}

/**
 * The most information a capped phase can collect: one sample at 0 and one after every
 * `every` connections up to `cap`. Samples skipped (the GC budget) only lower the fraction
 * a look reaches, which makes the test more conservative, never less.
 */
export function plannedInformation(cap: number, every: number): number {
  const xs: number[] = [];
  for (let x = 0; x < cap; x += every) xs.push(x);
  xs.push(cap);
  return slopeInformation(xs);
}

/**
 * One look: the interval at the boundary `z` (from GroupSequentialBoundary.next, at this
 * look's information fraction `t`), and where it lies against the limit.
 */
export function sequentialLook(points: readonly Point[], limit: number, boundary: { z: number; t: number }): SequentialLook | undefined {
  if (!Number.isFinite(boundary.z)) return undefined;
  const rough = theilSenAt(points, boundary.z);
  if (!rough) return undefined;
  const varianceFactor = serialCorrelationFactor(points, rough.slope);
  const estimate = varianceFactor === 1 ? rough : theilSenAt(points, boundary.z, varianceFactor)!;
  const decision = estimate.lower > limit ? 'above' : estimate.upper < limit ? 'below' : 'undecided';
  return { decision, estimate, boundaryZ: boundary.z, informationFraction: boundary.t, varianceFactor };
}

/**
 * The variance correction of Kendall's S for autocorrelated data (Hamed & Rao 1998), with
 * the autocorrelation of the ranks of the detrended series modelled as AR(1): rho_k =
 * rho_1^k, rho_1 corrected for its small-sample bias ((1 + 4 rho) / n, Kendall 1954) and
 * raised by half its standard error. Only inflation is applied (>= 1). Lag by lag screening
 * for significance, Hamed & Rao's own rule, cannot see the correlation in the 10 to 20
 * samples of a phase and let the error reach 11 % at rho = 0.6; this keeps it at the nominal
 * 2.5 % where our heap series are (rho about 0.1 to 0.3) and under 5 % at 0.6
 * (sequential-slope.test.ts simulates it).
 */
export function serialCorrelationFactor(points: readonly Point[], slope: number): number {
  const n = points.length;
  if (n < 4) return 1;
  const ranks = rank(points.map((p) => p.y - slope * p.x));
  const mean = (n + 1) / 2;
  let denom = 0;
  let num = 0;
  for (let i = 0; i < n; i++) {
    denom += (ranks[i]! - mean) ** 2;
    if (i + 1 < n) num += (ranks[i]! - mean) * (ranks[i + 1]! - mean);
  }
  if (denom === 0) return 1;
  const raw = num / denom;
  // Raised by half its standard error (about 1 / sqrt(n)): the factor is convex in rho, so a
  // noisy estimate from 10 to 20 samples under-corrects on average.
  const rho = Math.min(0.95, raw + (1 + 4 * Math.max(0, raw)) / n + 0.5 / Math.sqrt(n));
  if (rho <= 0) return 1;
  let sum = 0;
  for (let k = 1; k < n - 2; k++) sum += (n - k) * (n - k - 1) * (n - k - 2) * rho ** k;
  return Math.max(1, 1 + (2 / (n * (n - 1) * (n - 2))) * sum);
}

/** 1-based ranks, ties averaged. */
function rank(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}
