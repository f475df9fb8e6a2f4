export interface Point {
  x: number;
  y: number;
}

export interface SlopeEstimate {
  /** Median of pairwise slopes. */
  slope: number;
  /** Distribution-free confidence interval of the slope (Sen 1968). */
  lower: number;
  upper: number;
  /** Points used. */
  n: number;
}

/** Two-sided standard-normal quantiles for the confidence levels we offer. */
const z: Record<string, number> = { '0.9': 1.6449, '0.95': 1.96, '0.99': 2.5758 };

/**
 * Theil-Sen slope with Sen's confidence interval: robust to the outliers a GC or a JIT
 * recompilation puts into a heap series (DOMAIN.md: take a robust slope over ten or more
 * samples rather than total growth over N). The interval comes from the normal
 * approximation to Kendall's S with ties ignored, as in Sen (1968) and Gilbert (1987, §16.5).
 */
export function theilSen(points: readonly Point[], confidence = 0.95): SlopeEstimate | undefined {
  const quantile = z[String(confidence)];
  if (quantile === undefined) throw new RangeError(`unsupported confidence ${confidence}`);
  return theilSenAt(points, quantile);
}

/**
 * Theil-Sen with the interval at any standard-normal quantile `zq`, and Var(S) multiplied
 * by `varianceFactor` (>= 1 when the residuals are serially correlated, Hamed & Rao 1998).
 */
export function theilSenAt(points: readonly Point[], zq: number, varianceFactor = 1): SlopeEstimate | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = points[j]!.x - points[i]!.x;
      if (dx !== 0) slopes.push((points[j]!.y - points[i]!.y) / dx);
    }
  }
  if (slopes.length === 0) return undefined;
  slopes.sort((a, b) => a - b);
  const N = slopes.length;
  const slope = median(slopes);
  const varS = ((n * (n - 1) * (2 * n + 5)) / 18) * varianceFactor;
  const c = zq * Math.sqrt(varS);
  // 1-based ranks M1 = (N - C)/2 and M2 + 1 = (N + C)/2 + 1, clamped to the slopes we have.
  const m1 = Math.round((N - c) / 2);
  const m2 = Math.round((N + c) / 2) + 1;
  const lower = slopes[Math.min(N - 1, Math.max(0, m1 - 1))]!;
  const upper = slopes[Math.min(N - 1, Math.max(0, m2 - 1))]!;
  return { slope, lower, upper, n };
}

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The Theil-Sen slope of `measured` less that of `control`, divided by `per` (streams):
 * what the measured condition adds per unit, with an interval widened by the control's own
 * (lower: measured's lower less control's upper; upper: the other way round). Undefined with
 * fewer than 3 points on either side.
 */
export function slopeOverControl(measured: readonly Point[], control: readonly Point[], per: number): SlopeEstimate | undefined {
  const m = theilSen(measured);
  const c = theilSen(control);
  if (!m || !c) return undefined;
  return { slope: (m.slope - c.slope) / per, lower: (m.lower - c.upper) / per, upper: (m.upper - c.lower) / per, n: m.n };
}
