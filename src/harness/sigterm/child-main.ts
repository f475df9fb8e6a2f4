/**
 * The sigterm scenario's child: loads the target afresh, serves it, takes its baseline when
 * the parent has warmed it up, and on SIGTERM shuts down the way a well-behaved server does
 * (the target's close(), stop accepting, let open streams end, cut the rest), reports its
 * meters over IPC and lets the event loop empty. It never calls process.exit: whether the
 * process exits by itself is what is measured. If the target exits first (its own SIGTERM
 * handler), the exit record on EXIT_RECORD_FD says so.
 */
import { writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SoakError } from '../../errors/soak-error.ts';
import { inTarget } from '../../meters/async-owner.ts';
import { ProcessListenerMeter } from '../../meters/process-listener-meter.ts';
import { TimerMeter } from '../../meters/timer-meter.ts';
import { resolveAdapter } from '../../server/resolve-adapter.ts';
import { serveTarget } from '../../server/serve-target.ts';
import { type LoadedTarget, loadTarget, messageOf } from '../../target/load-target.ts';
import { MeterSet } from '../meter-set.ts';
import type { MeterSnapshot } from '../meter-snapshot.ts';
import { settle } from '../settle.ts';
import { type ChildConfig, type ChildMessage, EXIT_RECORD_FD, type ExitRecord, type ParentMessage } from './child-protocol.ts';

const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
const config = JSON.parse(process.env.SSE_SOAK_CHILD ?? '{}') as ChildConfig;

// Meters first, so that timers the module creates as it loads have known sites.
const timers = new TimerMeter().enable();
const listeners = new ProcessListenerMeter().enable();
let meters: MeterSet | undefined;
let shutdownState: ExitRecord['shutdown'] = 'not-started';

process.on('exit', (code) => {
  const snap = meters?.snapshot();
  const record: ExitRecord = {
    code,
    shutdown: shutdownState,
    atExit: { timers: snap?.timers.length ?? 0, listeners: snap?.listeners.total ?? 0, sockets: snap?.sockets ?? 0 },
  };
  try {
    writeSync(EXIT_RECORD_FD, `${JSON.stringify(record)}\n`);
  } catch {
    // The parent did not give us the descriptor (run by hand): nothing to report to.
  }
});

// The parent went away before the SIGTERM (it crashed, or was killed while this child waited
// for its turn): nobody will ever stop this server, so stop here rather than live on as an
// orphan. Once the shutdown runs, the child disconnects by itself.
process.on('disconnect', () => {
  if (shutdownState === 'not-started') process.exit(3);
});

async function main(): Promise<void> {
  let loaded: LoadedTarget;
  try {
    loaded = await loadTarget(config.spec, { cwd: config.cwd, reference: config.reference });
  } catch (error) {
    const soak = error instanceof SoakError ? error : undefined;
    await send({
      type: 'error',
      phase: 'load',
      code: soak?.code ?? 'SSE_SOAK_TARGET_LOAD',
      message: messageOf(error),
      exitCode: soak?.exitCode ?? 3,
    });
    return release();
  }
  const { target } = loaded;
  const adapter = target.listener ? undefined : await resolveAdapter(config.adapter, loaded.modulePath);
  const served = await serveTarget(target, { adapter: adapter?.create });
  const set = new MeterSet(timers, listeners, target.gauges, () => served.openSockets());
  meters = set;
  let baseline: MeterSnapshot | undefined;

  process.once('SIGTERM', () => {
    void shutdown().catch((error) => {
      process.stderr.write(`sse-soak child: shutdown failed: ${messageOf(error)}\n`);
      release();
    });
  });
  // The baseline comes after the parent's warm-up traffic, once its sockets have closed:
  // what a target starts lazily on its first requests (a metrics flush, one process hook)
  // is then part of the baseline, as in the in-process scenarios.
  process.once('message', (message: ParentMessage) => {
    if (message.type !== 'baseline') return;
    void (async () => {
      const until = performance.now() + config.settings.settleMs;
      while (served.openSockets() > 0 && performance.now() < until) await sleep(10);
      timers.prune();
      baseline = set.snapshot();
      await send({ type: 'baseline', baseline });
    })();
  });
  await send({ type: 'ready', port: served.port, path: target.path, firstEvent: target.firstEvent, name: loaded.name });

  async function shutdown(): Promise<void> {
    shutdownState = 'running';
    const started = performance.now();
    let closeError: string | undefined;
    const close = target.close;
    if (close) {
      // A close() that never resolves is the target's fault, reported; it must not stop the readings.
      const closed = Promise.resolve()
        .then(() => inTarget('close', () => close()))
        .then(
          () => undefined,
          (error: unknown) => `close() threw: ${messageOf(error)}`,
        );
      closeError = await Promise.race([
        closed,
        sleep(config.settings.sigtermDrainMs, `close() did not resolve within ${config.settings.sigtermDrainMs} ms`, { ref: false }),
      ]);
    }
    const stopped = served.stopAccepting();
    const drained = await Promise.race([stopped.then(() => true), sleep(config.settings.sigtermDrainMs, false, { ref: false })]);
    const cutStreams = drained ? 0 : served.openSockets();
    if (!drained) served.cutConnections();
    await stopped;
    const base = baseline ?? set.snapshot();
    const { snapshot } = await settle(() => set.snapshot(), base, {
      settleMs: config.settings.settleMs,
      settleMaxMs: config.settings.settleMs,
    });
    await send({
      type: 'final',
      final: snapshot,
      listenerGrowth: listeners.growth(base.listeners, snapshot.listeners),
      cutStreams,
      hasClose: Boolean(close),
      ...(closeError ? { closeError } : {}),
      activeResources: process.getActiveResourcesInfo(),
      shutdownMs: Math.round(performance.now() - started),
    });
    shutdownState = 'done';
    release();
  }
}

/** Lets go of everything the harness holds, so that only the target can keep us alive. */
function release(): void {
  timers.disable();
  listeners.disable();
  process.disconnect?.();
}

void main();
