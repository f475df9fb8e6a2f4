import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ExitRecord, HostShutdown, KeptAlive } from '../../agent/protocol.ts';
import { ClientPool } from '../../clients/client-pool.ts';
import { fetchUntilEventThenAbort } from '../../clients/fetch-stream.ts';
import { type HttpStream, openHttpStream, type StreamEnd } from '../../clients/http-stream.ts';
import { requestThenLeave } from '../../clients/raw-request.ts';
import type { Establish } from '../../clients/wire-request.ts';
import { type CommandSession, startCommand } from '../../command/command-session.ts';
import { InterruptedError } from '../../errors/scenario-error.ts';
import { SoakError } from '../../errors/soak-error.ts';
import { inHarness } from '../../meters/async-owner.ts';
import type { Check, ScenarioResult } from '../../report/report.ts';
import { clientOptions, openEstablished } from '../../scenario/establish.ts';
import type { PreparedProcess, ProcessScenarioEnv, ScenarioContext } from '../../scenario/scenario.ts';
import { notApplicable, unmeasured } from '../../verdict/count-check.ts';
import { exitCheck, streamsEndedCheck } from '../../verdict/sigterm-checks.ts';
import { scenarioVerdict } from '../../verdict/verdicts.ts';
import type { RunSettings } from '../defaults.ts';
import { RequestSource } from '../request-source.ts';
import { MODULE_HOST_ENV, type ModuleHostConfig } from './module-host-config.ts';

/** How long a target module's host may take to load it and listen. */
const HOST_LISTEN_TIMEOUT_MS = 20_000;

/** A target module's sigterm server, booting while the in-process scenarios run. */
export interface ModuleHost extends PreparedProcess {
  session: Promise<CommandSession>;
}

/**
 * Starts the target module afresh in a process of its own, served by sse-soak's module host
 * (src/cli/module-host.ts) with the agent preloaded: from then on it is measured exactly as a
 * user's server started as a command is. The run starts it while the in-process scenarios
 * run (another process: it does not share their measurements).
 */
