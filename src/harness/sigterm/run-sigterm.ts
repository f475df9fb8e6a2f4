import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientPool } from '../../clients/client-pool.ts';
import { fetchUntilEventThenAbort } from '../../clients/fetch-stream.ts';
import { type HttpStream, openHttpStream, type StreamEnd } from '../../clients/http-stream.ts';
import { requestThenLeave } from '../../clients/raw-request.ts';
import { InterruptedError, ScenarioError } from '../../errors/scenario-error.ts';
import type { Check, ScenarioResult } from '../../report/report.ts';
import { openEstablished } from '../../scenario/establish.ts';
import type { ProcessScenarioEnv, ScenarioContext } from '../../scenario/scenario.ts';
import type { Target } from '../../target/target.ts';
import { skippedCheck } from '../../verdict/count-check.ts';
import { scenarioVerdict } from '../../verdict/verdicts.ts';
import { groupBySite } from '../../meters/timer-meter.ts';
import { compareSnapshots } from '../meter-set.ts';
import type { ChildMessage } from './child-protocol.ts';
import { spawnChild } from './spawn-child.ts';


type Final = Extract<ChildMessage, { type: 'final' }>;
const READY_TIMEOUT_MS = 20_000;
const STDERR_TAIL = 2_000;

/**
 * The pod's last minutes: the target, loaded afresh in a child process, serves a short mix
 * of the other disconnect kinds, then holds open streams and gets SIGTERM. It must release
 * everything and exit by itself within the grace period; a leaked ref'd timer keeps it
 * alive, and then it is killed and the check names what kept it alive.
 */
