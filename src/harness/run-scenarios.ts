import { InterruptedError, NotApplicableError } from '../errors/scenario-error.ts';
import type { Omitted, ScenarioResult } from '../report/report.ts';
import type { ConnectionScenario, Scenario } from '../scenario/scenario.ts';
import { type ConnectionScenarioEnv, runConnectionScenario } from './run-connection-scenario.ts';
import type { TargetHome } from './target-home.ts';
import { coreMeters, finalizeScenario } from '../verdict/check-policy.ts';
import { addCrossScenarioNotes } from '../verdict/cross-scenario-notes.ts';
import type { RunProgress } from './progress.ts';
import { manyPublisher } from './publish-paced.ts';

/**
 * Runs the selected scenarios in order, whatever the target's home (in-process or a
 * command): a progress event before and after each, the check policy on each result, and an
 * interrupt honoured between scenarios. Pushes into `results` as it goes, so that what
 * completed is reported even when a later scenario throws; resolves with whether the run was
 * interrupted. After each result, the notes that take two scenarios to say are added.
 */
export async function runScenarios(
  selected: readonly Scenario[],
  results: ScenarioResult[],
  runOne: (scenario: Scenario) => Promise<ScenarioResult>,
  options: {
    signal?: AbortSignal;
    onProgress?: (event: RunProgress) => void;
    skip: ReadonlySet<string>;
    /** The @hono/node-server that serves the target in-process, for the notes that depend on it. */
    adapterVersion?: string;
    /** Where a scenario that turned out not to apply is recorded (the report's `omitted`). */
    omitted?: Omitted[];
  },
): Promise<boolean> {
  for (const scenario of selected) {
    if (options.signal?.aborted) return true;
    options.onProgress?.({ type: 'scenario-start', scenario: scenario.name });
    let result: ScenarioResult;
    try {
      result = await runOne(scenario);
    } catch (error) {
      if (error instanceof InterruptedError) return true;
      if (error instanceof NotApplicableError) {
        const omitted = { scenario: scenario.name, reason: error.reason };
        options.omitted?.push(omitted);
        options.onProgress?.({ type: 'scenario-omitted', omitted });
        continue;
      }
      throw error;
    }
    result = finalizeScenario(result, coreMeters[scenario.kind], options.skip);
    results.push(result);
    addCrossScenarioNotes(results, options.adapterVersion);
    options.onProgress?.({ type: 'scenario-end', result });
  }
  return false;
}

/**
 * Runs a connection scenario against a target wherever it lives, with what the run shares
 * between its scenarios; a scenario after one that measured warms up its own paths only.
 */
export function connectionScenarioOn(
  home: TargetHome,
  shared: Omit<ConnectionScenarioEnv, 'target' | 'served' | 'readings' | 'processWarm'>,
  results: readonly ScenarioResult[],
): (scenario: ConnectionScenario) => Promise<ScenarioResult> {
  return (scenario) =>
    runConnectionScenario(scenario, {
      ...shared,
      target: home.target,
      served: home.served ?? { url: home.url, port: home.port },
      readings: home.readings,
      publishMany: manyPublisher(home.target.publish, home.command),
      ...(home.heapUnmeasurable ? { heapUnmeasurable: home.heapUnmeasurable } : {}),
      processWarm: results.some((r) => r.decision !== undefined),
    });
}

/** How a run learns that its target's process died, and what it then says. */
export interface CrashProbe {
  /**
   * Whether the target's process died, and how, in one line: `when` is `during <scenario>`
   * (after it ran: `result` is what it returned, undefined when it was stopped for the crash)
   * or `before <scenario>` (`result` undefined, nothing waited for).
   */
  died(scenario: Scenario, when: string, result?: ScenarioResult): Promise<{ code: string; message: string } | undefined>;
  /** The error of a scenario not started because the process died `when`. */
  notRun(when: string): { code: string; message: string };
}

/**
 * A run's scenarios once the target's process may die under them: the scenario it died in
 * (or before) is an error saying how, not the connection errors that followed; every later
 * one an error saying it was not run, without being started. The scenarios' own errors otherwise.
 */
export function stopAfterCrash(
  runOne: (scenario: Scenario) => Promise<ScenarioResult>,
  probe: CrashProbe,
): (scenario: Scenario) => Promise<ScenarioResult> {
  let died: string | undefined;
  return async (scenario) => {
    const started = performance.now();
    const failed = (error: { code: string; message: string }, phase: string, connections = 0): ScenarioResult => ({
      name: scenario.name,
      verdict: 'error',
      connections,
      durationMs: Math.round(performance.now() - started),
      checks: [],
      error: { ...error, phase },
    });
    if (died !== undefined) return failed(probe.notRun(died), 'setup');
    const before = await probe.died(scenario, `before ${scenario.name}`);
    if (before) {
      died = `before ${scenario.name}`;
      return failed(before, 'setup');
    }
    const during = `during ${scenario.name}`;
    let result: ScenarioResult;
    try {
      result = await runOne(scenario);
    } catch (error) {
      const how = error instanceof InterruptedError ? await probe.died(scenario, during) : undefined;
      if (!how) throw error;
      died = during;
      return failed(how, 'measure');
    }
    const how = await probe.died(scenario, during, result);
    if (!how) return result;
    died = during;
    return failed(how, result.error?.phase ?? 'measure', result.connections);
  };
}
