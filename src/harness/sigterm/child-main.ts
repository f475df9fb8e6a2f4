/**
 * The sigterm scenario's child: loads the target afresh, serves it, and on SIGTERM shuts
 * down the way a well-behaved server does (the target's close(), stop accepting, let open
 * streams end, cut the rest), reports its meters over IPC and lets the event loop empty.
 * It never calls process.exit: whether the process exits by itself is what is measured.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SoakError } from '../../errors/soak-error.ts';
import { ProcessListenerMeter } from '../../meters/process-listener-meter.ts';
import { TimerMeter } from '../../meters/timer-meter.ts';
import { resolveAdapter } from '../../server/resolve-adapter.ts';
import { serveTarget } from '../../server/serve-target.ts';
import { loadTarget, messageOf } from '../../target/load-target.ts';
import { MeterSet } from '../meter-set.ts';
import { settle } from '../settle.ts';
import type { ChildConfig, ChildMessage } from './child-protocol.ts';

const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
const config = JSON.parse(process.env.SSE_SOAK_CHILD ?? '{}') as ChildConfig;

// Meters first, so that timers the module creates as it loads have known sites.
const timers = new TimerMeter().enable();
const listeners = new ProcessListenerMeter().enable();

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = await loadTarget(config.spec, { cwd: config.cwd, reference: config.reference });
  } catch (error) {
    const soak = error instanceof SoakError ? error : undefined;
    await send({ type: 'error', phase: 'load', code: soak?.code ?? 'SSE_SOAK_TARGET_LOAD', message: messageOf(error), exitCode: soak?.exitCode ?? 3 });
    return release();
  }
  const { target } = loaded;
  const adapter = await resolveAdapter(config.adapter, loaded.modulePath);
  const served = await serveTarget(target, { adapter: adapter.create });
  const meters = new MeterSet(timers, listeners, target.gauges, () => served.openSockets());

  process.once('SIGTERM', () => {
    void shutdown().catch((error) => {
      process.stderr.write(`sse-soak child: shutdown failed: ${messageOf(error)}\n`);
      release();
    });
  });
  const baseline = meters.snapshot();
  await send({ type: 'ready', port: served.port, path: target.path, firstEvent: target.firstEvent, name: loaded.name, baseline });

  async function shutdown(): Promise<void> {
    const started = performance.now();
    let closeError: string | undefined;
    try {
      await target.close?.();
    } catch (error) {
      closeError = messageOf(error);
    }
    const stopped = served.stopAccepting();
    const drained = await Promise.race([stopped.then(() => true), sleep(config.settings.sigtermDrainMs, false, { ref: false })]);
    if (!drained) served.cutConnections();
    await stopped;
    const { snapshot } = await settle(() => meters.snapshot(), baseline, {
      settleMs: config.settings.settleMs,
      settleMaxMs: config.settings.settleMs,
    });
    await send({
      type: 'final',
      final: snapshot,
      listenerGrowth: listeners.growth(baseline.listeners, snapshot.listeners),
      cut: !drained,
      closeError,
      activeResources: process.getActiveResourcesInfo(),
      shutdownMs: Math.round(performance.now() - started),
    });
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