export async function runSigtermScenario(env: ProcessScenarioEnv): Promise<ScenarioResult> {
  const started = performance.now();
  const { settings } = env;
  const child = spawnChild({
    spec: env.spec,
    cwd: env.cwd,
    reference: env.reference,
    adapter: env.adapter,
    settings: { settleMs: settings.settleMs, sigtermDrainMs: settings.sigtermDrainMs },
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-STDERR_TAIL)));
  child.stdout!.resume();
  const messages = new MessageQueue(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pool = new ClientPool();
  const stats: Record<string, number> = {};
  const count = (k: string, n = 1) => (stats[k] = (stats[k] ?? 0) + n);
  let streams: HttpStream[] = [];
  const base = (extra: Partial<ScenarioResult>): ScenarioResult => ({
    name: 'sigterm',
    verdict: 'error',
    connections: settings.sigtermMix + settings.sigtermOpen,
    durationMs: Math.round(performance.now() - started),
    checks: [],
    ...extra,
  });
  try {
    const ready = await messages.next(READY_TIMEOUT_MS, () => stderr);
    if (ready.type === 'error') {
      return base({ error: { code: ready.code, message: ready.message, phase: ready.phase } });
    }
    if (ready.type !== 'ready') throw new ScenarioError(`unexpected message '${ready.type}' from the child`, 'child');
    const url = `http://127.0.0.1:${ready.port}${ready.path}`;
    const ctx: ScenarioContext = {
      url,
      origin: { host: '127.0.0.1', port: ready.port, path: ready.path, url },
      target: { fetch: () => new Response(null), path: ready.path, firstEvent: ready.firstEvent } as Target,
      pool,
      settings,
      count,
    };

    // The mix: every disconnect kind that reaches a server over a socket.
    for (let i = 0; i < settings.sigtermMix; i += settings.concurrency) {
      if (env.signal?.aborted) throw new InterruptedError();
      const wave: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(settings.sigtermMix, i + settings.concurrency); j++) wave.push(mixConnection(ctx, j));
      await Promise.all(wave);
    }
    await pool.close();

    // K open streams, then SIGTERM.
    streams = await Promise.all(Array.from({ length: settings.sigtermOpen }, () => openEstablished(ctx)));
    const endings: Partial<Record<StreamEnd | 'open', number>> = {};
    let killed = false;
    for (const s of streams) void s.ended.then((how) => !killed && (endings[how] = (endings[how] ?? 0) + 1));
    const termAt = performance.now();
    child.kill('SIGTERM');
    const finalMessage = messages.next(settings.sigtermGraceMs, () => stderr).catch(() => undefined);
    const outcome = await Promise.race([exited, sleep(settings.sigtermGraceMs, 'timeout' as const)]);
    if (outcome === 'timeout') {
      killed = true;
      child.kill('SIGKILL');
    }
    const exit = await exited;
    const exitMs = Math.round(performance.now() - termAt);
    const final = (await Promise.race([finalMessage, sleep(100, undefined)])) as ChildMessage | undefined;
    await sleep(20); // lets the clients see the sockets the exit closed
    const open = streams.length - (endings.clean ?? 0) - (endings.cut ?? 0) - (endings.local ?? 0);
    stats.streamsEndedClean = endings.clean ?? 0;
    stats.streamsCut = endings.cut ?? 0;
    stats.streamsOpenAtExit = killed ? open : 0;
    stats.exitMs = exitMs;

    const checks: Check[] = [exitCheck(exit, killed, exitMs, settings.sigtermGraceMs, final?.type === 'final' ? final : undefined, stderr)];
    checks.push({
      meter: 'streams-ended',
      verdict: killed && open > 0 ? 'fail' : 'pass',
      baseline: streams.length,
      final: streams.length - (killed ? open : 0),
      details: { clean: endings.clean ?? 0, cut: endings.cut ?? 0, open: killed ? open : 0 },
      ...(killed && open > 0 ? { reason: `${open} of ${streams.length} streams were still open when the child was killed` } : {}),
    });
    if (final?.type === 'final') {
      stats.shutdownMs = final.shutdownMs;
      checks.push(...compareSnapshots(ready.baseline, final.final, () => final.listenerGrowth));
      if (final.closeError) checks.push({ meter: 'target-close', verdict: 'fail', reason: `close() threw: ${final.closeError}` });
    } else {
      for (const meter of ['timers', 'process-listeners', 'sockets']) {
        checks.push(skippedCheck(meter, 'the child did not report its meters before it exited or was killed'));
      }
    }
    checks.push(skippedCheck('heap', 'sigterm judges exit and resource counts; heap slopes are measured by the other scenarios'));
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
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

function exitCheck(
  exit: { code: number | null; signal: NodeJS.Signals | null },
  killed: boolean,
  exitMs: number,
  graceMs: number,
  final: Final | undefined,
  stderr: string,
): Check {
  if (!killed && exit.code === 0) return { meter: 'exit', verdict: 'pass', details: { exitMs } };
  if (!killed) {
    const tail = stderr.trim().split('\n').slice(-1)[0] ?? '';
    return {
      meter: 'exit',
      verdict: 'fail',
      reason: `the child exited with ${exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`} after SIGTERM${tail ? `: ${tail}` : ''}`,
      details: { exitMs },
    };
  }
  // Every ref'd timer of the target holds the loop open, whether or not it predates the baseline.
  const refed = final ? final.final.timers.filter((t) => t.refed) : [];
  const sites = groupBySite(refed).map(({ repeat, ...group }) => ({ ...group, kind: repeat ? 'setInterval' : 'setTimeout' }));
  const keptBy = sites.length
    ? sites.map((s) => `${s.count} × ${s.kind} at ${s.site}`).join(', ')
    : final
      ? `active resources ${JSON.stringify(final.activeResources)}`
      : 'unknown (the child never finished its shutdown)';
  return {
    meter: 'exit',
    verdict: 'fail',
    reason: `did not exit within ${graceMs} ms of SIGTERM and was killed; kept alive by ${keptBy}`,
    sites,
    details: { exitMs, activeResources: final?.activeResources },
  };
}

/** Delays (ms) at which the mix's raw clients leave: inside any setup of a few ms or more. */
const EARLY_LEAVES = [0, 1, 2, 3, 4, 6, 8];

async function mixConnection(ctx: ScenarioContext, i: number): Promise<void> {
  switch (i % 4) {
    case 0:
      if (i % 8 === 0) {
        await fetchUntilEventThenAbort(ctx.url, ctx.pool, { firstEvent: ctx.target.firstEvent, timeoutMs: ctx.settings.connectionTimeoutMs });
        ctx.count('mix.undiciAbort');
      } else {
        const stream = await openEstablished(ctx);
        stream.disconnect(i % 16 === 4 ? 'rst' : 'fin');
        ctx.count(i % 16 === 4 ? 'mix.resetRst' : 'mix.destroyFin');
      }
      return;
    case 1: {
      // Leaves as soon as the headers arrive, before the first event.
      const stream = await openHttpStream(ctx.url, { timeoutMs: ctx.settings.connectionTimeoutMs });
      stream.disconnect('fin');
      ctx.count('mix.afterHeaders');
      return;
    }
    default: {
      // Half the mix leaves during the handler's setup: the disconnect that leaks most.
      const delay = EARLY_LEAVES[Math.floor(i / 2) % EARLY_LEAVES.length]!;
      const { responseStarted } = await requestThenLeave(ctx.origin, delay, 'fin');
      ctx.count(responseStarted ? 'mix.leftAfterResponseStarted' : 'mix.leftBeforeResponse');
    }
  }
}

/** The child's IPC messages, awaited one at a time with a deadline. */
class MessageQueue {
  readonly #queue: ChildMessage[] = [];
  #waiter: ((m: ChildMessage | Error) => void) | undefined;

  constructor(child: ChildProcess) {
    child.on('message', (m: ChildMessage) => {
      if (this.#waiter) this.#waiter(m);
      else this.#queue.push(m);
    });
    child.once('exit', (code, signal) => {
      this.#waiter?.(new Error(`the child exited (${code !== null ? `code ${code}` : `signal ${signal}`})`));
    });
  }

  next(timeoutMs: number, stderr: () => string): Promise<ChildMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new ScenarioError(`the child sent nothing within ${timeoutMs} ms${tail(stderr())}`, 'child', { code: 'SSE_SOAK_HUNG' }));
      }, timeoutMs);
      this.#waiter = (m) => {
        clearTimeout(timer);
        this.#waiter = undefined;
        if (m instanceof Error) reject(new ScenarioError(`${m.message}${tail(stderr())}`, 'child', { code: 'SSE_SOAK_CHILD_EXITED' }));
        else resolve(m);
      };
    });
  }
}

function tail(stderr: string): string {
  const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
  return last ? `: ${last}` : '';
}
