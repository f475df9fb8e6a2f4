import type { Check, SiteCount } from '../report/report.ts';

/**
 * A resource count that must come back to its baseline: final - baseline above `limit` is a
 * leak. Sites are attached only when there is something to explain.
 */
export function countCheck(
  meter: string,
  baseline: number,
  final: number,
  options: { limit?: number; leaked?: number; sites?: SiteCount[]; details?: Record<string, unknown> } = {},
): Check {
  const limit = options.limit ?? 0;
  // A meter that can tell new resources from old ones says how many are new: final - baseline
  // undercounts when some of the baseline's went away meanwhile.
  const leaked = options.leaked ?? final - baseline;
  const failed = leaked > limit;
  const check: Check = { meter, verdict: failed ? 'fail' : 'pass', baseline, final, limit };
  if (failed) {
    check.leaked = leaked;
    if (options.sites && options.sites.length > 0) check.sites = options.sites;
  }
  if (options.details) check.details = options.details;
  return check;
}

/** A check that does not apply here (no gauges defined; heap in sigterm's child). */
export function notApplicable(meter: string, reason: string): Check {
  return { meter, verdict: 'skipped', skippedBy: 'not-applicable', reason: `not applicable: ${reason}` };
}

/** A check that should have measured and could not: its scenario errs. */
export function unmeasured(meter: string, reason: string): Check {
  return { meter, verdict: 'error', reason: `could not measure: ${reason}` };
}
