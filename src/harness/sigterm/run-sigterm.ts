import { setTimeout as sleep } from 'node:timers/promises';
import { ClientPool } from '../../clients/client-pool.ts';
import type { Establish } from '../../clients/wire-request.ts';
import type { RunSettings } from '../defaults.ts';
import { fetchUntilEventThenAbort } from '../../clients/fetch-stream.ts';
import { type HttpStream, openHttpStream, type StreamEnd } from '../../clients/http-stream.ts';
import { requestThenLeave } from '../../clients/raw-request.ts';
import { InterruptedError, ScenarioError } from '../../errors/scenario-error.ts';
import type { Check, ScenarioResult } from '../../report/report.ts';
import { clientOptions, openEstablished } from '../../scenario/establish.ts';
import { RequestSource } from '../request-source.ts';
import type { ProcessScenarioEnv, ScenarioContext } from '../../scenario/scenario.ts';
import { inHarness } from '../../meters/async-owner.ts';
import { compareSnapshots } from '../../verdict/compare-snapshots.ts';
import { notApplicable, unmeasured } from '../../verdict/count-check.ts';
import { exitCheck, streamsEndedCheck } from '../../verdict/sigterm-checks.ts';
import { scenarioVerdict } from '../../verdict/verdicts.ts';
import { lastLine, MessageQueue, readExitRecord } from './child-channel.ts';
import { spawnChild } from './spawn-child.ts';

const READY_TIMEOUT_MS = 20_000;
const STDERR_TAIL = 2_000;
/** How long the IPC channel may stay up after the exit, for messages still in flight. */
const DISCONNECT_WAIT_MS = 1_000;

export interface SigtermChild {
  child: ReturnType<typeof spawnChild>;
  messages: MessageQueue;
  exitRecord: ReturnType<typeof readExitRecord>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  disconnected: Promise<void>;
  stderr(): string;
  /** Kills the child if it still runs (a run that stops before its turn). */
  stop(): Promise<void>;
}

/**
 * Starts the child: it loads the target and serves it, and waits. The run starts it while
 * the in-process scenarios run (another process, so it does not share their measurements),
 * and the scenario takes it over when its turn comes.
 */
