import { unfitScenarios } from '../harness/target-home.ts';
import { type CommandTargetOptions, commandHome, serveModule, type TargetHome } from '../harness/target-home.ts';
import path from 'node:path';
import { type CommandSession, startCommand } from '../command/command-session.ts';
import { writeSnapshot } from './heap-snapshots.ts';
import type { MeterSnapshot } from '../harness/meter-snapshot.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { scenarios } from '../../scenarios/index.ts';
import { ClientPool } from '../clients/client-pool.ts';
import { ClientThread, setUpScenario, threadContext } from '../clients/client-thread.ts';
import { StreamHolder } from '../clients/stream-holder.ts';
import { NotApplicableError } from '../errors/scenario-error.ts';
import { UsageError } from '../errors/soak-error.ts';
import { type RunSettings, referenceRunOptions } from '../harness/defaults.ts';
import { resolveSettings } from '../harness/resolve-settings.ts';
import { preflight } from '../harness/preflight.ts';
import { RequestSource } from '../harness/request-source.ts';
import type { WireRequest } from '../clients/wire-request.ts';
import type { RunStartInfo } from '../harness/progress.ts';
import { releaseTarget } from '../harness/release-target.ts';
import { settle } from '../harness/settle.ts';
import { inHarness, inNewTargetChain } from '../meters/async-owner.ts';
import { ProcessListenerMeter } from '../meters/process-listener-meter.ts';
import { TimerMeter } from '../meters/timer-meter.ts';
import type { ReferenceOptions } from '../reference/app.ts';
import { reportEnvelope } from '../report/environment.ts';
import type { Check, Omitted, ScenarioResult } from '../report/report.ts';
import { CrashWatch } from '../harness/crash-watch.ts';
import { checkAgainstSchemaUnderTest } from '../report/validate-report.ts';
import type { ConnectionScenario, ScenarioContext, ScenarioResources } from '../scenario/scenario.ts';
import type { AdapterChoice } from '../server/resolve-adapter.ts';
import type { ServedTarget } from '../server/serve-target.ts';
import { type LoadedTarget, loadTarget, messageOf, normaliseSpec } from '../target/load-target.ts';
import { finalizeScenario, soakCoreMeters } from '../verdict/check-policy.ts';
import { validateSkipChecks } from '../verdict/check-policy.ts';
import { TargetConsole } from '../harness/target-console.ts';
import { growthCheck } from '../verdict/growth-check.ts';
import { unmeasured } from '../verdict/count-check.ts';
import { manyPublisher } from '../harness/publish-paced.ts';
import { churnLeftBehind, heldStreamCheck, heldStreamSeries, probePlan } from './held-streams.ts';
import { type CapacityProbed, type CapacityStep, capacityReport, fdShortfall, openFileLimit } from './capacity.ts';
import { probeCapacity } from './capacity-probe.ts';
import type { SnapshotFile } from './heap-snapshots.ts';
import { leakRate } from './retainer-paths.ts';
import { SoakSnapshotter } from './soak-snapshotter.ts';
import { defaultSampleEvery, defaultSoakSettings, mixSchedule, type SoakSettings } from './soak-options.ts';
import type { SoakSample } from './soak-sample.ts';
import type { SoakReport } from './soak-report.ts';

export type { SoakReport, SoakSnapshots } from './soak-report.ts';
export type { CommandTargetOptions } from '../harness/target-home.ts';

/** What the soak's first line says. */
export type StartInfo = RunStartInfo;

export interface SoakRunOptions {
  target?: string;
  cwd?: string;
  adapter?: AdapterChoice;
  reference?: ReferenceOptions;
  settings?: Partial<SoakSettings>;
  /**
   * What the mix's kinds run with, as in `run` (a config file's `settings`: the idle-kill
   * proxy's timeout, the connection timeout, reconnect's rounds); validated, `run`'s defaults
   * for the rest.
   */
  scenarioSettings?: Partial<RunSettings>;
  signal?: AbortSignal;
  onSample?: (sample: SoakSample) => void;
  /**
   * Heap snapshots at the end of the warm-up and at the end, into `dir`, and their diff by
   * constructor in the report. Off unless given.
   */
  snapshots?: { dir: string; onWrite?: (file: SnapshotFile) => void };
  /** When the soak counts as started (the report's `startedAt`); now by default. */
  startedAt?: Date;
  /** Where the target's console output goes while it runs; without it the console is left as it is. */
  output?: (text: string) => void;
  /** Checks turned off on purpose, as in `run`. */
  skipChecks?: readonly string[];
  /** Once the target answers: what is soaked and on which adapter (the CLI's first line). */
  onStart?: (info: StartInfo) => void;
  /** Soak a user's server started as a command, instead of `target` (its agent answers for the meters and snapshots). */
  command?: CommandTargetOptions;
  /** After each step of the capacity probe (the --open streams opened in steps). */
  onCapacityStep?: (step: CapacityStep) => void;
}

