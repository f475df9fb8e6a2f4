import type { Check } from '../report/report.ts';
import type { ListenerSample, ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import { type ActiveTimer, groupBySite, type TimerMeter } from '../meters/timer-meter.ts';
import type { Target } from '../target/target.ts';
import { countCheck, skippedCheck } from '../verdict/count-check.ts';

/** Everything measured at one instant except the heap. Plain data: it crosses IPC as is. */
export interface MeterSnapshot {
  timers: ActiveTimer[];
  listeners: ListenerSample;
  gauges: Record<string, number>;
  /** Gauges whose function threw, with the message. */
  gaugeErrors: Record<string, string>;
  sockets: number;
}

/**
 * The count meters of one process: target timers, process listeners, the target's gauges
 * and the server's open sockets. Snapshots are compared by pure functions below.
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

  /** Whether everything is back to the baseline (what the settle waits for). */
  static settled(baseline: MeterSnapshot, now: MeterSnapshot): boolean {
    const base = new Set(baseline.timers.map((t) => t.asyncId));
    return (
      now.timers.every((t) => base.has(t.asyncId)) &&
      now.listeners.total <= baseline.listeners.total &&
      now.sockets <= baseline.sockets &&
      Object.entries(now.gauges).every(([k, v]) => v <= (baseline.gauges[k] ?? 0))
    );
  }

  checks(baseline: MeterSnapshot, final: MeterSnapshot): Check[] {
    return compareSnapshots(baseline, final, (b) => this.listeners.growth(b.listeners, final.listeners));
  }
}

/** New timers since the baseline: the ones a scenario left behind. */
export function newTimers(baseline: MeterSnapshot, final: MeterSnapshot): ActiveTimer[] {
  const base = new Set(baseline.timers.map((t) => t.asyncId));
  return final.timers.filter((t) => !base.has(t.asyncId));
}

/**
 * Checks from two snapshots. `listenerSites` attributes process listeners that grew (it
 * needs the live process, so the child computes it and sends the result over IPC).
 */
export function compareSnapshots(
  baseline: MeterSnapshot,
  final: MeterSnapshot,
  listenerSites: (baseline: MeterSnapshot) => { event: string; sites: { site: string; count: number }[] }[],
): Check[] {
  const leakedTimers = newTimers(baseline, final);
  const checks: Check[] = [
    countCheck('timers', baseline.timers.length, final.timers.length, {
      leaked: leakedTimers.length,
      sites: groupBySite(leakedTimers).map(({ repeat, ...group }) => ({ ...group, kind: repeat ? 'setInterval' : 'setTimeout' })),
      details: leakedTimers.length
        ? { refed: leakedTimers.filter((t) => t.refed).length, intervals: leakedTimers.filter((t) => t.repeat).length }
        : undefined,
    }),
  ];
  const growth = final.listeners.total > baseline.listeners.total ? listenerSites(baseline) : [];
  checks.push(
    countCheck('process-listeners', baseline.listeners.total, final.listeners.total, {
      sites: growth.flatMap((g) => g.sites.map((s) => ({ ...s, event: g.event }))),
    }),
  );
  if (Object.keys(baseline.gauges).length + Object.keys(baseline.gaugeErrors).length === 0) {
    checks.push(skippedCheck('gauges', 'the target defines no gauges'));
  }
  for (const [name, value] of Object.entries(final.gauges)) {
    if (baseline.gauges[name] === undefined) continue;
    checks.push(countCheck(`gauge:${name}`, baseline.gauges[name]!, value));
  }
  for (const [name, message] of Object.entries({ ...baseline.gaugeErrors, ...final.gaugeErrors })) {
    checks.push({ meter: `gauge:${name}`, verdict: 'error', reason: `the gauge threw: ${message}` });
  }
  checks.push(countCheck('sockets', baseline.sockets, final.sockets));
  return checks;
}
