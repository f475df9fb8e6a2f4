import { UsageError } from '../errors/soak-error.ts';
import type { Check, ScenarioResult } from '../report/report.ts';
import { scenarioVerdict } from './verdicts.ts';

/**
 * The checks that must measure for a scenario to pass: without them a pass would say
 * nothing. A core check that is missing or could not measure makes its scenario `error`.
 */
export const coreMeters = {
  connections: ['timers', 'process-listeners', 'sockets', 'heap'],
  process: ['exit', 'streams-ended', 'timers', 'process-listeners', 'sockets'],
} as const satisfies Record<string, readonly string[]>;

/** The soak's core checks: its heap trend and the counts after it. */
export const soakCoreMeters = ['heap-growth', 'timers', 'process-listeners', 'sockets'] as const;

/** What `--skip-check` accepts: a core meter, `gauges` (all of them) or `gauge:<name>`. */
export const skippableMeters = [
  'timers',
  'process-listeners',
  'sockets',
  'heap',
  'gauges',
  'exit',
  'streams-ended',
  'stall',
  'held-stream-growth',
] as const;

export function validateSkipChecks(names: readonly string[]): string[] {
  const bad = names.filter((n) => !(skippableMeters as readonly string[]).includes(n) && !/^gauge:.+/.test(n));
  if (bad.length) {
    throw new UsageError(
      `--skip-check: unknown check ${bad.map((b) => `'${b}'`).join(', ')} (known: ${skippableMeters.join(', ')}, gauge:<name>)`,
      {
        code: 'SSE_SOAK_BAD_SETTING',
      },
    );
  }
  return [...new Set(names)];
}

const turnedOff = (meter: string, skip: ReadonlySet<string>) => skip.has(meter) || (meter.startsWith('gauge:') && skip.has('gauges'));

/** A check the user turned off, by the flag's name for it (`heap`, `gauges`...). */
export const turnedOffCheck = (meter: string, flag = meter): Check => ({
  meter,
  verdict: 'skipped',
  skippedBy: 'user',
  reason: `turned off (--skip-check ${flag})`,
});

/**
 * The policy for checks that did not measure, applied to every scenario's checks:
 * - a check the user turned off is `skipped` ("turned off by --skip-check"), whatever it found;
 * - a core check that is missing, or `skipped` for any reason but "does not apply", is an
 *   `error` with that reason: it should have measured and could not;
 * - a check skipped because it does not apply (no gauges defined) stays skipped.
 * Pure; the scenario's verdict follows from the result (scenarioVerdict).
 */
export function applyCheckPolicy(checks: readonly Check[], core: readonly string[], skip: ReadonlySet<string>): Check[] {
  const out: Check[] = checks.map((c) => {
    // A check turned off by another flag (soak's --no-churn) keeps the reason that says which.
    if (c.verdict === 'skipped' && c.skippedBy === 'user' && turnedOff(c.meter, skip)) return c;
    if (turnedOff(c.meter, skip)) return turnedOffCheck(c.meter, skip.has(c.meter) ? c.meter : 'gauges');
    if (c.verdict === 'skipped' && c.skippedBy !== 'not-applicable' && core.includes(c.meter)) {
      return { ...c, verdict: 'error', reason: `could not measure: ${c.reason ?? 'no reason given'}` };
    }
    return c;
  });
  for (const meter of core) {
    if (out.some((c) => c.meter === meter)) continue;
    out.push(
      turnedOff(meter, skip) ? turnedOffCheck(meter) : { meter, verdict: 'error', reason: 'could not measure: no reading was taken' },
    );
  }
  return out;
}

/**
 * A scenario whose checks include an error has verdict `error` and says why in `error`, as
 * one that could not complete does (the report schema requires it).
 */
export function unmeasuredError(checks: readonly Check[]): ScenarioResult['error'] | undefined {
  const errors = checks.filter((c) => c.verdict === 'error');
  if (errors.length === 0) return undefined;
  return { code: 'SSE_SOAK_UNMEASURED', message: errors.map((c) => `${c.meter}: ${c.reason ?? 'error'}`).join('; '), phase: 'measure' };
}

/**
 * A scenario's result with the policy applied: its checks as applyCheckPolicy makes them,
 * its verdict recomputed from them, and an `error` that says which core check did not measure.
 */
export function finalizeScenario(result: ScenarioResult, core: readonly string[], skip: ReadonlySet<string>): ScenarioResult {
  // A scenario that could not complete has no checks to hold to the policy; its error stands.
  if (result.error) return { ...result, verdict: 'error' };
  const checks = applyCheckPolicy(result.checks, core, skip);
  const error = unmeasuredError(checks);
  return { ...result, verdict: scenarioVerdict(checks, false), checks, ...(error ? { error } : {}) };
}