/**
 * Continuous churn in a mix of disconnect kinds while long-lived streams stay open and
 * receive published events; a sample after a forced GC every `sampleEvery` connections;
 * a verdict on the heap's trend; and the count meters before and after, as in `run`.
 * Bounded by duration and count; an aborted signal stops it with the report still made.
 */
export async function executeSoak(options: SoakRunOptions = {}): Promise<SoakReport> {
  const settings: SoakSettings = {
    ...defaultSoakSettings,
    sampleEvery: defaultSampleEvery(options.settings?.connections ?? defaultSoakSettings.connections, options.settings?.growth),
    ...options.settings,
  };
  const connectionScenarios = scenarios.filter((s): s is ConnectionScenario => s.kind === 'connections');
  for (const name of Object.keys(settings.mix)) {
    if (!connectionScenarios.some((s) => s.name === name))
      throw new UsageError(`unknown disconnect kind '${name}'`, { code: 'SSE_SOAK_BAD_SETTING' });
  }
  let schedule = mixSchedule(settings.mix).map((name) => connectionScenarios.find((s) => s.name === name)!);
  const startedAt = options.startedAt ?? new Date();
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const spec = normaliseSpec(options.target ?? 'reference');
  const reference = { ...referenceRunOptions, ...options.reference };
  const runSettings = resolveSettings(options.scenarioSettings);

  const skip = new Set(validateSkipChecks(options.skipChecks ?? []));
  if (!settings.churn) {
    if (settings.open === 0) throw new UsageError('--no-churn needs streams to hold (--open above 0): there would be nothing to measure');
    if (options.snapshots)
      throw new UsageError(
        "heap snapshots are taken at the end of the churn's warm-up and at its end: there are none to take with --no-churn",
      );
    skip.add('heap-growth');
  }
  const targetConsole = new TargetConsole();
  const restoreConsole = targetConsole.install(options.output);
  // What an in-process target throws and nothing catches stops the churn (run's CrashWatch).
  const crashes = new CrashWatch(options.signal, cwd);
  const stopWatching = crashes.install();
  const timers = new TimerMeter().enable();
  const listeners = new ProcessListenerMeter().enable();
  const listenersBefore = listeners.sample();
  const series: SoakSample[] = [];
  const counts: Record<string, number> = {};
  const resources = new Map<string, ScenarioResources | undefined>();
  const pool = new ClientPool();
  let publisher: NodeJS.Timeout | undefined;
  let interrupted = false;
  let done = 0;
  // Set once the soak has started (its first line printed): from then on a target that dies is told in a report.
  let diedReport: ((died: { code: string; message: string }, connections: number) => SoakReport) | undefined;
  let failure: { message: string; kind: string } | undefined;
  let loaded: LoadedTarget | undefined;
  let served: ServedTarget | undefined;
  let requests: RequestSource | undefined;
  let session: CommandSession | undefined;
  let home: TargetHome | undefined;
  // A command's heap is snapshotted by its agent, in its own process.
  const snapshotter = options.snapshots
    ? new SoakSnapshotter(path.resolve(cwd, options.snapshots.dir), options.snapshots.onWrite, (dir, label, n) =>
        session ? session.readings.writeSnapshot(dir, label, n) : writeSnapshot(dir, label, n),
      )
    : undefined;
  const snapshots = snapshotter?.state;
  // The clients out of the measured isolate, as in `run` (src/clients/client-thread.ts); it
  // boots while the target loads.
  const thread = schedule.some((s) => s.clients !== 'in-process') ? new ClientThread() : undefined;
  // The --open streams' clients, in a process of their own: their file descriptors are not
  // the server's, and their memory is not what the capacity report reads per stream. Each of
  // the two processes is checked up front for the descriptors it will need.
  let holder: StreamHolder | undefined;
  try {
    if (settings.open > 0) {
      // The holder (a child with this process's limit) holds the clients' ends; an in-process
      // target's server holds the other ends here, with the churn's connections.
      const short = fdShortfall(
        settings.open,
        options.command ? 0 : 2 * settings.concurrency,
        openFileLimit(),
        options.command
          ? "the process that holds the streams' clients (it has sse-soak's limit)"
          : "sse-soak's process (it serves the target's streams)",
      );
      if (short) throw new UsageError(short, { code: 'SSE_SOAK_FD_LIMIT' });
      holder = new StreamHolder();
    }
    // Inside the try: a target that fails to load must not leave the meters hooked in.
    if (options.command) {
      session = await startCommand({
        argv: options.command.argv,
        cwd,
        listenTimeoutMs: options.command.listenTimeoutMs ?? 20_000,
        output: options.output,
        signal: options.signal,
      });
      home = commandHome(session, options.command);
    } else {
      loaded = await loadTarget(spec, { cwd, reference });
      home = await serveModule(loaded, options.adapter ?? 'auto', { timers, listeners });
      served = home.served;
    }
    const { target, name, url, port, readings, noFetch } = home;
    if (session && settings.open > 0) {
      const short = fdShortfall(
        settings.open,
        2 * settings.concurrency,
        openFileLimit(session.listening.pid),
        `the server's process (pid ${session.listening.pid})`,
      );
      if (short) throw new UsageError(short, { code: 'SSE_SOAK_FD_LIMIT' });
    }
    const omitted: Omitted[] =
      noFetch && schedule.some((s) => s.name === 'aborted-request') ? [{ scenario: 'aborted-request', reason: noFetch }] : [];
    if (omitted.length) schedule = schedule.filter((s) => s.name !== 'aborted-request');
    const [unfit] = unfitScenarios(
      target,
      schedule.map((s) => s.name),
    );
    if (unfit) throw new UsageError(`the mix's ${unfit.scenario} cannot run: ${unfit.reason}`, { code: 'SSE_SOAK_NOT_APPLICABLE' });
    const source = new RequestSource(target.request, url);
    requests = source;
    const { establish, establishment } = await preflight(
      home.subject,
      target,
      url + target.path,
      source,
      runSettings.connectionTimeoutMs,
      () => targetConsole.errors,
    );
    options.onStart?.({
      target: name,
      ...home.serving,
      ...(omitted.length ? { omitted } : {}),
      scenarios: [
        `soak (${Object.entries(settings.mix)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')})`,
      ],
      path: target.path,
      request: source.shape(),
      establishment,
    });
    const report = (soak: ScenarioResult, durationMs: number, extra: Pick<SoakReport, 'capacity' | 'snapshots'> = {}) =>
      checkAgainstSchemaUnderTest<SoakReport>({
        ...reportEnvelope(startedAt, started),
        durationMs,
        kind: 'soak',
        target: {
          ...home!.report(spec),
          ...(source.shape() ? { request: source.shape()! } : {}),
          establishment,
        },
        settings: {
          ...settings,
          skipChecks: [...skip],
          connections: settings.connections === Number.MAX_SAFE_INTEGER ? null : settings.connections,
        },
        verdict: interrupted ? 'error' : soak.verdict,
        ...(interrupted ? { interrupted: true } : {}),
        ...(omitted.length ? { omitted } : {}),
        scenarios: [soak],
        series,
        ...extra,
      });
    diedReport = (died, connections) => {
      const durationMs = Math.round(performance.now() - started);
      const error = { ...died, phase: 'measure' };
      return report(
        finalizeScenario({ name: 'soak', verdict: 'error', connections, durationMs, checks: [], error }, soakCoreMeters, skip),
        durationMs,
      );
    };
    const origin = { host: '127.0.0.1', port, path: target.path, url: url + target.path };
    const base = { origin, target, settings: runSettings, count: (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n) };
    for (const s of new Set(schedule)) {
      try {
        resources.set(
          s.name,
          await setUpScenario(
            s,
            thread,
            () => threadContext({ ...base, url: origin.url, establish, request: source.fixed }),
            async () => inHarness(() => s.setup?.({ ...base, establish, openRequest: () => source.next() })),
          ),
        );
      } catch (error) {
        // A kind of the mix that found, by trying, that it cannot apply: the mix is wrong.
        if (error instanceof NotApplicableError)
          throw new UsageError(`the mix's ${s.name} cannot run: ${error.reason}`, { code: 'SSE_SOAK_NOT_APPLICABLE' });
        throw error;
      }
    }
    const ctxFor = (s: ConnectionScenario, request: WireRequest | undefined): ScenarioContext => ({
      ...base,
      url: resources.get(s.name)?.url ? resources.get(s.name)!.url + origin.path : origin.url,
      pool,
      request: () => request ?? source.fixed!,
      establish,
    });
    const threadContexts = new Map(
      connectionScenarios.map((s) => [s.name, threadContext({ ...ctxFor(s, undefined), establish, request: source.fixed })]),
    );
    thread?.callsFor(target);
    const connect = async (scenario: ConnectionScenario, i: number) => {
      const made = await source.batch(1);
      if (!thread || scenario.clients === 'in-process') return inHarness(() => scenario.connect(ctxFor(scenario, made?.[0]), i));
      const n = await thread.wave(scenario.name, threadContexts.get(scenario.name)!, i, 1, made);
      for (const [k, v] of Object.entries(n)) counts[k] = (counts[k] ?? 0) + v;
    };

    const baseline = await readings.snapshot();
    const publish = target.publish;
    const publishMany = manyPublisher(publish, session);
    // The held streams, opened in steps with the capacity probe's readings at each.
    // With sse-soak's async hooks off in the measured process: what a stream costs there in
    // production (every promise kept alive costs more while a hook is on).
    let probed: CapacityProbed | undefined;
    if (holder) {
      await readings.hooks(false);
      try {
        probed = await probeCapacity({
          holder,
          readings,
          target: { url: origin.url, origin, settings: runSettings, establish },
          asked: settings.open,
          requests: async (n) => source.fixed ?? (await source.batch(n))!,
          ...(publishMany ? { publishOne: () => publishMany(1) } : {}),
          ...(options.onCapacityStep ? { onStep: options.onCapacityStep } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } finally {
        // A command's agent gone with its process cannot answer; the error that stopped the probe stands.
        await readings.hooks(true).catch(() => {});
      }
    }
    const heldStreams = probed?.steps.at(-1)?.open ?? 0;
    const heldChunks = async () => (holder ? holder.chunks() : 0);
    if (publish && heldStreams > 0) {
      publisher = setInterval(
        () => void Promise.resolve(inNewTargetChain('publish', () => publish())).catch(() => {}),
        settings.publishEveryMs,
      );
    }

    let next = 0;
    let inFlight = 0;
    let sampling: Promise<void> | undefined;
    let nextSample = 0;
    // While `paused` is set no connection starts: the warm-up snapshot waits for the ones
    // in flight to finish, so that it and the end snapshot see the same quiet state.
    let paused: Promise<void> | undefined;
    let drained: (() => void) | undefined;
    let warmupSnapshotAt: number | undefined;
    let pausedMs = 0;
    let warmupMeters: MeterSnapshot | undefined;
    // `let`: the warm-up snapshot's pause does not count against the duration.
    // The duration is the churn's: opening thousands of held streams in steps, with the
    // capacity probe's readings, does not eat into it.
    const churnFrom = performance.now();
    let deadline = churnFrom + settings.durationMs;
    const warmupEnds = {
      connections: settings.connections * settings.growth.warmupFraction,
      at: churnFrom + settings.durationMs * settings.growth.warmupFraction,
    };
    const stop = () =>
      interrupted ||
      failure !== undefined ||
      crashes.crashed() !== undefined ||
      next >= settings.connections ||
      performance.now() >= deadline;
    const sample = async () => {
      const heap = await readings.heap({});
      const snap = await readings.snapshot();
      const mem = await readings.memory();
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
        heldChunks: await heldChunks(),
      };
      series.push(point);
      options.onSample?.(point);
    };
    const warmupSnapshot = async () => {
      const pausedAt = performance.now();
      let resume!: () => void;
      paused = new Promise<void>((r) => (resume = r));
      if (inFlight > 0) await new Promise<void>((r) => (drained = r));
      drained = undefined;
      await sampling;
      warmupMeters = await readings.snapshot();
      await snapshotter?.take('warmup', done);
      // The growth verdict judges from the first sample after this point, so that the drain
      // and the snapshot, which may shift the heap once, fall in the warm-up.
      warmupSnapshotAt = series.length;
      pausedMs += performance.now() - pausedAt;
      deadline += performance.now() - pausedAt;
      paused = undefined;
      resume();
    };
    const onAbort = () => (interrupted = true);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) interrupted = true;
    await sample();
    nextSample = settings.sampleEvery;
    const churnStarted = performance.now();
    await Promise.all(
      Array.from({ length: settings.churn ? settings.concurrency : 0 }, async () => {
        while (!stop()) {
          if (paused) {
            await paused;
            continue;
          }
          const i = next++;
          const scenario = schedule[i % schedule.length]!;
          inFlight++;
          try {
            await connect(scenario, i);
          } catch (error) {
            failure ??= { message: messageOf(error), kind: scenario.name };
            return;
          } finally {
            if (--inFlight === 0) drained?.();
          }
          done++;
          if (
            snapshots &&
            warmupSnapshotAt === undefined &&
            !paused &&
            (done >= warmupEnds.connections || performance.now() >= warmupEnds.at)
          ) {
            await warmupSnapshot();
          }
          // Not once the churn is winding down: with fewer in flight the heap is lower.
          if (done >= nextSample && !sampling && !stop()) {
            nextSample += settings.sampleEvery;
            sampling = sample().finally(() => (sampling = undefined));
            try {
              await sampling;
            } catch (error) {
              // A command's server that died: its agent no longer answers (told below).
              failure ??= { message: messageOf(error), kind: scenario.name };
              return;
            }
          }
        }
      }),
    );
    const churnMs = performance.now() - churnStarted - pausedMs;
    options.signal?.removeEventListener('abort', onAbort);
    await sampling;
    // The target's process died under the churn (in-process: what it threw and nothing caught;
    // a command: its server exited): nothing more can be measured, and the report says why.
    const died =
      crashes.crashed() ??
      (failure && session
        ? await session.exited(`during the churn (${failure.kind})`).then((m) => m && { code: 'SSE_SOAK_SERVER_EXITED', message: m })
        : undefined);
    if (died) return diedReport(died, done);
    // No sample after the churn stops: with nothing in flight the heap is lower, a step
    // the trend would read as a plateau.
    // The end snapshot: churn over, nothing in flight, the held streams still open, as at
    // the warm-up snapshot; what grew between the two is what the churn left behind. It
    // waits first, up to `settleMs`, for the last clients' sessions to end: down to the
    // warm-up's timers, sockets and gauges.
    if (warmupMeters && !snapshots?.error) {
      await settle(() => readings.snapshot(), warmupMeters, { settleMs: runSettings.settleMs, settleMaxMs: runSettings.settleMs });
      await snapshotter?.take('end', done);
    }
    clearInterval(publisher);
    // Held-stream growth, apart from the churn: events published in steps to the held
    // streams (still open), then the same to no stream once they are gone (the control).
    const plan = probePlan(heldStreams);
    let heldProbe: Parameters<typeof heldStreamCheck>[0];
    // A server that left its churned streams behind feeds them every published event too:
    // the probe would write thousands of chunks to each (1,500 leaked streams made it a
    // minute), and the soak fails on them anyway. Live timers and gauges at the last sample
    // against the first (taken with the held streams open, before the churn), less what the
    // connections in flight at a sample hold.
    const leftBehind = churnLeftBehind(series, settings.concurrency);
    if (interrupted || failure) heldProbe = { skipped: 'the soak did not run to its end' };
    else if (leftBehind)
      heldProbe = {
        skipped: `the churn left the target's streams behind (${leftBehind}): every published event would be written to each of them too, so held-stream growth is measured on a server that releases its churned streams`,
      };
    else if (heldStreams === 0) heldProbe = { skipped: 'no stream was held open (--open 0)' };
    else if (!publishMany) heldProbe = { skipped: 'the target has no publish: nothing but its keepalives is written to the held streams' };
    else if (skip.has('held-stream-growth')) heldProbe = { skipped: 'turned off' };
    else {
      const held = { counts: () => holder!.counts(), streams: heldStreams };
      const series = () => inHarness(() => heldStreamSeries(readings, publishMany, held, plan.step, runSettings.connectionTimeoutMs));
      // What the target keeps per chunk, read with sse-soak's hooks off (as in production);
      // then, after a churn, with them on, as the churn's chunks were written: that is what
      // its samples hold per chunk, and what is taken off them.
      await readings.hooks(false);
      const points = await series().finally(() => readings.hooks(true));
      const underHooks = typeof points !== 'string' && settings.churn && done > 0 ? await series() : undefined;
      heldProbe =
        typeof points === 'string'
          ? { error: points }
          : {
              points,
              control: [],
              streams: heldStreams,
              events: plan.events,
              ...(typeof underHooks === 'object' ? { underHooks } : {}),
            };
    }
    await holder?.closeStreams();
    await pool.close();
    await Promise.all([thread?.resetPool(), source.reset()]);
    const settled = await settle(() => readings.snapshot(), baseline, runSettings);
    if ('points' in heldProbe && publishMany) {
      await readings.hooks(false);
      const control = await inHarness(() =>
        heldStreamSeries(readings, publishMany, undefined, plan.step, runSettings.connectionTimeoutMs),
      ).finally(() => readings.hooks(true));
      heldProbe = typeof control === 'string' ? { error: control } : { ...heldProbe, control };
    }
    const countChecks = await readings.checks(baseline, settled.snapshot);

    const heldCheck = heldStreamCheck(heldProbe, home.adapter && { version: home.adapter.version, origin: home.adapter.origin });
    // What the held streams grew by is taken off every sample before the churn is judged:
    // it is theirs, in proportion to the chunks written to them, not the churned connections'.
    const failed = heldCheck.verdict === 'fail';
    const perChunk = failed ? ((heldCheck.details!.bytesPerChunkUnderHooks ?? heldCheck.details!.bytesPerChunk) as number) : 0;
    const growth: Check = !settings.churn
      ? { meter: 'heap-growth', verdict: 'skipped', skippedBy: 'user', reason: 'no churn (--no-churn): a capacity run' }
      : home.heapUnmeasurable
        ? unmeasured('heap-growth', home.heapUnmeasurable)
        : growthCheck(
            series.map((s) => ({ x: s.connections, y: s.heapUsed - perChunk * (s.heldChunks ?? 0) })),
            settings.growth,
            { judgeFrom: warmupSnapshotAt },
          );
    if (perChunk > 0 && settings.churn)
      growth.details = {
        ...growth.details,
        heldStreamsTakenOff: { bytesPerChunk: perChunk, chunks: series.at(-1)?.heldChunks ?? 0 },
      };
    // Who holds it, once the counts and the growth are judged: a leak the counts found lowers
    // the diff's floor to half its rate; a growth that failed with no count failing lets a
    // cluster through by its size (large objects only some connections keep).
    const rate = leakRate(countChecks, done);
    const grew = growth.verdict === 'fail' && rate === 0 ? growth.bytesPerConnection : undefined;
    await snapshotter?.diff(done, cwd, session?.mapSites, rate, grew);
    // The steps were read with the hooks off: what a chunk costs there is the check's own figure.
    const capacity = probed && capacityReport(probed, settings.open, failed ? (heldCheck.details!.bytesPerChunk as number) : 0);
    const durationMs = Math.round(performance.now() - started);
    const soak = finalizeScenario(
      {
        name: 'soak',
        verdict: 'pass',
        connections: done,
        durationMs,
        checks: [growth, heldCheck, ...countChecks],
        stats: {
          ...counts,
          // Over the churn itself: not the setup, the warm-up snapshot's pause, the settle or the diff.
          ...(settings.churn ? { connectionsPerSecond: Math.round(done / (churnMs / 1000)) } : {}),
          heldStreams,
          heldStreamEvents: holder ? (await holder.counts()).events : 0,
          samples: series.length,
          settleMs: settled.waitedMs,
        },
        ...(failure ? { error: { code: 'SSE_SOAK_SCENARIO', message: `${failure.kind}: ${failure.message}`, phase: 'measure' } } : {}),
      },
      soakCoreMeters,
      skip,
    );
    return report(soak, durationMs, { ...(capacity ? { capacity } : {}), ...(snapshots ? { snapshots } : {}) });
  } catch (error) {
    // The target died where the churn does not look (the capacity probe, the first sample, the
    // end snapshot): a command's server that crashed at the preflight's disconnect stopped the
    // soak with one line and no report, where `run` writes one. Once the soak has started, the
    // report says what ended the process.
    const died =
      diedReport && !interrupted
        ? (crashes.crashed() ??
          (session
            ? await session
                .exited(done > 0 ? 'during the soak' : 'before the churn')
                .then((m) => m && { code: 'SSE_SOAK_SERVER_EXITED', message: m })
            : undefined))
        : undefined;
    if (died) return diedReport!(died, done);
    throw error;
  } finally {
    clearInterval(publisher);
    await holder?.stop();
    await pool.close();
    await requests?.reset();
    // What a kind of the mix opened beside the clients is closed before their thread stops.
    for (const r of resources.values()) await r?.close();
    await thread?.stop();
    await session?.stop();
    await releaseTarget({ loaded, served, timers, listeners, listenersBefore });
    stopWatching();
    restoreConsole();
    await sleep(0);
  }
}
