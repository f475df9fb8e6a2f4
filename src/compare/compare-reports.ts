import type { Check, CheckVerdict, Report } from '../report/report.ts';

export type RowStatus =
  /** Same verdict on both sides (pass/pass, or a known failure fail/fail). */
  | 'same'
  /** Passed in the base, fails (or errs) now. */
  | 'regressed'
  /** Failed in the base, passes now. */
  | 'fixed'
  /** Heap: the head's whole interval lies above the base's, by more than the tolerance. */
  | 'heap-rose'
  /** Heap: the slope moved, but within the intervals: noise. */
  | 'within-noise'
  | 'missing-in-head'
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
  /** Rows that fail the gate: regressions, heap that rose, checks or scenarios gone. */
  regressions: CompareRow[];
}

/** Heap slopes must also differ by this much (B per connection) to count as a rise. */
export const HEAP_TOLERANCE = 256;

const failing = (v: CheckVerdict | undefined) => v === 'fail' || v === 'error';

/**
 * Compares two reports check by check. A check that passed in the base and fails now is a
 * regression; a heap slope is a regression only when the head's 95 % interval lies wholly
 * above the base's (and by more than HEAP_TOLERANCE), so noise is not; a scenario or check
 * present in the base and missing now is reported and fails the gate (a gate that quietly
 * stops checking is no gate); one that is new is reported.
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
      rows.push({ scenario: name, meter: '(scenario)', head: h.verdict, status: 'new-in-head' });
      continue;
    }
    if (h.verdict === 'error' && b.verdict !== 'error') {
      rows.push({ scenario: name, meter: '(scenario)', base: b.verdict, head: `error: ${h.error?.message ?? ''}`, status: 'regressed' });
      continue;
    }
    const meters = [...new Set([...b.checks.map((c) => c.meter), ...h.checks.map((c) => c.meter)])];
    for (const meter of meters) rows.push(compareCheck(name, meter, b.checks.find((c) => c.meter === meter), h.checks.find((c) => c.meter === meter)));
  }
  return { rows, regressions: rows.filter((r) => r.status === 'regressed' || r.status === 'heap-rose' || r.status === 'missing-in-head') };
}

function compareCheck(scenario: string, meter: string, b: Check | undefined, h: Check | undefined): CompareRow {
  if (!h) return { scenario, meter, base: describe(b!), status: 'missing-in-head' };
  if (!b) return { scenario, meter, head: describe(h), status: 'new-in-head' };
  const row = { scenario, meter, base: describe(b), head: describe(h) };
  if (!failing(b.verdict) && failing(h.verdict)) return { ...row, status: 'regressed' };
  if (failing(b.verdict) && !failing(h.verdict)) return { ...row, status: 'fixed' };
  if (meter === 'heap' && b.ci95 && h.ci95 && b.bytesPerConnection !== undefined && h.bytesPerConnection !== undefined) {
    if (h.ci95[0] > b.ci95[1] && h.bytesPerConnection - b.bytesPerConnection > HEAP_TOLERANCE) return { ...row, status: 'heap-rose' };
    if (h.bytesPerConnection !== b.bytesPerConnection) return { ...row, status: 'within-noise' };
  }
  return { ...row, status: 'same' };
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
  lines.push('', n === 0 ? 'No regressions.' : `${n} regression${n === 1 ? '' : 's'}.`);
  return lines.join('\n');
}
