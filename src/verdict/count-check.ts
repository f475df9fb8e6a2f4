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

export function skippedCheck(meter: string, reason: string): Check {
  return { meter, verdict: 'skipped', reason };
}
