import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpStream } from '../clients/http-stream.ts';
import type { Establish } from '../clients/wire-request.ts';
import { InterruptedError } from '../errors/scenario-error.ts';
import type { RunSettings } from '../harness/defaults.ts';
import type { RequestSource } from '../harness/request-source.ts';
import { sigtermClients, sigtermRecord, watchEndings } from '../harness/sigterm/run-sigterm.ts';
import type { Check, ScenarioResult } from '../report/report.ts';
import { notApplicable, unmeasured } from '../verdict/count-check.ts';
import { exitCheck, streamsEndedCheck } from '../verdict/sigterm-checks.ts';
import { scenarioVerdict } from '../verdict/verdicts.ts';
import type { CommandSession } from './command-session.ts';

/**
 * `sigterm` against a user's server started as a command: the same mix and held streams as
 * against sse-soak's own child, then SIGTERM to the very process that listens, and its own
 * shutdown judged. Its agent records the process's count meters at exit against the
 * baseline; a process that has to be killed is asked first what keeps it alive.
 */
export async function runCommandSigterm(
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
    await clients.mix('warmup.');
    await sleep(settings.settleMs / 4);
    await session.markBaseline();
    const baseline = await session.readings.snapshot();
    await clients.mix('mix.');
    await pool.close();
    streams = await clients.hold(settings.sigtermOpen);
    if (env.signal?.aborted) throw new InterruptedError();
    const endings = watchEndings(streams);
    let killed = false;
    const termAt = performance.now();
    process.kill(session.listening.pid, 'SIGTERM');
    const outcome = await Promise.race([session.serverGone, sleep(settings.sigtermGraceMs, 'timeout' as const, { ref: false })]);
    let keptAlive: Awaited<ReturnType<CommandSession['activeTimers']>> = [];
    let atKill: Check[] | undefined;
    if (outcome === 'timeout') {
      // Still running after the grace period: what keeps it alive, and its counts against the
      // baseline, read from the live process before it is killed.
      keptAlive = await session.activeTimers().catch(() => []);
      atKill = await session.readings
        .snapshot()
        .then((final) => session.readings.checks(baseline, final))
        .catch(() => undefined);
      killed = true;
      endings.freeze();
      await session.stop();
    }
    const exitMs = Math.round(performance.now() - termAt);
    await sleep(20); // lets the clients see the sockets the exit closed
    const record = session.exitRecord();
    const direct = session.child.pid === session.listening.pid;
    const code = record?.code ?? (direct ? session.child.exitCode : null);
    const { clean, cut, open } = endings.tally(stats, killed);
    stats.exitMs = exitMs;
    const checks: Check[] = [
      exitCheck(
        {
          code: killed ? null : code,
          signal: killed ? 'SIGKILL' : direct ? session.child.signalCode : null,
          killed,
          exitMs,
          graceMs: settings.sigtermGraceMs,
          stderrTail: session.stderrTail().split(' | ').at(-1),
        },
        killed ? { timers: keptAlive, activeResources: [] } : undefined,
      ),
      streamsEndedCheck({ held: streams.length, clean, cut, openAtKill: killed ? open : 0 }),
    ];
    const counted = (record?.checks as Check[] | undefined) ?? atKill;
    if (counted) {
      // At exit (or at the kill): the counts against the baseline; but the process's sockets
      // close with it, and its held streams are judged by streams-ended.
      checks.push(...counted.filter((c) => c.meter !== 'sockets'));
      checks.push(
        notApplicable(
          'sockets',
          record
            ? "read at the process's exit, where its sockets close with it"
            : 'its held streams were still open when it was killed (streams-ended counts them)',
        ),
      );
    } else {
      for (const meter of ['timers', 'process-listeners', 'sockets']) {
        checks.push(
          unmeasured(
            meter,
            killed
              ? 'the server was killed after the grace period, before its agent could record its exit'
              : 'the agent wrote no record at exit',
          ),
        );
      }
    }
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
