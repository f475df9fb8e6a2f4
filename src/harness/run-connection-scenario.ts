import { ClientPool } from '../clients/client-pool.ts';
import { InterruptedError, NotApplicableError, type Phase, ScenarioError } from '../errors/scenario-error.ts';
import { SoakError } from '../errors/soak-error.ts';
import { inHarness } from '../meters/async-owner.ts';
import { type ClientThread, setUpScenario, threadContext } from '../clients/client-thread.ts';
import { runWave } from './run-wave.ts';
import type { Check, ScenarioDecision, ScenarioResult } from '../report/report.ts';
import type { ConnectionScenario, ProbeContext, ScenarioContext, ScenarioResources } from '../scenario/scenario.ts';
import type { ServedTarget } from '../server/serve-target.ts';
import { GroupSequentialBoundary } from '../stats/group-sequential.ts';
import { plannedInformation, type SequentialLook, sequentialLook, slopeInformation } from '../stats/sequential-slope.ts';
import type { Point } from '../stats/theil-sen.ts';
import type { Target } from '../target/target.ts';
import { unmeasured } from '../verdict/count-check.ts';
import { heapCheck, MIN_HEAP_SAMPLES } from '../verdict/heap-check.ts';
import { turnedOffCheck } from '../verdict/check-policy.ts';
import { scenarioVerdict } from '../verdict/verdicts.ts';
import type { RunSettings } from './defaults.ts';
import { HeapCadence } from './heap-cadence.ts';
import { type HeapSample, heapSeries } from '../meters/heap-meter.ts';
import { type Readings, waitForSockets } from './readings.ts';
import type { RequestSource } from './request-source.ts';
import type { Establish } from '../clients/wire-request.ts';
import type { RunProgress } from './progress.ts';
import { drainInFlight, settle } from './settle.ts';

export interface ConnectionScenarioEnv {
  target: Target;
  /** Where the target is served, and (in-process only) its server's tally of how requests ended. */
  served: Pick<ServedTarget, 'url' | 'port'> & { tally?: ServedTarget['tally'] };
  /** The measured process's meters: this one's, or a command target's agent. */
  readings: Readings;
  settings: RunSettings;
  signal?: AbortSignal;
  onProgress?: (event: RunProgress) => void;
  /** Checks the user turned off: a scenario does not wait for a skipped heap check to decide. */
  skip?: ReadonlySet<string>;
  /** An earlier scenario of this run warmed the process up: this one warms up its own paths only. */
  processWarm?: boolean;
  /** Where the clients run when the scenario allows it: out of the measured isolate. */
  clients?: ClientThread;
  /** What each connection sends (the target's `request`). */
  requests: RequestSource;
  /** When a stream counts as established (the preflight found out). */
  establish: Establish;
  /** Why the heap cannot be judged here (a cluster worker's share of the connections): the check errs with it, and no sample is taken. */
  heapUnmeasurable?: string;
  /** Publishes many of the target's events (src/harness/publish-paced.ts, manyPublisher); undefined without a publish. */
  publishMany?: ((count: number) => Promise<void>) | undefined;
}

/**
 * Runs one connection scenario: warm-up, baseline, measured waves with heap samples
 * between them, settle, final sample, checks. Clears the timers the scenario leaked once
 * they are counted, so that the next scenario is measured on its own.
 */