export function startSigtermChild(env: ProcessScenarioEnv): SigtermChild {
  const { settings } = env;
  const child = spawnChild({
    spec: env.spec,
    cwd: env.cwd,
    reference: env.reference,
    adapter: env.adapter,
    settings: { settleMs: settings.settleMs, sigtermDrainMs: settings.sigtermDrainMs },
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-STDERR_TAIL);
    env.output?.(b.toString());
  });
  child.stdout!.on('data', (b: Buffer) => env.output?.(b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exitRecord: readExitRecord(child),
    messages: new MessageQueue(child),
    exited,
    disconnected: new Promise<void>((resolve) => (child.connected ? child.once('disconnect', () => resolve()) : resolve())),
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * The pod's last minutes: the target, loaded afresh in a child process, is warmed up with a
 * short mix of the other disconnect kinds, takes its baseline, serves the mix again, holds
 * open streams and gets SIGTERM. It must release everything and exit by itself within the
 * grace period; a leaked ref'd timer keeps it alive, and then it is killed and the check
 * names what kept it alive. A target that exits from its own SIGTERM handler is judged on
 * that exit; its meters could not be read, and the report says so.
 */
export async function runSigtermScenario(env: ProcessScenarioEnv, prepared?: SigtermChild): Promise<ScenarioResult> {
  const started = performance.now();
  const { settings } = env;
  const session = prepared ?? startSigtermChild(env);
  const { child, exitRecord, messages, exited, disconnected } = session;
  const stderrOf = session.stderr;
  const { pool, stats, count, result: base } = sigtermRecord(settings, started);
  let streams: HttpStream[] = [];
  let source: RequestSource | undefined;
  try {
    const ready = await messages.next(READY_TIMEOUT_MS, stderrOf);
    if (ready.type === 'error') {
      return base({ error: { code: ready.code, message: ready.message, phase: ready.phase } });
    }
    if (ready.type !== 'ready') throw new ScenarioError(`unexpected message '${ready.type}' from the child`, 'child');
    // The target's request function runs here, in the harness's process, against the child.
    source = new RequestSource(env.request, `http://127.0.0.1:${ready.port}`);
    const clients = sigtermClients({
      origin: { host: '127.0.0.1', port: ready.port, path: ready.path },
      firstEvent: ready.firstEvent,
      establish: env.establish,
      requests: source,
      pool,
      settings,
      count,
      signal: env.signal,
    });
    const { mix } = clients;

    // The warm-up, then the baseline: a target that starts a per-process timer or adds one
    // process hook on its first requests must not read as leaking.
    await mix('warmup.');
    child.send({ type: 'baseline' });
    const measured = await messages.next(READY_TIMEOUT_MS, stderrOf);
    if (measured.type !== 'baseline') throw new ScenarioError(`expected the child's baseline, got '${measured.type}'`, 'child');
    // The mix: every disconnect kind that reaches a server over a socket.
    await mix('mix.');
    await pool.close();

    // K open streams, then SIGTERM.
    streams = await clients.hold(settings.sigtermOpen);
    const endings = watchEndings(streams);
    let killed = false;
    const termAt = performance.now();
    child.kill('SIGTERM');
    // Unref'd: the child keeps the loop alive while it runs; a pending grace timer must not
    // keep the caller's process alive after the child is gone.
    const outcome = await Promise.race([exited, sleep(settings.sigtermGraceMs, 'timeout' as const, { ref: false })]);
    if (outcome === 'timeout') {
      killed = true;
      endings.freeze();
      child.kill('SIGKILL');
    }
    const exit = await exited;
    const exitMs = Math.round(performance.now() - termAt);
    // Every message the child sent is delivered before 'disconnect'.
    await Promise.race([disconnected, sleep(DISCONNECT_WAIT_MS, undefined, { ref: false })]);
    const final = messages.take('final');
    // Bounded: a grandchild that inherited the descriptor could hold the pipe open.
    const record = await Promise.race([exitRecord, sleep(DISCONNECT_WAIT_MS, undefined, { ref: false })]);
    await sleep(20); // lets the clients see the sockets the exit closed
    const { clean, cut, open } = endings.tally(stats, killed);
    stats.exitMs = exitMs;

    const checks: Check[] = [
      exitCheck(
        { ...exit, killed, exitMs, graceMs: settings.sigtermGraceMs, stderrTail: lastLine(stderrOf()) },
        final && { timers: final.final.timers, activeResources: final.activeResources },
      ),
      streamsEndedCheck({
        held: streams.length,
        clean,
        cut,
        openAtKill: killed ? open : 0,
        cutByHarness: final?.cutStreams,
        hasClose: final?.hasClose,
      }),
    ];
    if (final) {
      stats.shutdownMs = final.shutdownMs;
      checks.push(...compareSnapshots(measured.baseline, final.final, final.listenerGrowth));
      if (final.closeError) checks.push({ meter: 'target-close', verdict: 'fail', reason: final.closeError });
    } else {
      const why =
        record && !killed && record.shutdown !== 'done'
          ? `not applicable: the target ended the process itself (exit code ${record.code} ${exitMs} ms after SIGTERM, from its own SIGTERM handler) before the harness's shutdown could read its meters; at exit it held ${record.atExit.timers} timers, ${record.atExit.listeners} process listeners and ${record.atExit.sockets} sockets, all gone with the process`
          : undefined;
      for (const meter of ['timers', 'process-listeners', 'sockets']) {
        checks.push(
          why
            ? { meter, verdict: 'skipped', skippedBy: 'not-applicable', reason: why }
            : unmeasured(
                meter,
                killed ? 'the child was killed before its shutdown reported its meters' : 'the child sent no readings before it exited',
              ),
        );
      }
    }
    checks.push(notApplicable('heap', 'sigterm judges the exit and resource counts; heap slopes are measured by the other scenarios'));
    return base({ verdict: scenarioVerdict(checks, false), checks, stats });
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return base({
      error: { code: error instanceof ScenarioError ? error.code : 'SSE_SOAK_SCENARIO', message, phase: 'child' },
    });
  } finally {
    for (const s of streams) s.disconnect('fin');
    await pool.close();
    await source?.reset();
    await session.stop();
  }
}

/**
 * What every sigterm run keeps, whichever process it signals: its client pool, its counters,
 * and the result it builds (an error until checks say otherwise).
 */
export function sigtermRecord(settings: RunSettings, started: number) {
  const stats: Record<string, number> = {};
  return {
    pool: new ClientPool(),
    stats,
    count: (k: string, n = 1) => (stats[k] = (stats[k] ?? 0) + n),
    result: (extra: Partial<ScenarioResult>): ScenarioResult => ({
      name: 'sigterm',
      verdict: 'error',
      connections: settings.sigtermMix + settings.sigtermOpen,
      durationMs: Math.round(performance.now() - started),
      checks: [],
      ...extra,
    }),
  };
}

/**
 * How the held streams ended after SIGTERM, counted until the process had to be killed
 * (what ends after that is the kill's doing): clean ends, cuts and the still open.
 */
export function watchEndings(streams: readonly HttpStream[]) {
  const endings: Partial<Record<StreamEnd, number>> = {};
  let frozen = false;
  for (const s of streams) {
    void s.ended.then((how) => {
      if (!frozen) endings[how] = (endings[how] ?? 0) + 1;
    });
  }
  return {
    freeze(): void {
      frozen = true;
    },
    /** The counts, also written into the scenario's stats. */
    tally(stats: Record<string, number>, killed: boolean): { clean: number; cut: number; open: number } {
      const clean = endings.clean ?? 0;
      const cut = endings.cut ?? 0;
      const open = streams.length - clean - cut - (endings.local ?? 0);
      stats.streamsEndedClean = clean;
      stats.streamsCut = cut;
      stats.streamsOpenAtExit = killed ? open : 0;
      return { clean, cut, open };
    },
  };
}

/**
 * The sigterm scenario's clients, against a server in another process (sse-soak's child, or
 * a user's command): `mix` serves the mixed disconnect kinds, `hold` opens the streams that
 * are open when SIGTERM comes. Requests come from the target's `request`, made here.
 */
export function sigtermClients(env: {
  origin: { host: string; port: number; path: string };
  firstEvent: string | undefined;
  establish: Establish | undefined;
  requests: RequestSource;
  pool: ClientPool;
  settings: RunSettings;
  count: (stat: string, n?: number) => void;
  signal?: AbortSignal;
}) {
  const { settings, requests } = env;
  const url = `http://${env.origin.host}:${env.origin.port}${env.origin.path}`;
  const contextFor = async (first: number, size: number): Promise<ScenarioContext> => {
    const made = await requests.batch(size);
    return {
      url,
      origin: { ...env.origin, url },
      target: { path: env.origin.path, firstEvent: env.firstEvent },
      pool: env.pool,
      settings,
      request: (i) => made?.[i - first] ?? requests.fixed!,
      establish: env.establish ?? { firstEvent: env.firstEvent },
      count: env.count,
    };
  };
  return {
    async mix(prefix: string): Promise<void> {
      for (let i = 0; i < settings.sigtermMix; i += settings.concurrency) {
        if (env.signal?.aborted) throw new InterruptedError();
        const size = Math.min(settings.concurrency, settings.sigtermMix - i);
        const ctx = await contextFor(i, size);
        const wave: Promise<unknown>[] = [];
        for (let j = i; j < i + size; j++) wave.push(inHarness(() => mixConnection(ctx, j, prefix)));
        await Promise.all(wave);
      }
    },
    async hold(n: number): Promise<HttpStream[]> {
      const held = await contextFor(0, n);
      await requests.reset();
      return Promise.all(Array.from({ length: n }, (_, i) => inHarness(() => openEstablished(held, i))));
    },
  };
}

/** Delays (ms) at which the mix's raw clients leave: inside any setup of a few ms or more. */
const EARLY_LEAVES = [0, 1, 2, 3, 4, 6, 8];

async function mixConnection(ctx: ScenarioContext, i: number, prefix: string): Promise<void> {
  switch (i % 4) {
    case 0:
      if (i % 8 === 0) {
        await fetchUntilEventThenAbort(ctx.url, ctx.pool, clientOptions(ctx, i));
        ctx.count(`${prefix}undiciAbort`);
      } else {
        const stream = await openEstablished(ctx, i);
        stream.disconnect(i % 16 === 4 ? 'rst' : 'fin');
        ctx.count(`${prefix}${i % 16 === 4 ? 'resetRst' : 'destroyFin'}`);
      }
      return;
    case 1: {
      // Leaves as soon as the headers arrive, before the first event.
      const stream = await openHttpStream(ctx.url, { timeoutMs: ctx.settings.connectionTimeoutMs, request: ctx.request(i) });
      stream.disconnect('fin');
      ctx.count(`${prefix}afterHeaders`);
      return;
    }
    default: {
      // Half the mix leaves during the handler's setup: the disconnect that leaks most.
      const delay = EARLY_LEAVES[Math.floor(i / 2) % EARLY_LEAVES.length]!;
      const { responseStarted } = await requestThenLeave(ctx.origin, delay, 'fin', ctx.request(i));
      ctx.count(`${prefix}${responseStarted ? 'leftAfterResponseStarted' : 'leftBeforeResponse'}`);
    }
  }
}