export function startModuleHost(env: ProcessScenarioEnv): ModuleHost {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`../../cli/module-host.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const config: ModuleHostConfig = {
    spec: env.spec,
    cwd: env.cwd,
    reference: env.reference,
    adapter: env.adapter,
    drainMs: env.settings.sigtermDrainMs,
  };
  const session = startCommand({
    argv: [process.execPath, '--enable-source-maps', entry],
    cwd: env.cwd,
    listenTimeoutMs: HOST_LISTEN_TIMEOUT_MS,
    output: env.output,
    signal: env.signal,
    env: { [MODULE_HOST_ENV]: JSON.stringify(config) },
    label: `the sigterm child (target ${env.spec})`,
  });
  session.catch(() => {}); // Reported when the scenario takes it over.
  return {
    session,
    async stop() {
      await (await session.catch(() => undefined))?.stop();
    },
  };
}

/** `sigterm` of a target module: its own process, started by startModuleHost, signalled and judged. */
export async function runModuleSigterm(env: ProcessScenarioEnv, prepared?: ModuleHost): Promise<ScenarioResult> {
  const started = performance.now();
  const host = prepared ?? startModuleHost(env);
  let session: CommandSession;
  try {
    session = await host.session;
  } catch (error) {
    return sigtermRecord(env.settings, started).result({
      error: {
        code: error instanceof SoakError ? error.code : 'SSE_SOAK_SCENARIO',
        message: error instanceof Error ? error.message : String(error),
        phase: 'child',
      },
    });
  }
  // The target's request function runs here, in the harness's process, against the child.
  const requests = new RequestSource(env.request, session.url);
  try {
    return await runSigterm(session, {
      path: env.target.path,
      firstEvent: env.target.firstEvent,
      establish: env.establish ?? { firstEvent: env.target.firstEvent },
      requests,
      settings: env.settings,
      signal: env.signal,
    });
  } finally {
    await requests.reset();
    await session.stop();
  }
}

/**
 * The pod's last minutes, against a server in a process of its own (a target module's host,
 * or a user's command): a short mix of the disconnect kinds warms it up, its baseline is
 * taken, the mix is served again, streams are held open, and the very process that listens
 * gets SIGTERM. It must release everything and exit by itself within the grace period; a
 * leaked ref'd timer keeps it alive, and then it is asked what keeps it alive, read, and
 * killed. Its agent records the count meters at exit against the baseline. A process that
 * ends itself with process.exit() is judged on that exit; its counts at exit are moot.
 */
export async function runSigterm(
  session: CommandSession,
  env: { path: string; firstEvent?: string; establish: Establish; requests: RequestSource; settings: RunSettings; signal?: AbortSignal },
): Promise<ScenarioResult> {
  const started = performance.now();
  const { settings } = env;
  const { pool, stats, count, result: base } = sigtermRecord(settings, started);
  let streams: HttpStream[] = [];
  try {
    const { host, port } = session.listening;
    const clients = sigtermClients({
      origin: { host, port, path: env.path },
      firstEvent: env.firstEvent,
      establish: env.establish,
      requests: env.requests,
      pool,
      settings,
      count,
      signal: env.signal,
    });
    // The warm-up, then the baseline: a target that starts a per-process timer or adds one
    // process hook on its first requests must not read as leaking.
    await clients.mix('warmup.');
    const baseline = await session.markBaseline(settings.settleMs);
    // The mix: every disconnect kind that reaches a server over a socket.
    await clients.mix('mix.');
    await pool.close();
    // K open streams, then SIGTERM.
    streams = await clients.hold(settings.sigtermOpen);
    if (env.signal?.aborted) throw new InterruptedError();
    const endings = watchEndings(streams);
    let killed = false;
    const termAt = performance.now();
    process.kill(session.listening.pid, 'SIGTERM');
    // Unref'd: a pending grace timer must not keep the caller's process alive after the server is gone.
    const outcome = await Promise.race([session.serverGone, sleep(settings.sigtermGraceMs, 'timeout' as const, { ref: false })]);
    let keptAlive: KeptAlive | undefined;
    let atKill: Check[] | undefined;
    let shutdown: HostShutdown | undefined;
    if (outcome === 'timeout') {
      // Still running after the grace period: what keeps it alive, and its counts against the
      // baseline, read from the live process before it is killed.
      keptAlive = await session.keptAlive().catch(() => undefined);
      atKill = await session.readings
        .snapshot()
        .then((final) => session.readings.checks(baseline, final))
        .catch(() => undefined);
      shutdown = await session.shutdownRecord().catch(() => undefined);
      killed = true;
      endings.freeze();
      await session.stop();
    }
    const exitMs = Math.round(performance.now() - termAt);
    await sleep(20); // lets the clients see the sockets the exit closed
    const record = session.exitRecord();
    shutdown ??= record?.shutdown;
    const direct = session.child.pid === session.listening.pid;
    const code = record?.code ?? (direct ? session.child.exitCode : null);
    const { clean, cut, open } = endings.tally(stats, killed);
    stats.exitMs = exitMs;
    if (shutdown) stats.shutdownMs = shutdown.shutdownMs;
    const checks: Check[] = [
      exitCheck(
        {
          code: killed ? null : code,
          signal: killed ? 'SIGKILL' : direct ? session.child.signalCode : null,
          killed,
          exitMs,
          graceMs: settings.sigtermGraceMs,
          stderrTail: session.stderrTail().split(' | ').at(-1),
          ...(record?.reraised ? { reraised: record.reraised } : {}),
        },
        keptAlive,
      ),
      streamsEndedCheck({
        held: streams.length,
        clean,
        cut,
        openAtKill: killed ? open : 0,
        cutByHarness: shutdown?.cutStreams,
        hasClose: shutdown?.hasClose,
      }),
      ...countsAtExit(record, atKill, { killed, exitMs }),
    ];
    if (shutdown?.closeError) checks.push({ meter: 'target-close', verdict: 'fail', reason: shutdown.closeError });
    checks.push(notApplicable('heap', 'sigterm judges the exit and resource counts; heap slopes are measured by the other scenarios'));
    return base({ verdict: scenarioVerdict(checks, false), checks, stats });
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    return base({
      error: { code: 'SSE_SOAK_SCENARIO', message: error instanceof Error ? error.message : String(error), phase: 'measure' },
    });
  } finally {
    for (const s of streams) s.disconnect('fin');
    await pool.close();
    await env.requests.reset();
  }
}

const COUNTED = ['timers', 'process-listeners', 'sockets'];

/**
 * The count checks after SIGTERM: at the process's exit against the baseline (or read just
 * before the kill). Its sockets close with it; its held streams are judged by streams-ended.
 */
function countsAtExit(record: ExitRecord | undefined, atKill: Check[] | undefined, exit: { killed: boolean; exitMs: number }): Check[] {
  if (record?.explicit && !exit.killed) {
    const how = record.reraised ? `by raising ${record.reraised} again` : `exit code ${record.code}`;
    const why = `not applicable: the target ended the process itself (${how} ${exit.exitMs} ms after SIGTERM, from its own SIGTERM handler) before its event loop emptied; at exit it held ${record.atExit.timers} timers, ${record.atExit.listeners} process listeners and ${record.atExit.sockets} sockets, all gone with the process`;
    return COUNTED.map((meter) => ({ meter, verdict: 'skipped' as const, skippedBy: 'not-applicable' as const, reason: why }));
  }
  const counted = (record?.checks as Check[] | undefined) ?? atKill;
  if (counted) {
    return [
      ...counted.filter((c) => c.meter !== 'sockets'),
      notApplicable(
        'sockets',
        record
          ? "read at the process's exit, where its sockets close with it"
          : 'its held streams were still open when it was killed (streams-ended counts them)',
      ),
    ];
  }
  return COUNTED.map((meter) =>
    unmeasured(
      meter,
      exit.killed
        ? 'the server was killed after the grace period, before its agent could record its exit'
        : 'the agent wrote no record at exit',
    ),
  );
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
