import { setTimeout as sleep } from 'node:timers/promises';
import { scenarios } from '../../scenarios/index.ts';
import { ClientPool } from '../clients/client-pool.ts';
import type { HttpStream } from '../clients/http-stream.ts';
import { UsageError } from '../errors/soak-error.ts';
import { defaultSettings, referenceRunOptions } from '../harness/defaults.ts';
import { MeterSet } from '../harness/meter-set.ts';
import { preflight } from '../harness/preflight.ts';
import { settle } from '../harness/settle.ts';
import { sampleHeap } from '../meters/heap-meter.ts';
import { ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import { TimerMeter } from '../meters/timer-meter.ts';
import { packageInfo } from '../package-info.ts';
import type { ReferenceOptions } from '../reference/app.ts';
import { reportEnvironment } from '../report/environment.ts';
import { REPORT_SCHEMA_VERSION, type Report } from '../report/report.ts';
import { openEstablished } from '../scenario/establish.ts';
import type { ConnectionScenario, ScenarioContext, ScenarioResources } from '../scenario/scenario.ts';
import { type AdapterChoice, resolveAdapter } from '../server/resolve-adapter.ts';
import { type ServedTarget, serveTarget } from '../server/serve-target.ts';
import { type LoadedTarget, loadTarget, normaliseSpec } from '../target/load-target.ts';
import { scenarioVerdict } from '../verdict/verdicts.ts';
import { growthCheck } from './growth-verdict.ts';
import { defaultSoakSettings, mixSchedule, type SoakSettings } from './soak-options.ts';
import type { SoakSample } from './soak-sample.ts';

export interface SoakRunOptions {
  target?: string;
  cwd?: string;
  adapter?: AdapterChoice;
  reference?: ReferenceOptions;
  settings?: Partial<SoakSettings>;
  signal?: AbortSignal;
  onSample?: (sample: SoakSample) => void;
}

/** A soak's report: the run report's shape (one scenario, `soak`) plus the time series. */
export interface SoakReport extends Report {
  kind: 'soak';
  series: SoakSample[];
}

/**
 * Continuous churn in a mix of disconnect kinds while long-lived streams stay open and
 * receive published events; a sample after a forced GC every `sampleEvery` connections;
 * a verdict on the heap's trend; and the count meters before and after, as in `run`.
 * Bounded by duration and count; an aborted signal stops it with the report still made.
 */
export async function runSoakChurn(options: SoakRunOptions = {}): Promise<SoakReport> {
  const settings: SoakSettings = { ...defaultSoakSettings, ...options.settings };
  const connectionScenarios = scenarios.filter((s): s is ConnectionScenario => s.kind === 'connections');
  for (const name of Object.keys(settings.mix)) {
    if (!connectionScenarios.some((s) => s.name === name)) throw new UsageError(`unknown disconnect kind '${name}'`, { code: 'SSE_SOAK_BAD_SETTING' });
  }
  const schedule = mixSchedule(settings.mix).map((name) => connectionScenarios.find((s) => s.name === name)!);
  const startedAt = new Date();
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const spec = normaliseSpec(options.target ?? 'reference');
  const reference = { ...referenceRunOptions, ...options.reference };
  const runSettings = { ...defaultSettings };

  const timers = new TimerMeter().enable();
  const listeners = new ProcessListenerMeter().enable();
  const listenersBefore = listeners.sample();
  const series: SoakSample[] = [];
  const counts: Record<string, number> = {};
  const resources = new Map<string, ScenarioResources | undefined>();
  const pool = new ClientPool();
  const held: HttpStream[] = [];
  let publisher: NodeJS.Timeout | undefined;
  let interrupted = false;
  let failure: { message: string; kind: string } | undefined;
  let loaded: LoadedTarget | undefined;
  let served: ServedTarget | undefined;
  try {
    // Inside the try: a target that fails to load must not leave the meters hooked in.
    loaded = await loadTarget(spec, { cwd, reference });
    const adapter = await resolveAdapter(options.adapter ?? 'auto', loaded.modulePath);
    served = await serveTarget(loaded.target, { adapter: adapter.create });
    await preflight(loaded.name, loaded.target, served.url + loaded.target.path, runSettings.connectionTimeoutMs);
    const meters = new MeterSet(timers, listeners, loaded.target.gauges, served.openSockets);
    const origin = { host: '127.0.0.1', port: served.port, path: loaded.target.path, url: served.url + loaded.target.path };
    const base = { origin, target: loaded.target, settings: runSettings, count: (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n) };
    for (const s of new Set(schedule)) resources.set(s.name, await s.setup?.(base));
    const ctxFor = (s: ConnectionScenario): ScenarioContext => ({
      ...base,
      url: resources.get(s.name)?.url ? resources.get(s.name)!.url + origin.path : origin.url,
      pool,
    });
    const contexts = new Map(connectionScenarios.map((s) => [s.name, ctxFor(s)]));

    const baseline = meters.snapshot();
    const heldCtx = { ...ctxFor(schedule[0]!), url: origin.url };
    for (let i = 0; i < settings.open; i++) held.push(await openEstablished(heldCtx));
    const publish = loaded.target.publish;
    if (publish && settings.open > 0) {
      publisher = setInterval(() => void Promise.resolve(publish()).catch(() => {}), settings.publishEveryMs);
    }

    let next = 0;
    let done = 0;
    let sampling: Promise<void> | undefined;
    let nextSample = 0;
    const deadline = started + settings.durationMs;
    const stop = () => interrupted || failure !== undefined || next >= settings.connections || performance.now() >= deadline;
    const sample = async () => {
      timers.prune();
      const heap = await sampleHeap();
      const snap = meters.snapshot();
      const mem = process.memoryUsage();
      const point: SoakSample = {
        t: Math.round(performance.now() - started),
        connections: done,
        heapUsed: heap?.usedBytes ?? mem.heapUsed,
        code: heap?.codeBytes ?? 0,
        rss: mem.rss,
        external: mem.external,
        arrayBuffers: mem.arrayBuffers,
        timers: snap.timers.length,
        gauges: snap.gauges,
        sockets: snap.sockets,
      };
      series.push(point);
      options.onSample?.(point);
    };
    const onAbort = () => (interrupted = true);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) interrupted = true;
    await sample();
    nextSample = settings.sampleEvery;
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (!stop()) {
          const i = next++;
          const scenario = schedule[i % schedule.length]!;
          try {
            await scenario.connect(contexts.get(scenario.name)!, i);
          } catch (error) {
            failure ??= { message: error instanceof Error ? error.message : String(error), kind: scenario.name };
            return;
          }
          done++;
          if (done >= nextSample && !sampling) {
            nextSample += settings.sampleEvery;
            sampling = sample().finally(() => (sampling = undefined));
            await sampling;
          }
        }
      }),
    );
    options.signal?.removeEventListener('abort', onAbort);
    await sampling;
    // No sample after the churn stops: with nothing in flight the heap is lower, a step
    // the trend would read as a plateau.
    clearInterval(publisher);
    for (const s of held) s.disconnect('fin');
    await pool.close();
    const settled = await settle(() => meters.snapshot(), baseline, runSettings);

    const growth = growthCheck(
      series.map((s) => ({ x: s.connections, y: s.heapUsed })),
      settings.growth,
    );
    const checks = [growth, ...meters.checks(baseline, settled.snapshot)];
    const verdict = failure ? 'error' : scenarioVerdict(checks, false);
    const durationMs = Math.round(performance.now() - started);
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      kind: 'soak',
      tool: { name: 'sse-soak', version: packageInfo.version },
      startedAt: startedAt.toISOString(),
      durationMs,
      environment: reportEnvironment(),
      target: { name: loaded.name, source: spec, adapter: { name: '@hono/node-server', version: adapter.version, origin: adapter.origin } },
      settings: { ...settings, connections: settings.connections === Number.MAX_SAFE_INTEGER ? null : settings.connections },
      verdict: interrupted ? 'error' : verdict,
      ...(interrupted ? { interrupted: true } : {}),
      scenarios: [
        {
          name: 'soak',
          verdict,
          connections: done,
          durationMs,
          checks,
          stats: {
            ...counts,
            connectionsPerSecond: Math.round(done / (durationMs / 1000)),
            heldStreams: held.length,
            heldStreamEvents: held.reduce((a, s) => a + s.events.count, 0),
            samples: series.length,
            settleMs: settled.waitedMs,
          },
          ...(failure ? { error: { code: 'SSE_SOAK_SCENARIO', message: `${failure.kind}: ${failure.message}`, phase: 'measure' } } : {}),
        },
      ],
      series,
    };
  } finally {
    clearInterval(publisher);
    for (const s of held) s.disconnect('fin');
    await pool.close();
    for (const r of resources.values()) await r?.close();
    try {
      await loaded?.target.close?.();
    } catch {
      // Nothing left to judge.
    }
    await served?.close();
    timers.clearTargetTimers();
    timers.disable();
    listeners.removeAddedSince(listenersBefore);
    listeners.disable();
    await sleep(0);
  }
}
