import type { MeterSnapshot } from '../harness/meter-snapshot.ts';
import { groupBySite } from '../meters/timer-meter.ts';
import type { Check, SiteCount } from '../report/report.ts';
import { countCheck, notApplicable } from './count-check.ts';
import { leakedTimers } from './timer-chains.ts';

/** Process listeners that grew, with where the new ones were added (the live process knows). */
export type ListenerGrowth = { event: string; sites: { site: string; count: number }[] }[];

/** Whether everything is back to the baseline: what the settle waits for. */
export function backToBaseline(baseline: MeterSnapshot, now: MeterSnapshot): boolean {
  return (
    leakedTimers(baseline.timers, now.timers).count === 0 &&
    now.listeners.total <= baseline.listeners.total &&
    now.sockets <= baseline.sockets &&
    Object.entries(now.gauges).every(([k, v]) => v <= (baseline.gauges[k] ?? 0))
  );
}

/**
 * The count checks from two snapshots of one process: timers (per chain, with their
 * creation sites), process listeners, each gauge, server sockets. `listenerGrowth` names
 * the sites of listeners that grew; the process that has them computes it.
 */
export function compareSnapshots(baseline: MeterSnapshot, final: MeterSnapshot, listenerGrowth: ListenerGrowth): Check[] {
  const leaked = leakedTimers(baseline.timers, final.timers);
  const sites: SiteCount[] = groupBySite(leaked.timers).map(({ repeat, ...group }) => ({
    ...group,
    kind: repeat ? 'setInterval' : 'setTimeout',
  }));
  const checks: Check[] = [
    countCheck('timers', baseline.timers.length, final.timers.length, {
      leaked: leaked.count,
      sites,
      details: leaked.count
        ? {
            refed: leaked.timers.filter((t) => t.refed).length,
            intervals: leaked.timers.filter((t) => t.repeat).length,
            countedAs: 'chains: a timer that re-arms itself counts once',
          }
        : undefined,
    }),
  ];
  checks.push(
    countCheck('process-listeners', baseline.listeners.total, final.listeners.total, {
      sites:
        final.listeners.total > baseline.listeners.total
          ? listenerGrowth.flatMap((g) => g.sites.map((s) => ({ ...s, event: g.event })))
          : [],
    }),
  );
  if (Object.keys(baseline.gauges).length + Object.keys(baseline.gaugeErrors).length === 0) {
    checks.push(notApplicable('gauges', 'the target defines no gauges'));
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
