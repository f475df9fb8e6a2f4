import type { Check, CheckVerdict, Report, ScenarioResult } from '../report/report.ts';

export type RowStatus =
  /** Same verdict on both sides, passing or skipped on both. */
  | 'same'
  /** Failed in the base and fails the same way now: a known failure, accepted in the baseline. */
  | 'known-failure'
  /** Passed in the base (or was absent), fails, errs or is skipped now. */
  | 'regressed'
  /** Failed in the base, passes now. */
  | 'fixed'
  /** A failing count that grew beyond noise: more than COUNT_GROWTH times the base's, plus COUNT_SLACK. */
  | 'count-rose'
  /** Heap: the head's whole interval lies above the base's, by more than the tolerance. */
  | 'heap-rose'
  /** Heap: the slope moved, but within the intervals: noise. */
  | 'within-noise'
  | 'missing-in-head'
  /** New in the head and passing (a new failing one is `regressed`). */
  | 'new-in-head';

export interface CompareRow {
  scenario: string;
  meter: string;
  base?: string;
  head?: string;
  status: RowStatus;
}

export interface Comparison {
  rows: CompareRow[];
  /** Rows that fail the gate: regressions, counts or heap that rose, checks or scenarios gone. */
  regressions: CompareRow[];
  /** Failures the baseline already had: never a pass, always listed. */
  knownFailures: CompareRow[];
}

/** Heap slopes must also differ by this much (B per connection) to count as a rise. */
export const HEAP_TOLERANCE = 256;
/** A failing count is a regression when, per connection, it exceeds the base's by this factor plus COUNT_SLACK. */
export const COUNT_GROWTH = 1.5;
export const COUNT_SLACK = 10;

const failing = (v: CheckVerdict | undefined) => v === 'fail' || v === 'error';
const gating: ReadonlySet<RowStatus> = new Set(['regressed', 'count-rose', 'heap-rose', 'missing-in-head']);

/**
 * Compares two reports check by check, as a CI gate that cannot be talked into a pass:
 * - a check or scenario that passed in the base (or did not exist) and now fails, errs or is
 *   skipped is a regression: a new failing scenario is not "new", and turning a check off
 *   is not a pass;
 * - a check that failed in both is a known failure, accepted in the baseline; it is listed
 *   every time, and is a regression when its count grew beyond noise (+5 leaked timers that
 *   became +500), counts scaled to the connections each side made;
 * - a heap slope is a regression only when the head's 95 % interval lies wholly above the
 *   base's and by more than HEAP_TOLERANCE, so noise is not;
 * - a scenario or check present in the base and missing now fails (a gate that quietly
 *   stops checking is no gate).
 */
export function compareReports(base: Report, head: Report): Comparison {
  const rows: CompareRow[] = [];
  const names = [...new Set([...base.scenarios.map((s) => s.name), ...head.scenarios.map((s) => s.name)])];
  for (const name of names) {
    const b = base.scenarios.find((s) => s.name === name);
    const h = head.scenarios.find((s) => s.name === name);
    if (!h) {
      rows.push({ scenario: name, meter: '(scenario)', base: b!.verdict, status: 'missing-in-head' });
      continue;
    }
    if (!b) {
      rows.push({
        scenario: name,
        meter: '(scenario)',
        head: describeScenario(h),
        status: h.verdict === 'pass' ? 'new-in-head' : 'regressed',
      });
      continue;
    }
    if (h.verdict === 'error' && b.verdict !== 'error') {
      rows.push({ scenario: name, meter: '(scenario)', base: b.verdict, head: describeScenario(h), status: 'regressed' });
      continue;
    }
    const meters = [...new Set([...b.checks.map((c) => c.meter), ...h.checks.map((c) => c.meter)])];
    for (const meter of meters) {
      rows.push(
        compareCheck(
          name,
          meter,
          b.checks.find((c) => c.meter === meter),
          h.checks.find((c) => c.meter === meter),
          b,
          h,
        ),
      );
    }
  }
  return { rows, regressions: rows.filter((r) => gating.has(r.status)), knownFailures: rows.filter((r) => r.status === 'known-failure') };
}