export async function runConnectionScenario(scenario: ConnectionScenario, env: ConnectionScenarioEnv): Promise<ScenarioResult> {
  const started = performance.now();
  const { settings, served, readings, target } = env;
  const counters: Record<string, number> = {};
  let phase: Phase = 'setup';
  let resources: ScenarioResources | undefined;
  let pool = new ClientPool();
  let measured = 0;
  const origin = { host: '127.0.0.1', port: served.port, path: target.path, url: served.url + target.path };
  const base = { origin, target, settings, count: (stat: string, n = 1) => (counters[stat] = (counters[stat] ?? 0) + n) };
  const result = (verdict: ScenarioResult['verdict'], checks: Check[], extra: Partial<ScenarioResult> = {}): ScenarioResult => ({
    name: scenario.name,
    verdict,
    connections: measured,
    durationMs: Math.round(performance.now() - started),
    checks,
    ...extra,
  });
  try {
    const { requests: source, establish } = env;
    const thread = scenario.clients === 'in-process' ? undefined : env.clients;
    resources = await setUpScenario(
      scenario,
      thread,
      () => threadContext({ url: origin.url, origin, target, settings, establish, request: source.fixed }),
      async () => inHarness(() => scenario.setup?.({ ...base, establish, openRequest: () => source.next() })),
    );
    const probeChecks = scenario.probe
      ? await probe(scenario, { ...base, establish, openRequest: () => source.next(), readings }, env)
      : [];
    const url = resources?.url ? resources.url + target.path : origin.url;
    const concurrency = scenario.concurrency ?? settings.concurrency;
    const inThread = threadContext({ url, origin, target, settings, establish, request: source.fixed });
    const wave = async (first: number, size: number) => {
      if (env.signal?.aborted) throw new InterruptedError();
      const requests = await source.batch(size);
      if (!thread) {
        const request = (i: number) => requests?.[i - first] ?? source.fixed!;
        const ctx: ScenarioContext = { ...base, url, pool, request, establish };
        return runWave((i) => inHarness(() => scenario.connect(ctx, i)), first, size, settings.connectionTimeoutMs);
      }
      const counts = await thread.wave(scenario.name, inThread, first, size, requests);
      for (const [stat, n] of Object.entries(counts)) base.count(stat, n);
    };
    const waves = async (total: number, size = concurrency) => {
      for (let done = 0; done < total; done += size) await wave(done, Math.min(size, total - done));
    };
    const newPool = async () => {
      await pool.close();
      pool = new ClientPool();
      await Promise.all([thread?.resetPool(), source.reset()]);
    };
    thread?.callsFor(target);
    // Nothing in flight: the server's sockets closed, and the one-shot timers that gone
    // connections' handlers still await (due within `horizonMs`) fired.
    const quiet = async (socketsMs: number, horizonMs: number, maxMs: number) => {
      await waitForSockets(readings, 0, socketsMs);
      await drainInFlight(() => readings.pendingInConnections(), { horizonMs, maxMs });
    };

    phase = 'warmup';
    const warmup = env.processWarm ? Math.min(settings.warmup, settings.scenarioWarmup) : settings.warmup;
    // A warm process warms up this scenario's own paths in one wave (of at most 100): its waves are sized for
    // the heap samples, and a warm-up takes none (idle-kill's 50 in two waves of 25 cost two
    // idle timeouts). The process's first warm-up keeps the scenario's waves: the JIT's first
    // compilations follow what the measured waves will do.
    await waves(warmup, env.processWarm ? Math.max(concurrency, Math.min(warmup, WARMUP_WAVE_MAX)) : concurrency);
    // DOMAIN.md: one throwaway wave before the baseline, on the pool the measurement uses,
    // so that the first measured sample does not carry the new pool's and the JIT's one-off
    // allocations (300 to 400 KB here, a whole KiB per connection at 400 connections). A
    // pool in the client thread allocates in the thread's heap: no wave needed.
    await newPool();
    await waves(warmup > 0 && !thread ? concurrency : 0);
    await quiet(settings.settleMs, DRAIN_HORIZON_MS, DRAIN_MAX_MS);

    // The measuring code's own allocations come before the baseline: an in-process target's
    // heap is sse-soak's too, and compiling the statistics and making their objects at the
    // first sample and the first look raised those by 11.5 and 17.9 KB (measured).
    const cap = settings.connections;
    // No time budget: a sample after every wave (up to heapSamples over the cap) is what
    // lets the sequential test decide early and keeps a 2 KiB leak from an undecided pass.
    // With the budget of a third of the time (11 samples), clean-close's noise left a 2 KiB
    // retention undecided at the cap under CPU contention; simulated, the power to see 2 KiB
    // at that noise is 85 % with 11 samples and 99 % with 21, and the run is no slower,
    // because the more samples there are, the sooner it decides.
    const cadence = HeapCadence.for(cap, settings.heapSamples, concurrency, 1);
    const boundary = new GroupSequentialBoundary(plannedInformation(cap, cadence.every));
    warmMeasuringCode(settings.heapLimitBytesPerConnection);

    phase = 'baseline';
    const baseline = await readings.snapshot();
    // A heap check the user turned off takes no sample: each is two forced full collections
    // (about 12 ms each here), and what it found would be reported as skipped anyway. The
    // counts never waited for them: their baseline and settled readings come before.
    const heapOn = !env.skip?.has('heap') && !env.heapUnmeasurable;
    let heapSamples = 0;
    const sampleHeap = async (first = false) => {
      if (!heapOn) return undefined;
      const heap = await readings.heap({ thorough: true, first });
      if (heap) heapSamples++;
      return heap;
    };
    const firstHeap = await sampleHeap(true);
    // The series as sampled; its points are read from all of it (heapSeries: a sample is read
    // again once the next one is in).
    const samples: { x: number; heap: HeapSample }[] = firstHeap ? [{ x: 0, heap: firstHeap }] : [];
    let points: Point[] = [];
    const readPoints = (tail: HeapSample[] = []) => {
      const ys = heapSeries([...samples.map((s) => s.heap), ...tail]);
      points = samples.map((s, i) => ({ x: s.x, y: ys[i]! }));
    };
    readPoints();
    const tallyBefore = { ...served.tally };
    const statsBefore = { ...(await resources?.stats?.()) };
    for (const key of Object.keys(counters)) delete counters[key];
    await resources?.measuring?.();

    phase = 'measure';
    const waitForHeap = firstHeap !== undefined;
    const minConnections = Math.min(cap, settings.minConnections);
    let look: SequentialLook | undefined;
    let stopped: ScenarioDecision['reason'] = 'cap';
    const measureStart = performance.now();
    while (measured < cap) {
      const size = Math.min(concurrency, cap - measured);
      await wave(measured, size);
      measured += size;
      env.onProgress?.({ type: 'progress', scenario: scenario.name, done: measured, total: cap });
      if (waitForHeap && cadence.due(measured, performance.now())) {
        const start = performance.now();
        // Nothing in flight: a client's keep-alive sockets (undici keeps them 50 ms) hold
        // server-side state, and how many are left varies from wave to wave by ±150 KB. The
        // thread's pool is closed rather than waited for. Then what the handlers still await
        // for a few ms (the adapter's deferred cleanup timers hold each request's objects).
        await Promise.all([thread?.resetPool(), source.reset()]);
        await quiet(QUIET_MS, SAMPLE_DRAIN_MS, 2 * SAMPLE_DRAIN_MS);
        const heap = await sampleHeap();
        if (heap) {
          samples.push({ x: measured, heap });
          readPoints();
        }
        cadence.took(measured, start, performance.now());
        // A crossed boundary is the test's decision: later samples do not revisit it.
        if (points.length >= MIN_HEAP_SAMPLES && (!look || look.decision === 'undecided')) {
          const at = boundary.next(slopeInformation(points.map((p) => p.x)), measured >= cap);
          look = sequentialLook(points, settings.heapLimitBytesPerConnection, at);
        }
      }
      if (measured >= cap || measured < minConnections) continue;
      if (!waitForHeap) {
        stopped = 'counts';
        break;
      }
      if (look && look.decision !== 'undecided') {
        stopped = 'decided';
        break;
      }
    }
    const decision: ScenarioDecision = {
      connections: measured,
      cap,
      reason: stopped,
      heap: waitForHeap ? (look?.decision ?? 'undecided') : 'not-measured',
      heapSamples: 0,
    };
    const measureMs = performance.now() - measureStart;
    await newPool();

    phase = 'settle';
    const settled = await settle(() => readings.snapshot(), baseline, settings);
    const settledHeap = await sampleHeap();
    decision.heapSamples = heapSamples;
    // The settled sample comes after the last one of the series: it is that one's next.
    if (settledHeap) readPoints([settledHeap]);

    const stats: Record<string, number> = { ...counters };
    for (const [key, value] of Object.entries(served.tally ?? {}))
      stats[`server.${key}`] = value - (tallyBefore[key as keyof typeof tallyBefore] ?? 0);
    for (const [key, value] of Object.entries((await resources?.stats?.()) ?? {})) stats[key] = value - (statsBefore[key] ?? 0);
    stats.measureMs = Math.round(measureMs);
    stats.settleMs = settled.waitedMs;

    const checks = [
      ...(await readings.checks(baseline, settled.snapshot)),
      env.skip?.has('heap')
        ? turnedOffCheck('heap')
        : env.heapUnmeasurable
          ? unmeasured('heap', env.heapUnmeasurable)
          : points.length > 0
            ? heapCheck(points, settings.heapLimitBytesPerConnection, settledHeap && { x: measured, y: settledHeap.usedBytes }, look)
            : heapUnmeasured(),
      ...((await resources?.checks?.({ connections: measured, stats })) ?? []),
      ...probeChecks,
    ];
    await readings.clearLeakedTimers(baseline);
    const notes = (await resources?.notes?.({ connections: measured, stats })) ?? [];
    return result(scenarioVerdict(checks, false), checks, { stats, decision, ...(notes.length ? { notes } : {}) });
  } catch (error) {
    if (error instanceof InterruptedError || error instanceof NotApplicableError) throw error;
    const soak = error instanceof SoakError ? error : undefined;
    return result('error', [], {
      error: {
        code: soak?.code ?? 'SSE_SOAK_SCENARIO',
        message: error instanceof Error ? error.message : String(error),
        phase: error instanceof ScenarioError ? error.phase : phase,
      },
    });
  } finally {
    await pool.close();
    await resources?.close();
  }
}

