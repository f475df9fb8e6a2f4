/**
 * When to take the next heap sample during a measured phase. Two rules, both must allow it:
 * - count: about `samples` samples over `connections` (never more often than every wave);
 * - budget: sampling (a forced GC, ~7 ms at 10 MB and more as the heap grows) takes at most
 *   `budget` of the phase's time, so that the meters never halve the churn they measure.
 * The last wave is always sampled, and the budget yields when fewer than `minSamples`
 * would be left. Pure, so that it is tested with tables.
 */
export class HeapCadence {
  #nextAt: number;
  #sampleMs = 0;
  #lastEnd = Number.NEGATIVE_INFINITY;
  #taken = 0;

  constructor(
    readonly connections: number,
    readonly every: number,
    readonly budget = 1 / 3,
    /** The budget never leaves fewer samples than this (the slope needs them). */
    readonly minSamples = 10,
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
    // Behind on samples: every opportunity left is needed.
    const left = Math.floor((this.connections - measured) / this.every);
    if (this.#taken + left < this.minSamples) return true;
    // A sample that cost s ms is followed by at least s * (1 - budget) / budget ms of churn.
    return now - this.#lastEnd + 1e-9 >= (this.#sampleMs * (1 - this.budget)) / this.budget;
  }

  /** Records a sample that ran from `start` to `end` (ms) at `measured` connections. */
  took(measured: number, start: number, end: number): void {
    this.#sampleMs = end - start;
    this.#lastEnd = end;
    this.#taken++;
    while (this.#nextAt <= measured) this.#nextAt += this.every;
  }
}
