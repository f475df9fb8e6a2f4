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
      processWarm: results.some((r) => r.decision !== undefined),
    });
}