/**
 * Runs the scenario's probe, unless the user turned off every check it makes: those are
 * then reported as skipped without the probe's time being spent.
 */
async function probe(scenario: ConnectionScenario, ctx: Omit<ProbeContext, 'publishMany'>, env: ConnectionScenarioEnv): Promise<Check[]> {
  const meters = scenario.probeMeters ?? [];
  if (meters.length > 0 && meters.every((m) => env.skip?.has(m))) return meters.map((meter) => turnedOffCheck(meter));
  const publishMany = env.publishMany;
  return inHarness(() => scenario.probe!({ ...ctx, ...(publishMany ? { publishMany } : {}) }));
}

/** The largest one-wave warm-up of a warm process: a larger `scenarioWarmup` goes in waves of this. */
const WARMUP_WAVE_MAX = 100;

let measuringCodeWarm = false;

/**
 * Runs the heap series' statistics once per process on a made-up series (a look, the check,
 * the series' reading), so that V8 compiles them (bytecode, feedback, scope information, all
 * in the heap an in-process target shares) before a scenario's baseline, not between two of
 * its samples. Nothing it makes is kept.
 */
function warmMeasuringCode(limit: number): void {
  if (measuringCodeWarm) return;
  measuringCodeWarm = true;
  const points = Array.from({ length: MIN_HEAP_SAMPLES }, (_, i) => ({ x: i * 20, y: 1e7 + i * 1_000 + (i % 3) * 300 }));
  const trial = new GroupSequentialBoundary(plannedInformation(400, 20));
  const look = sequentialLook(points, limit, trial.next(slopeInformation(points.map((p) => p.x))));
  heapCheck(points, limit, { x: 160, y: 1e7 }, look);
  heapSeries([
    { usedBytes: 1e7, codeBytes: 0, objectBytes: 1e7, metadataBytes: 0 },
    { usedBytes: 1e7, codeBytes: 0, objectBytes: 1e7, metadataBytes: 0 },
  ]);
}

/** The longest a heap sample waits for the wave's sockets to close. */
const QUIET_MS = 250;
/**
 * Before the baseline: the warm-up's handlers that still await a step due within the
 * horizon (DOMAIN.md's setup awaits are swept up to 50 ms) are let finish, for at most the
 * maximum. A keepalive loop's last sleep is longer and is not waited for.
 */
const DRAIN_HORIZON_MS = 60;
const DRAIN_MAX_MS = 120;
/** Before each heap sample, a shorter wait: it runs after every wave. */
const SAMPLE_DRAIN_MS = 20;

function heapUnmeasured(): Check {
  return unmeasured('heap', 'a full GC cannot be forced in this runtime');
}
