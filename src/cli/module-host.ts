/**
 * The sigterm scenario's server for a target module: a tiny program that sse-soak starts as
 * a command, with its agent preloaded as for any user's server (src/agent/agent.ts). It
 * loads the target afresh, serves it, and on SIGTERM shuts down the way a well-behaved
 * server does on the target's behalf: the target's close(), stop accepting, let open
 * streams end, cut the rest. It never calls process.exit: whether the process exits by
 * itself is what is measured. The agent answers for the meters, as it does for a command.
 * A process entry of its own, like the CLI, and so here in src/cli/: it prints one line and
 * exits when the target cannot load.
 */
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostShutdown } from '../agent/protocol.ts';
import { SoakError } from '../errors/soak-error.ts';
import { inTarget } from '../meters/async-owner.ts';
import { resolveAdapter } from '../server/resolve-adapter.ts';
import { serveTarget } from '../server/serve-target.ts';
import { type LoadedTarget, loadTarget, messageOf } from '../target/load-target.ts';
import { MODULE_HOST_ENV, type ModuleHostConfig } from '../harness/sigterm/module-host-config.ts';

interface Agent {
  register(what: { gauges?: Record<string, () => number>; publish?: () => unknown; end?: () => unknown }): void;
  recordShutdown(record: HostShutdown): void;
  /** The server it measures: this one, not one the target started as it loaded. */
  measure(server: Server): void;
}

async function main(): Promise<void> {
  const agent = (globalThis as { sseSoak?: Agent }).sseSoak;
  if (!agent) return fail('sse-soak module host: its agent is not loaded (it is started by sse-soak only)', 3);
  const config = JSON.parse(process.env[MODULE_HOST_ENV] ?? '{}') as ModuleHostConfig;
  let loaded: LoadedTarget;
  try {
    loaded = await loadTarget(config.spec, { cwd: config.cwd, reference: config.reference });
  } catch (error) {
    return fail(messageOf(error), error instanceof SoakError ? error.exitCode : 3);
  }
  const { target } = loaded;
  agent.register({ gauges: target.gauges, publish: target.publish, end: target.end });
  const adapter = target.listener ? undefined : await resolveAdapter(config.adapter, loaded.modulePath);
  const served = await serveTarget(target, { adapter: adapter?.create });
  agent.measure(served.server);

  process.once('SIGTERM', () => {
    void shutdown().catch((error) => process.stderr.write(`sse-soak module host: shutdown failed: ${messageOf(error)}\n`));
  });

  async function shutdown(): Promise<void> {
    const started = performance.now();
    let closeError: string | undefined;
    const close = target.close;
    if (close) {
      // A close() that never resolves is the target's fault, reported; it must not stop the shutdown.
      const closed = Promise.resolve()
        .then(() => inTarget('close', () => close()))
        .then(
          () => undefined,
          (error: unknown) => `close() threw: ${messageOf(error)}`,
        );
      closeError = await Promise.race([
        closed,
        sleep(config.drainMs, `close() did not resolve within ${config.drainMs} ms`, { ref: false }),
      ]);
    }
    const stopped = served.stopAccepting();
    const drained = await Promise.race([stopped.then(() => true), sleep(config.drainMs, false, { ref: false })]);
    const cutStreams = drained ? 0 : served.openSockets();
    if (!drained) served.cutConnections();
    await stopped;
    agent!.recordShutdown({
      hasClose: Boolean(close),
      cutStreams,
      ...(closeError ? { closeError } : {}),
      shutdownMs: Math.round(performance.now() - started),
    });
  }
}

/** One line on stderr (sse-soak quotes it) and the exit code, before anything the module started can keep the process. */
function fail(message: string, code: number): void {
  process.stderr.write(`${message}\n`, () => process.exit(code));
}

void main();
