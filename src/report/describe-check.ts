import type { Check } from './report.ts';

/** A failed check in one line: what leaked, how many, and where the first sites are. */
export function describeCheck(check: Check): string {
  if (check.meter === 'heap' && check.verdict === 'error') return `heap: ${check.reason ?? 'could not measure'}`;
  if (check.meter === 'heap') return check.reason ?? `heap ${check.bytesPerConnection} B/conn`;
  if (check.reason && check.leaked === undefined) return `${check.meter}: ${check.reason}`;
  const what = `${check.meter} +${check.leaked ?? (check.final ?? 0) - (check.baseline ?? 0)}`;
  const sites = (check.sites ?? [])
    .slice(0, 3)
    .map((s) => `${s.count} × ${s.kind ?? s.event ?? ''} at ${s.site}${s.via ? ` via ${s.via[0]}` : ''}`.replace(' ×  at', ' at'));
  const more = (check.sites?.length ?? 0) > 3 ? ` and ${check.sites!.length - 3} more sites` : '';
  return sites.length ? `${what} (${sites.join(', ')}${more})` : what;
}
