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

/**
 * A passing heap check's slope; when the slope alone was above the limit, that the settle
 * gave it back (`heap +24980 B/conn` on a PASS line read as a leak let through); when the
 * sequential test was still undecided at the cap, that, with its interval.
 */
export function heapFigure(heap: Check): string {
  const figure = `heap ${signed(heap.bytesPerConnection!)} B/conn`;
  const retained = heap.details?.retainedAfterSettleBytesPerConnection;
  if (heap.details?.releasedAfterSettle === true && typeof retained === 'number')
    return `${figure} while open, ${signed(retained)} after the settle`;
  const interval = undecidedInterval(heap);
  return interval ? `${figure}, undecided at the cap (${interval.map(signed).join(' to ')})` : figure;
}

/** The sequential interval of a heap check that passed undecided at the cap: no leak shown, none ruled out. */
export function undecidedInterval(check: Check): [number, number] | undefined {
  if (check.meter !== 'heap' || check.verdict !== 'pass') return undefined;
  const sequential = check.details?.sequential as { decision?: string; interval?: [number, number] } | undefined;
  return sequential?.decision === 'undecided' ? sequential.interval : undefined;
}

const signed = (n: number) => (n >= 0 ? `+${Math.round(n)}` : `${Math.round(n)}`);
