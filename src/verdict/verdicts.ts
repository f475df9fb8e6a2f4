import type { Check, Report, ScenarioResult, Verdict } from '../report/report.ts';

/** A scenario errs when it could not complete, fails when any check failed. */
export function scenarioVerdict(checks: readonly Check[], errored: boolean): Verdict {
  if (errored || checks.some((c) => c.verdict === 'error')) return 'error';
  return checks.some((c) => c.verdict === 'fail') ? 'fail' : 'pass';
}

export function runVerdict(scenarios: readonly ScenarioResult[], interrupted = false): Verdict {
  // Nothing measured (every scenario asked for turned out not to apply) is no pass.
  if (interrupted || scenarios.length === 0 || scenarios.some((s) => s.verdict === 'error')) return 'error';
  return scenarios.some((s) => s.verdict === 'fail') ? 'fail' : 'pass';
}

/**
 * CONTRACTS.md exit status. An interrupted run is 130 whatever it found; a scenario that
 * could not complete (3) outranks a leak (1), since the run's verdict is then incomplete.
 */
export function exitCodeFor(report: Pick<Report, 'verdict' | 'interrupted' | 'scenarios'>): number {
  if (report.interrupted) return 130;
  if (report.scenarios.some((s) => s.verdict === 'error')) return 3;
  return report.verdict === 'fail' ? 1 : report.verdict === 'error' ? 3 : 0;
}
