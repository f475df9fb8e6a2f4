/**
 * Exact group-sequential boundaries by error spending (Lan & DeMets 1983) for a symmetric
 * two-sided test with `alpha` per side: at each look, the boundary b_k is such that the
 * probability, under the null, of first leaving |Z| < b through the upper side at this look
 * is alpha(t_k) - alpha(t_{k-1}). The looks need not be planned: each is taken at whatever
 * information it has, and the last one spends what is left (t = 1). The probabilities come
 * from the recursive numerical integration of Armitage, McPherson & Rowe (1969) over the
 * score process S_k = Z_k sqrt(I_k), which has independent Gaussian increments (Jennison &
 * Turnbull 2000, ch. 19).
 *
 * Two spending functions:
 * - Hwang, Shih & DeCani (1990), alpha(t) = alpha (1 - e^(-gamma t)) / (1 - e^(-gamma)),
 *   with gamma = -4 by default: gsDesign's default, its stand-in for O'Brien-Fleming. Its
 *   last boundary is the same (about 2.05 over a scenario's looks) and its early ones are
 *   far lower (3.7 at a scenario's first look instead of no boundary at all), so a clear
 *   answer stops early at no cost in power at the cap.
 * - Lan-DeMets O'Brien-Fleming type, alpha(t) = 2 - 2 Phi(z_{alpha/2} / sqrt(t)): spends
 *   almost nothing before half the information (its boundary at 160 of 400 connections is
 *   7.96).
 */
export type SpendingFunction = { kind: 'hsd'; gamma: number } | { kind: 'obf' };

export class GroupSequentialBoundary {
  #looks = 0;
  #spent = 0;
  #lastInformation = 0;
  /**
   * The density of S on the continuation region after the last look (`density` on `grid`,
   * with Simpson's `weights`), its first #n entries. Two slots made once and used in turn:
   * in-process, this state lives in the heap a target shares, and arrays made anew at each
   * look (their length follows the boundary) moved it by -4 to +11 KB from one look to the
   * next, between two of a series' samples.
   */
  readonly #slots: [Slot, Slot];
  #current: Slot | undefined;
  #n = 0;
  readonly #zHalf: number;

  constructor(
    readonly maxInformation: number,
    readonly alpha = 0.025,
    /** Grid points per unit of sd of S at the look. */
    readonly resolution = 24,
    readonly spendingFunction: SpendingFunction = { kind: 'hsd', gamma: -4 },
  ) {
    this.#zHalf = normalQuantile(1 - alpha / 2);
    const capacity = gridPoints(MAX_Z, resolution);
    this.#slots = [slot(capacity), slot(capacity)];
  }

  get looks(): number {
    return this.#looks;
  }

  /** alpha spent by information fraction t. */
  spending(t: number): number {
    if (t <= 0) return 0;
    const u = Math.min(1, t);
    const f = this.spendingFunction;
    if (f.kind === 'obf') return Math.min(this.alpha, 2 - 2 * normalCdf(this.#zHalf / Math.sqrt(u)));
    if (f.gamma === 0) return this.alpha * u;
    return (this.alpha * (1 - Math.exp(-f.gamma * u))) / (1 - Math.exp(-f.gamma));
  }

  /**
   * The boundary (on the Z scale) for the next look, taken at `information`; `final`
   * spends all that is left. Advances the state: call once per look, in order.
   */
  next(information: number, final = false): { z: number; t: number } {
    const info = Math.max(information, this.#lastInformation + 1e-9 * this.maxInformation);
    const t = final ? 1 : Math.min(1, info / this.maxInformation);
    const target = Math.max(0, this.spending(t) - this.#spent);
    const sd = Math.sqrt(info);
    let z: number;
    if (!this.#current) {
      // First look: P(Z >= b) = target.
      z = target > 0 ? normalQuantile(1 - target) : Number.POSITIVE_INFINITY;
    } else {
      const delta = Math.sqrt(info - this.#lastInformation);
      const { grid, density, weights: w } = this.#current;
      const n = this.#n;
      const upper = (b: number) => {
        let p = 0;
        for (let i = 0; i < n; i++) p += w[i]! * density[i]! * (1 - normalCdf((b * sd - grid[i]!) / delta));
        return p;
      };
      if (target <= 0) z = Number.POSITIVE_INFINITY;
      else {
        let lo = 0;
        let hi = 40;
        for (let i = 0; i < 60; i++) {
          const mid = (lo + hi) / 2;
          if (upper(mid) > target) lo = mid;
          else hi = mid;
        }
        z = (lo + hi) / 2;
      }
    }
    this.#advance(info, z);
    this.#spent += target;
    this.#looks++;
    return { z, t };
  }

  /** The density of S at this look on the continuation region |S| < z sqrt(I). */
  #advance(info: number, z: number): void {
    const sd = Math.sqrt(info);
    const zMax = Number.isFinite(z) ? Math.min(z, MAX_Z) : MAX_Z;
    const bound = zMax * sd;
    // At most the slots' capacity, gridPoints(MAX_Z): the same function of a z no larger.
    const n = gridPoints(zMax, this.resolution);
    const prev = this.#current;
    const next = prev === this.#slots[0] ? this.#slots[1] : this.#slots[0];
    const { grid, density, weights } = next;
    const step = (2 * bound) / (n - 1);
    for (let i = 0; i < n; i++) grid[i] = -bound + i * step;
    if (!prev) {
      for (let i = 0; i < n; i++) density[i] = normalPdf(grid[i]! / sd) / sd;
    } else {
      const delta = Math.sqrt(info - this.#lastInformation);
      const { grid: prevGrid, density: prevDensity, weights: w } = prev;
      for (let i = 0; i < n; i++) {
        let f = 0;
        for (let j = 0; j < this.#n; j++) f += w[j]! * prevDensity[j]! * (normalPdf((grid[i]! - prevGrid[j]!) / delta) / delta);
        density[i] = f;
      }
    }
    for (let i = 0; i < n; i++) weights[i] = (step / 3) * (i === 0 || i === n - 1 ? 1 : i % 2 === 1 ? 4 : 2);
    this.#current = next;
    this.#n = n;
    this.#lastInformation = info;
  }
}

/** The continuation region is integrated over |Z| < min(z, MAX_Z): beyond, the density is nil. */
const MAX_Z = 12;

interface Slot {
  grid: Float64Array;
  density: Float64Array;
  weights: Float64Array;
}

function slot(capacity: number): Slot {
  return { grid: new Float64Array(capacity), density: new Float64Array(capacity), weights: new Float64Array(capacity) };
}

/** Grid points over |Z| < z at `resolution` points per standard deviation: odd, for Simpson's rule, and at least 17. */
function gridPoints(z: number, resolution: number): number {
  return Math.max(17, Math.ceil(2 * z * resolution)) | 1;
}

export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Phi(x), by the complementary error function (W. J. Cody's rational approximation, |error| < 1.2e-7). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  // Numerical Recipes' erfcc (Chebyshev), fractional error < 1.2e-7 everywhere.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Phi^-1(p), Acklam's algorithm refined by one Halley step (|relative error| < 1e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
