import { type Point, type SlopeEstimate, theilSenAt } from './theil-sen.ts';

/**
 * A group-sequential test of "the slope is above `limit`" against "it is below", that may
 * be looked at after every sample and still keeps each error at `alpha` (default 2.5 %).
 *
 * The boundary is O'Brien-Fleming's shape, c / sqrt(t), where t is the information fraction
 * (the information of the slope so far over that of the whole capped phase). Under the null
 * the standardised statistic is Z(t) = W(t) / sqrt(t) for a Brownian motion W, so crossing
 * c / sqrt(t) at any t <= 1 is W crossing c, whose probability is 2 (1 - Phi(c)) by the
 * reflection principle: with c = Phi^-1(1 - alpha / 2) the error is at most alpha however
 * many looks are taken, and below it for a finite number (Jennison & Turnbull 2000, ch. 2).
 * Each direction gets its own alpha; the procedure is symmetric.
 *
 * The statistic is Sen's interval (Kendall's S) at the boundary's quantile, so one wild
 * sample (a GC that freed code caches) does not decide. Serially correlated residuals
 * inflate Var(S) by Hamed & Rao's factor over the lags that are significant, never
 * deflate it: a series whose samples lean on each other gets a wider interval, not a
 * narrower one.
 */
export interface SequentialLook {
  /** `above`: the whole interval lies above the limit; `below`: wholly below; else `undecided`. */
  decision: 'above' | 'below' | 'undecided';
  estimate: SlopeEstimate;
  /** The boundary's standard-normal quantile at this look: c / sqrt(t). */
  boundaryZ: number;
  /** Information fraction, 0 to 1. */
  informationFraction: number;
  /** The Var(S) inflation applied for serial correlation (1 when none was significant). */
  varianceFactor: number;
}

/** Phi^-1(1 - 0.025 / 2): the reflection-principle boundary constant for alpha = 2.5 % per side. */
export const BOUNDARY_C_2_5 = 2.2414;

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

export function sequentialLook(
  points: readonly Point[],
  limit: number,
  maxInformation: number,
  options: { final?: boolean; c?: number } = {},
): SequentialLook | undefined {
  const c = options.c ?? BOUNDARY_C_2_5;
  const info = slopeInformation(points.map((p) => p.x));
  if (info <= 0 || maxInformation <= 0) return undefined;
  // The final look spends what is left: t = 1 whatever was collected.
  const t = options.final ? 1 : Math.min(1, info / maxInformation);
  const boundaryZ = c / Math.sqrt(t);
  const rough = theilSenAt(points, boundaryZ);
  if (!rough) return undefined;
  const varianceFactor = serialCorrelationFactor(points, rough.slope);
  const estimate = varianceFactor === 1 ? rough : theilSenAt(points, boundaryZ, varianceFactor)!;
  const decision = estimate.lower > limit ? 'above' : estimate.upper < limit ? 'below' : 'undecided';
  return { decision, estimate, boundaryZ, informationFraction: t, varianceFactor };
}

/**
 * The variance correction of Kendall's S for autocorrelated data (Hamed & Rao 1998), with
 * the autocorrelation of the ranks of the detrended series modelled as AR(1): rho_k =
 * rho_1^k, rho_1 corrected for its small-sample bias ((1 + 4 rho) / n, Kendall 1954). Only
 * inflation is applied (>= 1). Lag by lag screening for significance, Hamed & Rao's own
 * rule, cannot see the correlation in the 10 to 20 samples of a phase and lets the error
 * double at rho = 0.6 (test/sequential-slope.test.ts); the AR(1) model keeps it at the
 * nominal rate where our heap series are (rho about 0.1 to 0.3) and under 5 % at 0.6.
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
  const rho = Math.min(0.95, raw + (1 + 4 * Math.max(0, raw)) / n);
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
