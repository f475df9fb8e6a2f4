import { describeCheck } from '../report/describe-check.ts';
import type { Check, Report, ScenarioResult } from '../report/report.ts';

const xmlEscape = (s: string) =>
  s
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // XML 1.0 forbids most control characters even when escaped.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** Sites and numbers of a check, as the body of its <failure>. */
function evidence(check: Check): string {
  const lines = [describeCheck(check)];
  for (const s of check.sites ?? []) {
    lines.push(`  ${s.count} × ${s.kind ?? s.event ?? ''} at ${s.site}${s.via?.length ? ` (via ${s.via.join(' < ')})` : ''}`);
  }
  if (check.baseline !== undefined) lines.push(`baseline ${check.baseline}, final ${check.final}, limit ${check.limit}`);
  return lines.join('\n');
}

function testcase(scenario: ScenarioResult, check: Check): string {
  const open = `    <testcase classname="sse-soak.${xmlEscape(scenario.name)}" name="${xmlEscape(check.meter)}" time="0">`;
  switch (check.verdict) {
    case 'fail':
      return `${open}\n      <failure message="${xmlEscape(describeCheck(check))}" type="leak">${xmlEscape(evidence(check))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}\n      <error message="${xmlEscape(check.reason ?? 'error')}" type="error"/>\n    </testcase>`;
    case 'skipped':
      return `${open}\n      <skipped message="${xmlEscape(check.reason ?? 'skipped')}"/>\n    </testcase>`;
    default:
      // A pass with something to say (a heap slope undecided at the cap, or given back after the settle).
      return check.reason
        ? `${open}\n      <system-out>${xmlEscape(check.reason)}</system-out>\n    </testcase>`
        : `    <testcase classname="sse-soak.${xmlEscape(scenario.name)}" name="${xmlEscape(check.meter)}" time="0"/>`;
  }
}

/**
 * The report as JUnit XML, the common subset that GitHub (test-reporter actions), GitLab
 * (artifacts:reports:junit) and Jenkins (junit step) read: one <testsuite> per scenario,
 * one <testcase> per check, <failure> with the evidence, <skipped> with the reason; a
 * scenario that could not complete is one <testcase name="scenario"> with an <error>.
 */
export function toJunit(report: Report): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const s of report.scenarios) {
    // A scenario that could not complete is one error case; one whose checks could not all
    // measure lists its checks, the unmeasured ones as <error>.
    const error = s.error?.code === 'SSE_SOAK_UNMEASURED' ? undefined : s.error;
    const incomplete = error !== undefined;
    const cases = incomplete
      ? [
          `    <testcase classname="sse-soak.${xmlEscape(s.name)}" name="scenario" time="${seconds(s.durationMs)}">\n      <error message="${xmlEscape(`${error!.phase}: ${error!.message}`)}" type="${xmlEscape(error!.code)}"/>\n    </testcase>`,
        ]
      : s.checks.map((c) => testcase(s, c));
    const f = s.checks.filter((c) => c.verdict === 'fail').length;
    const e = incomplete ? 1 : s.checks.filter((c) => c.verdict === 'error').length;
    const k = s.checks.filter((c) => c.verdict === 'skipped').length;
    const n = incomplete ? 1 : s.checks.length;
    tests += n;
    failures += f;
    errors += e;
    skipped += k;
    suites.push(
      `  <testsuite name="sse-soak ${xmlEscape(s.name)}" tests="${n}" failures="${f}" errors="${e}" skipped="${k}" time="${seconds(s.durationMs)}" timestamp="${report.startedAt.replace(/Z$/, '')}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="sse-soak ${xmlEscape(report.target.name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(report.durationMs)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
