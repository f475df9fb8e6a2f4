import { heapFigure } from '../report/describe-check.ts';
import { scenarioFindings } from '../report/describe-scenario.ts';
import type { Report, ScenarioResult } from '../report/report.ts';
import { describeStall } from '../verdict/stall-check.ts';
import type { Paint } from './colour.ts';

/** One line per scenario for stderr: its verdict and, on failure, what leaked and where. */
export function formatScenarioLine(result: ScenarioResult, paint: Paint = (t) => t): string {
  const mark =
    result.verdict === 'pass' ? paint('PASS ', 'green') : result.verdict === 'fail' ? paint('FAIL ', 'red') : paint('ERROR', 'yellow');
  const head = `  ${mark} ${result.name.padEnd(15)} ${String(result.connections).padStart(5)} conns ${(result.durationMs / 1000).toFixed(1).padStart(5)} s`;
  const { problems, skipped, notApplicable, undecided } = scenarioFindings(result);
  const heap = result.checks.find((c) => (c.meter === 'heap' || c.meter === 'heap-growth') && c.bytesPerConnection !== undefined);
  const parts = problems.length ? [...problems, ...undecided] : heap ? [heapFigure(heap)] : [];
  // stalled-reader's pass says how: the server closed the stalled streams, or held nothing for them.
  const stall = problems.length ? undefined : result.checks.find((c) => c.meter === 'stall' && c.verdict === 'pass');
  const stallLine = stall && describeStall(stall);
  if (stallLine) parts.push(stallLine);
  // Turned off by --skip-check, or by another flag that says so in its reason (soak's --no-churn).
  const byFlag = result.checks.filter((c) => skipped.includes(c.meter) && c.reason && !c.reason.startsWith('turned off (--skip-check'));
  const bySkipCheck = skipped.filter((m) => !byFlag.some((c) => c.meter === m));
  if (bySkipCheck.length) parts.push(paint(`skipped: ${bySkipCheck.join(', ')} (--skip-check)`, 'yellow'));
  for (const c of byFlag) parts.push(paint(`skipped: ${c.meter} (${c.reason})`, 'yellow'));
  if (notApplicable.length) parts.push(paint(`n/a: ${notApplicable.join(', ')}`, 'dim'));
  const notes = (result.notes ?? []).map((n) => `\n        note: ${n}`).join('');
  return `${parts.length ? `${head}  ${parts.join('; ')}` : head}${notes}`;
}

export function formatRunLine(report: Report, reportPath: string): string {
  const failed = report.scenarios.filter((s) => s.verdict !== 'pass').length;
  const n = report.scenarios.length;
  const verdict = report.interrupted
    ? 'interrupted'
    : report.verdict === 'pass'
      ? `pass (${n} scenario${n === 1 ? '' : 's'})`
      : `${report.verdict} (${failed} of ${report.scenarios.length} scenarios did not pass)`;
  return `sse-soak: ${verdict} in ${(report.durationMs / 1000).toFixed(1)} s; report ${reportPath}`;
}
