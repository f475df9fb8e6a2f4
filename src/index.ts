/**
 * sse-soak's library API. Nothing here prints or exits: `run` returns the report object,
 * so a test in the user's own repository can assert on it.
 *
 * This entry stays light (no hono, undici or adapter at import time): config and target
 * files import `defineConfig` / `defineTarget` from it, and a TypeScript file that tsx
 * compiles to CommonJS would otherwise load a second copy of undici, whose web classes
 * then refuse to construct ("Illegal constructor").
 */
import type { RunOptions } from './harness/execute-run.ts';
import type { Report } from './report/report.ts';

export { defineTarget } from './target/target.ts';
export type { RequestContext, RequestFactory, StreamRequest, Target, TargetFactory } from './target/target.ts';
export { defineConfig } from './config/sse-soak-config.ts';
export type { SoakConfig, SseSoakConfig } from './config/sse-soak-config.ts';
export type { RunOptions } from './harness/execute-run.ts';
export type { RunSettings } from './harness/defaults.ts';
export { defaultSettings } from './harness/defaults.ts';
export type { RunProgress } from './harness/progress.ts';
export type { Check, CheckVerdict, Establishment, Report, RequestShape, ScenarioResult, SiteCount, Verdict } from './report/report.ts';
export { REPORT_SCHEMA_VERSION } from './report/report.ts';
export { writeReport } from './report/write-report.ts';
export { exitCodeFor } from './verdict/verdicts.ts';
export { SoakError, TargetError, UsageError } from './errors/soak-error.ts';

/** The scenario names, in the order a run takes them. */
export const scenarioNames: readonly string[] = ['clean-close', 'socket-destroy', 'idle-kill', 'pre-aborted', 'aborted-request', 'sigterm'];

/**
 * Runs the disconnect scenarios against a target (a target object, a factory, a module
 * path or `reference[:variant]`) and resolves with the report. Usage errors reject with a
 * `UsageError` before anything starts; a target that cannot be served rejects with a
 * `TargetError`.
 */
export async function run(options: RunOptions = {}): Promise<Report> {
  const [{ executeRun }, { scenarios }] = await Promise.all([import('./harness/execute-run.ts'), import('../scenarios/index.ts')]);
  return executeRun(scenarios, options);
}
