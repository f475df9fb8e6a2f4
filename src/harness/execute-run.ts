import { serveModule, type TargetHome, unfitScenarios } from './target-home.ts';
import { ClientThread } from '../clients/client-thread.ts';
import { inTarget } from '../meters/async-owner.ts';
import path from 'node:path';
import { TargetError, UsageError } from '../errors/soak-error.ts';
import { ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import { TimerMeter } from '../meters/timer-meter.ts';
import type { ReferenceOptions } from '../reference/app.ts';
import { reportEnvelope } from '../report/environment.ts';
import type { Omitted, Report, ScenarioResult } from '../report/report.ts';
import { checkAgainstSchemaUnderTest } from '../report/validate-report.ts';
import { releaseTarget } from './release-target.ts';
import type { PreparedProcess, ProcessScenarioEnv, Scenario } from '../scenario/scenario.ts';
import type { serveTarget } from '../server/serve-target.ts';
import { type LoadedTarget, loadTarget, messageOf, normaliseSpec } from '../target/load-target.ts';
import type { Target, TargetFactory } from '../target/target.ts';
import { validateTarget } from '../target/validate-target.ts';
import { type AdapterChoice, adapterChoices, type ResolvedAdapter } from '../server/resolve-adapter.ts';
import { preflight } from './preflight.ts';
import { RequestSource } from './request-source.ts';
import { countLines, TargetConsole } from './target-console.ts';
import { assertMeasurable } from './measurable.ts';
import { validateSkipChecks } from '../verdict/check-policy.ts';
import { runVerdict } from '../verdict/verdicts.ts';
import { type RunSettings, referenceRunOptions } from './defaults.ts';
import type { RunProgress } from './progress.ts';
import { resolveSettings } from './resolve-settings.ts';
import { CrashWatch } from './crash-watch.ts';
import { connectionScenarioOn, runScenarios, stopAfterCrash } from './run-scenarios.ts';

export interface RunOptions {
  /**
   * `reference[:variant]`, a module path, or a target object (the library API);
   * `reference:fixed` by default.
   */
  target?: string | Target | TargetFactory;
  /**
   * With a target object: the module that exports it, for `sigterm` (which loads the target
   * again in a child process). Without it, `sigterm` is left out of the default scenarios.
   */
  module?: string;
  /** Which @hono/node-server serves the target (default `auto`: the target project's, else ours). */
  adapter?: AdapterChoice;
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
  /**
   * Checks turned off on purpose (`timers`, `process-listeners`, `sockets`, `heap`,
   * `gauges` or `gauge:<name>`, `exit`, `streams-ended`): reported as skipped everywhere.
   */
  skipChecks?: readonly string[];
  /**
   * Where the target's console output goes while it runs (and the sigterm child's output).
   * Without it, the console is left as it is.
   */
  output?: (text: string) => void;
  /** When the run counts as started (the report's `startedAt`); now by default. */
  startedAt?: Date;
}

/**
 * Runs the selected scenarios against one target and returns the report. Never prints,
 * never exits: the CLI does that. Usage errors (unknown scenario, bad setting, missing or
 * invalid target module) are thrown before anything starts.
 */
export async function executeRun(all: readonly Scenario[], options: RunOptions = {}): Promise<Report> {
  const startedAt = options.startedAt ?? new Date();
  const started = performance.now();
  const settings = resolveSettings(options.settings);
  const skip = new Set(validateSkipChecks(options.skipChecks ?? []));
  const cwd = options.cwd ?? process.cwd();
  const given = options.target ?? 'reference';
  const isObject = typeof given !== 'string';
  const childSpec = isObject ? options.module : normaliseSpec(given);
  const spec = isObject ? (options.module ?? 'object') : normaliseSpec(given);
  const selected = selectScenarios(
    isObject && !childSpec && !options.scenarios ? all.filter((s) => s.kind !== 'process') : all,
    options.scenarios,
  );
  if (isObject && !childSpec && selected.some((s) => s.kind === 'process')) {
    throw new UsageError("scenario 'sigterm' loads the target again in a child process: pass `module` (the target module's path)", {
      code: 'SSE_SOAK_SIGTERM_NEEDS_MODULE',
    });
  }
  const adapterChoice = options.adapter ?? 'auto';
  if (!adapterChoices.includes(adapterChoice)) {
    throw new UsageError(`adapter must be one of ${adapterChoices.join(', ')}, got '${String(adapterChoice)}'`, {
      code: 'SSE_SOAK_BAD_SETTING',
    });
  }
  assertMeasurable(selected, settings, skip);
  const reference = { ...referenceRunOptions, ...options.reference };

  // The target's output, in-process and from the sigterm child, counted once on its way out.
  let outputLines = 0;
  const sink = options.output;
  const output = sink
    ? (text: string) => {
        outputLines += countLines(text);
        sink(text);
      }
    : undefined;
  const targetConsole = new TargetConsole();
  const restoreConsole = targetConsole.install(output);
  // What the target throws and nothing catches stops the run instead of ending sse-soak
  // (installed before the meters: these two listeners are the harness's).
  const crashes = new CrashWatch(options.signal, cwd);
  const stopWatching = crashes.install();
  // Meters before the target loads, so that timers its module creates have known sites.
  const timers = new TimerMeter().enable();
  const listeners = new ProcessListenerMeter().enable();
  const listenersBefore = listeners.sample();
  let loaded: LoadedTarget | undefined;
  let adapter: ResolvedAdapter | undefined;
  let served: Awaited<ReturnType<typeof serveTarget>> | undefined;
  const results: ScenarioResult[] = [];
  let interrupted = false;
  const prepared = new Map<string, PreparedProcess>();
  let requests: RequestSource | undefined;
  let home: TargetHome | undefined;
  let omitted: Omitted[] = [];
  let runnable: Scenario[] = selected;
  let found: Pick<Report['target'], 'request' | 'establishment'> = {};
  // The clients' thread boots while the target loads.
  const clients = selected.some((s) => s.kind === 'connections' && s.clients !== 'in-process') ? new ClientThread() : undefined;
  try {
    loaded = isObject
      ? await targetFromObject(given, childSpec ? path.resolve(cwd, childSpec) : undefined)
      : await loadTarget(spec, { cwd, reference });
    home = await serveModule(loaded, adapterChoice, { timers, listeners });
    ({ adapter, served } = home);
    omitted = omittedFor(loaded.target, selected, options.scenarios);
    runnable = selected.filter((s) => !omitted.some((o) => o.scenario === s.name));
    requests = new RequestSource(loaded.target.request, home.url);
    const { establish, establishment } = await preflight(
      home.subject,
      loaded.target,
      home.url + loaded.target.path,
      requests,
      settings.connectionTimeoutMs,
      () => targetConsole.errors,
    );
    found = { request: requests.shape(), establishment };
    options.onProgress?.({
      type: 'run-start',
      target: loaded.name,
      ...home.serving,
      scenarios: runnable.map((s) => s.name),
      path: loaded.target.path,
      ...found,
      ...(omitted.length ? { omitted } : {}),
    });
    const processEnv: ProcessScenarioEnv = {
      spec: childSpec!,
      target: { path: loaded.target.path, firstEvent: loaded.target.firstEvent },
      cwd,
      reference,
      adapter: adapterChoice,
      settings,
      signal: crashes.signal,
      output,
      request: loaded.target.request,
      establish,
    };
    // A process scenario's child boots in its own process while the in-process ones run.
    for (const s of runnable) if (s.kind === 'process' && s.prepare && childSpec) prepared.set(s.name, s.prepare(processEnv));
    const onHome = connectionScenarioOn(
      home,
      { settings, signal: crashes.signal, onProgress: options.onProgress, skip, clients, requests, establish },
      results,
    );
    interrupted = await runScenarios(
      runnable,
      results,
      stopAfterCrash(
        (scenario) =>
          scenario.kind === 'connections' ? onHome(scenario) : scenario.run(processEnv, takePrepared(prepared, scenario.name)),
        crashes.probe,
      ),
      // pre-aborted runs before aborted-request: the note is there when the line is printed.
      { signal: options.signal, onProgress: options.onProgress, skip, adapterVersion: adapter?.version, omitted },
    );
  } finally {
    await Promise.all([...prepared.values()].map((p) => p.stop()));
    await clients?.stop();
    await requests?.reset();
    await releaseTarget({ loaded, served, timers, listeners, listenersBefore });
    stopWatching();
    restoreConsole();
  }

  const report: Report = {
    ...reportEnvelope(startedAt, started),
    target: {
      ...(home ? home.report(spec) : { name: loaded?.name ?? spec, source: spec }),
      ...(found.request ? { request: found.request } : {}),
      ...(found.establishment ? { establishment: found.establishment } : {}),
    },
    settings: { ...settings, skipChecks: [...skip], reference: spec.startsWith('reference:') ? reference : undefined },
    ...(outputLines > 0 ? { targetOutputLines: outputLines } : {}),
    ...(omitted.length ? { omitted } : {}),
    verdict: runVerdict(results, interrupted),
    ...(interrupted ? { interrupted: true } : {}),
    scenarios: results,
  };
  return checkAgainstSchemaUnderTest(report);
}

async function targetFromObject(value: Target | TargetFactory, modulePath: string | undefined): Promise<LoadedTarget> {
  let resolved: unknown = value;
  if (typeof value === 'function') {
    try {
      resolved = await inTarget('module', () => value());
    } catch (error) {
      throw new TargetError(`target: its factory threw: ${messageOf(error)}`, { code: 'SSE_SOAK_FACTORY_THREW', cause: error });
    }
  }
  const target = validateTarget(resolved, 'object');
  return { target, name: target.name ?? 'target', source: modulePath ?? 'object', modulePath };
}

export function selectScenarios(all: readonly Scenario[], names: readonly string[] | undefined): Scenario[] {
  if (!names || names.length === 0) return all.filter((s) => !s.optIn);
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scenario ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${all.map((s) => s.name).join(', ')})`, {
      code: 'SSE_SOAK_UNKNOWN_SCENARIO',
    });
  }
  // Run order is the catalogue's, whatever order they were named in; duplicates run once.
  return all.filter((s) => names.includes(s.name));
}

/**
 * Scenarios this target is known, before the run, not to take part in, with why: a node:http
 * listener has no fetch handler for `aborted-request`; the rest is `unfitScenarios` (reconnect
 * on a POST stream). Left out of a run; asked for by name, a usage error. (server-close on a
 * target with no `end` finds out by trying whether its streams end by themselves.)
 */
function omittedFor(target: Target, selected: readonly Scenario[], asked: readonly string[] | undefined): Omitted[] {
  const why: Omitted[] = [];
  if (target.listener && selected.some((s) => s.name === 'aborted-request'))
    why.push({
      scenario: 'aborted-request',
      reason: 'the target is a node:http listener, with no fetch handler to give an aborted Request (pre-aborted covers the wire)',
    });
  why.push(
    ...unfitScenarios(
      target,
      selected.map((s) => s.name),
    ),
  );
  const refused = why.find((o) => asked?.includes(o.scenario));
  if (refused) throw new UsageError(`scenario '${refused.scenario}' cannot run: ${refused.reason}`, { code: 'SSE_SOAK_NOT_APPLICABLE' });
  return why;
}

function takePrepared(prepared: Map<string, PreparedProcess>, name: string): PreparedProcess | undefined {
  const p = prepared.get(name);
  prepared.delete(name);
  return p;
}
