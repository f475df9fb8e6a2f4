import { describeCheck, heapFigure, undecidedInterval } from './describe-check.ts';
import type { ScenarioResult } from './report.ts';

/**
 * What a reader must see about a scenario besides its verdict, in order: why it could not
 * complete, what failed or could not measure, what was skipped and why, and a heap slope
 * the sequential test left undecided at the cap (a pass with no leak shown, none ruled out). Shared by the
 * terminal line and every reporter, so that none of them shows a pass it cannot back.
 */
export function scenarioFindings(s: ScenarioResult): {
  problems: string[];
  skipped: string[];
  notApplicable: string[];
  undecided: string[];
} {
  const problems: string[] = [];
  // An unmeasured check is named by the check itself below; any other error stands alone.
  if (s.error && s.error.code !== 'SSE_SOAK_UNMEASURED') problems.push(`${s.error.phase}: ${s.error.message}`);
  for (const c of s.checks) if (c.verdict === 'fail' || c.verdict === 'error') problems.push(describeCheck(c));
  const skipped = s.checks.filter((c) => c.verdict === 'skipped' && c.skippedBy === 'user').map((c) => c.meter);
  const notApplicable = s.checks.filter((c) => c.verdict === 'skipped' && c.skippedBy !== 'user').map((c) => c.meter);
  // A pass the heap test could not decide at the cap: shown, as a skipped check is.
  const undecided = s.checks.filter((c) => undecidedInterval(c)).map((c) => heapFigure(c));
  return { problems, skipped, notApplicable, undecided };
}
