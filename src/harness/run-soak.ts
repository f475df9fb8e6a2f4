import os from 'node:os';
import { InterruptedError } from '../errors/scenario-error.ts';
import { UsageError } from '../errors/soak-error.ts';
import { ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import { TimerMeter } from '../meters/timer-meter.ts';
import { packageInfo, packageRoot } from '../package-info.ts';
import type { ReferenceOptions } from '../reference/app.ts';
import { resolvePackage } from '../report/package-versions.ts';
import { REPORT_SCHEMA_VERSION, type Report, type ScenarioResult } from '../report/report.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { serveTarget } from '../server/serve-target.ts';
import { type LoadedTarget, loadTarget, normaliseSpec } from '../target/load-target.ts';
import { runVerdict } from '../verdict/verdicts.ts';
import { type RunSettings, referenceRunOptions } from './defaults.ts';
import { MeterSet } from './meter-set.ts';
import type { RunProgress } from './progress.ts';
import { resolveSettings } from './resolve-settings.ts';
import { runConnectionScenario } from './run-connection-scenario.ts';

export interface RunOptions {
  /** `reference[:variant]` or a module path; `reference:fixed` by default. */
  target?: string;
  /** Scenario names; all of them by default. */
  scenarios?: readonly string[];
  settings?: Partial<RunSettings>;
  /** Where module paths resolve from. */
  cwd?: string;
  /** Options of the reference server, over the run's defaults (1 s keepalive, 5 ms setup). */
  reference?: ReferenceOptions;
  /** Abort to stop between waves; the report then says `interrupted`. */
  signal?: AbortSignal;
  onProgress?: (event: RunProgress) => void;
}

/**
 * Runs the selected scenarios against one target and returns the report. Never prints,
 * never exits: the CLI does that. Usage errors (unknown scenario, bad setting, missing or
 * invalid target module) are thrown before anything starts.
 */
export async function runSoak(all: readonly Scenario[], options: RunOptions = {}): Promise<Report> {
  const startedAt = new Date();
  const started = performance.now();
  const settings = resolveSettings(options.settings);
  const selected = selectScenarios(all, options.scenarios);
  const cwd = options.cwd ?? process.cwd();
  const spec = normaliseSpec(options.target ?? 'reference');
  const reference = { ...referenceRunOptions, ...options.reference };

  // Meters before the target loads, so that timers its module creates have known sites.
  const timers = new TimerMeter().enable();
  const listeners = new ProcessListenerMeter().enable();
  const listenersBefore = listeners.sample();
  let loaded: LoadedTarget | undefined;
  let served: Awaited<ReturnType<typeof serveTarget>> | undefined;
  const results: ScenarioResult[] = [];
  let interrupted = false;
  try {
    loaded = await loadTarget(spec, { cwd, reference });
    served = await serveTarget(loaded.target);
    const meters = new MeterSet(timers, listeners, loaded.target.gauges, served.openSockets);
    options.onProgress?.({
      type: 'run-start',
      target: loaded.name,
      adapter: resolvePackage('@hono/node-server', packageRoot)?.version,
      scenarios: selected.map((s) => s.name),
    });
    for (const scenario of selected) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      options.onProgress?.({ type: 'scenario-start', scenario: scenario.name });
      let result: ScenarioResult;
      try {
        result =
          scenario.kind === 'connections'
            ? await runConnectionScenario(scenario, {
                target: loaded.target,
                served,
                meters,
                settings,
                signal: options.signal,
                onProgress: options.onProgress,
              })
            : await scenario.run({ spec, cwd, reference, settings, signal: options.signal });
      } catch (error) {
        if (!(error instanceof InterruptedError)) throw error;
        interrupted = true;
        break;
      }
      results.push(result);
      options.onProgress?.({ type: 'scenario-end', result });
    }
  } finally {
    try {
      await loaded?.target.close?.();
    } catch {
      // The target's close() failing after the run changes no verdict already taken.
    }
    await served?.close();
    timers.clearTargetTimers();
    timers.disable();
    listeners.removeAddedSince(listenersBefore);
    listeners.disable();
  }

  const adapter = resolvePackage('@hono/node-server', packageRoot);
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'sse-soak', version: packageInfo.version },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: os.availableParallelism(),
      packages: packageVersions(),
    },
    target: {
      name: loaded?.name ?? spec,
      source: spec,
      ...(adapter ? { adapter: { name: '@hono/node-server', version: adapter.version } } : {}),
    },
    settings: { ...settings, reference: spec.startsWith('reference:') ? reference : undefined },
    verdict: runVerdict(results, interrupted),
    ...(interrupted ? { interrupted: true } : {}),
    scenarios: results,
  };
  return report;
}

export function selectScenarios(all: readonly Scenario[], names: readonly string[] | undefined): Scenario[] {
  if (!names || names.length === 0) return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scenario ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${all.map((s) => s.name).join(', ')})`, {
      code: 'SSE_SOAK_UNKNOWN_SCENARIO',
    });
  }
  // Run order is the catalogue's, whatever order they were named in; duplicates run once.
  return all.filter((s) => names.includes(s.name));
}

function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['hono', '@hono/node-server', 'undici', 'eventsource']) {
    const found = resolvePackage(name, packageRoot);
    if (found) out[name] = found.version;
  }
  return out;
}
