import type { Check, Report, ScenarioResult } from '../report/report.ts';

/** One line per scenario for stderr: its verdict and, on failure, what leaked and where. */
export function formatScenarioLine(result: ScenarioResult): string {
  const mark = result.verdict === 'pass' ? 'PASS ' : result.verdict === 'fail' ? 'FAIL ' : 'ERROR';
  const head = `  ${mark} ${result.name.padEnd(15)} ${String(result.connections).padStart(5)} conns ${(result.durationMs / 1000).toFixed(1).padStart(5)} s`;
  if (result.error) return `${head}  ${result.error.phase}: ${result.error.message}`;
  const failed = result.checks.filter((c) => c.verdict === 'fail' || c.verdict === 'error');
  const heap = result.checks.find((c) => c.meter === 'heap' && c.bytesPerConnection !== undefined);
  const tail = failed.length ? failed.map(describeCheck).join('; ') : heap ? `heap ${signed(heap.bytesPerConnection!)} B/conn` : '';
  return tail ? `${head}  ${tail}` : head;
}

export function describeCheck(check: Check): string {
  if (check.meter === 'heap') return check.reason ?? `heap ${check.bytesPerConnection} B/conn`;
  if (check.reason && check.leaked === undefined) return `${check.meter}: ${check.reason}`;
  const what = `${check.meter} +${check.leaked ?? (check.final ?? 0) - (check.baseline ?? 0)}`;
  const sites = (check.sites ?? [])
    .slice(0, 3)
    .map((s) => `${s.count} × ${s.kind ?? s.event ?? ''} at ${s.site}${s.via ? ` via ${s.via[0]}` : ''}`.replace(' ×  at', ' at'));
  const more = (check.sites?.length ?? 0) > 3 ? ` and ${check.sites!.length - 3} more sites` : '';
  return sites.length ? `${what} (${sites.join(', ')}${more})` : what;
}

export function formatRunLine(report: Report, reportPath: string): string {
  const failed = report.scenarios.filter((s) => s.verdict !== 'pass').length;
  const verdict = report.interrupted
    ? 'interrupted'
    : report.verdict === 'pass'
      ? `pass (${report.scenarios.length} scenarios)`
      : `${report.verdict} (${failed} of ${report.scenarios.length} scenarios did not pass)`;
  return `sse-soak: ${verdict} in ${(report.durationMs / 1000).toFixed(1)} s; report ${reportPath}`;
}

const signed = (n: number) => (n >= 0 ? `+${Math.round(n)}` : `${Math.round(n)}`);