function compareCheck(
  scenario: string,
  meter: string,
  b: Check | undefined,
  h: Check | undefined,
  bs: ScenarioResult,
  hs: ScenarioResult,
): CompareRow {
  if (!h) return { scenario, meter, base: describe(b!), status: 'missing-in-head' };
  if (!b)
    return { scenario, meter, head: describe(h), status: h.verdict === 'pass' || h.verdict === 'skipped' ? 'new-in-head' : 'regressed' };
  const row = { scenario, meter, base: describe(b), head: describe(h) };
  if (h.verdict === 'skipped' && b.verdict !== 'skipped') return { ...row, status: 'regressed' };
  if (!failing(b.verdict) && failing(h.verdict)) return { ...row, status: 'regressed' };
  if (failing(b.verdict) && !failing(h.verdict)) return { ...row, status: 'fixed' };
  if (failing(b.verdict) && failing(h.verdict)) {
    if (h.verdict === 'error' && b.verdict !== 'error') return { ...row, status: 'regressed' };
    if (b.leaked !== undefined && h.leaked !== undefined && countRose(b.leaked, bs.connections, h.leaked, hs.connections))
      return { ...row, status: 'count-rose' };
    if (meter === 'heap' && heapRose(b, h)) return { ...row, status: 'heap-rose' };
    return { ...row, status: 'known-failure' };
  }
  if (meter === 'heap' && b.ci95 && h.ci95 && b.bytesPerConnection !== undefined && h.bytesPerConnection !== undefined) {
    if (heapRose(b, h)) return { ...row, status: 'heap-rose' };
    if (h.bytesPerConnection !== b.bytesPerConnection) return { ...row, status: 'within-noise' };
  }
  return { ...row, status: 'same' };
}

/** Whether a leaked count grew beyond noise, scaled to the connections each run made. */
export function countRose(base: number, baseConnections: number, head: number, headConnections: number): boolean {
  const expected = baseConnections > 0 && headConnections > 0 ? (base * headConnections) / baseConnections : base;
  return head > expected * COUNT_GROWTH + COUNT_SLACK;
}

function heapRose(b: Check, h: Check): boolean {
  if (!b.ci95 || !h.ci95 || b.bytesPerConnection === undefined || h.bytesPerConnection === undefined) return false;
  return h.ci95[0] > b.ci95[1] && h.bytesPerConnection - b.bytesPerConnection > HEAP_TOLERANCE;
}

function describeScenario(s: ScenarioResult): string {
  return s.error ? `${s.verdict}: ${s.error.message}` : s.verdict;
}

function describe(c: Check): string {
  if (c.meter === 'heap' && c.bytesPerConnection !== undefined) {
    return `${c.verdict} ${Math.round(c.bytesPerConnection)} B/conn [${c.ci95!.map(Math.round).join(', ')}]`;
  }
  if (c.leaked !== undefined) return `${c.verdict} +${c.leaked}`;
  return c.verdict;
}

/** The comparison as a table a reviewer can read (Markdown, so it also reads in a PR). */
export function formatComparison(comparison: Comparison): string {
  const lines = ['| scenario | check | base | head | status |', '| --- | --- | --- | --- | --- |'];
  for (const r of comparison.rows) {
    const status = comparison.regressions.includes(r) ? `**${r.status}**` : r.status;
    lines.push(`| ${r.scenario} | ${r.meter} | ${r.base ?? '-'} | ${r.head ?? '-'} | ${status} |`);
  }
  const n = comparison.regressions.length;
  const known = comparison.knownFailures.map((r) => `${r.scenario}/${r.meter}`);
  lines.push('');
  if (n > 0) lines.push(`${n} regression${n === 1 ? '' : 's'}.`);
  else if (known.length === 0) lines.push('No regressions.');
  else lines.push('No new regressions.');
  if (known.length) lines.push(`Still failing, accepted in the baseline (not fixed): ${known.join(', ')}.`);
  return lines.join('\n');
}
