import type { ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import type { TimerMeter } from '../meters/timer-meter.ts';
import type { Check } from '../report/report.ts';
import type { Target } from '../target/target.ts';
import { compareSnapshots } from '../verdict/compare-snapshots.ts';
import { leakedTimers } from '../verdict/timer-chains.ts';
import type { MeterSnapshot } from './meter-snapshot.ts';

export type { MeterSnapshot } from './meter-snapshot.ts';

/**
 * The count meters of one process: target timers, process listeners, the target's gauges
 * and the server's open sockets. Snapshots are compared by pure functions (src/verdict/).
 */
export class MeterSet {
  constructor(
    readonly timers: TimerMeter,
    readonly listeners: ProcessListenerMeter,
    readonly gauges: Target['gauges'],
    readonly openSockets: () => number,
  ) {}

  snapshot(): MeterSnapshot {
    const gauges: Record<string, number> = {};
    const gaugeErrors: Record<string, string> = {};
    for (const [name, read] of Object.entries(this.gauges ?? {})) {
      try {
        const value = read();
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`returned ${String(value)}, not a number`);
        gauges[name] = value;
      } catch (error) {
        gaugeErrors[name] = error instanceof Error ? error.message : String(error);
      }
    }
    return {
      timers: this.timers.sample().target,
      listeners: this.listeners.sample(),
      gauges,
      gaugeErrors,
      sockets: this.openSockets(),
    };
  }

  checks(baseline: MeterSnapshot, final: MeterSnapshot): Check[] {
    return compareSnapshots(baseline, final, this.listeners.growth(baseline.listeners, final.listeners));
  }

  /** Clears the timers counted as leaked since `baseline` (they were reported). */
  clearLeakedTimers(baseline: MeterSnapshot): number {
    return this.timers.clearTargetTimers(leakedTimers(baseline.timers, this.snapshot().timers).timers.map((t) => t.asyncId));
  }
}
