/**
 * When to take the next heap sample during a measured phase. Two rules, both must allow it:
 * - count: about `samples` samples over `connections` (never more often than every wave);
 * - budget: sampling (a forced GC, ~7 ms at 10 MB and more as the heap grows) takes at most
 *   `budget` of the phase's time, so that the meters never halve the churn they measure.
 * The last wave is always sampled. Pure, so that it is tested with tables.
 */
export class HeapCadence {
  #nextAt: number;
  #sampleMs = 0;
  #lastEnd = Number.NEGATIVE_INFINITY;

  constructor(
    readonly connections: number,
    readonly every: number,
    readonly budget = 1 / 3,
  ) {
    this.#nextAt = every;
  }

  static for(connections: number, samples: number, wave: number, budget?: number): HeapCadence {
    return new HeapCadence(connections, Math.max(wave, Math.ceil(connections / samples)), budget);
  }

  /** Whether to sample now, `measured` connections in, at time `now` (ms). */
  due(measured: number, now: number): boolean {
    if (measured >= this.connections) return true;
    if (measured < this.#nextAt) return false;
    // A sample that cost s ms is followed by at least s * (1 - budget) / budget ms of churn.
    return now - this.#lastEnd >= (this.#sampleMs * (1 - this.budget)) / this.budget;
  }

  /** Records a sample that ran from `start` to `end` (ms) at `measured` connections. */
  took(measured: number, start: number, end: number): void {
    this.#sampleMs = end - start;
    this.#lastEnd = end;
    while (this.#nextAt <= measured) this.#nextAt += this.every;
  }
}
