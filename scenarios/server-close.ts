import { setTimeout as sleep } from 'node:timers/promises';
import { openHttpStream } from '../src/clients/http-stream.ts';
import { NotApplicableError, ScenarioError } from '../src/errors/scenario-error.ts';
import { defineScenario } from '../src/scenario/scenario.ts';
import { openEstablished } from '../src/scenario/establish.ts';

/**
 * The server ends the stream: an eviction when a newer stream replaces it, a sweep of stale
 * streams, a maximum lifetime. The client is established, then the target's `end()` ends
 * every open stream from the server side while the server goes on serving; the client sees
 * its stream end and goes. A normal end fires neither the request signal nor `onAbort`, so
 * cleanup bound only to those (a keep-open loop on a flag, a heartbeat) runs on forever.
 * A target with no `end()` whose streams end by themselves (a maximum lifetime) takes part
 * too: each client waits for its stream's end, up to the connection timeout. One whose
 * first stream does not end within it is left out of the run, with why.
 * Opt-in (`--scenario server-close`): the default run keeps its time budget.
 */
/**
 * Connections of the wave still establishing. end() ends every stream open at that moment,
 * so it waits until the wave's others are established: a stream ended during its handler's
 * setup is another disconnect (pre-aborted's), not the server's end of a stream.
 */
let establishing = 0;

/** Why a target without `end` whose stream did not end by itself is left out. */
const needsEnd = (waitedMs: number) =>
  `the target has no end() to end its streams from the server side (a module exports it; a command registers it: globalThis.sseSoak?.register({ end })), and its stream did not end by itself within ${waitedMs} ms`;

export default defineScenario({
  kind: 'connections',
  name: 'server-close',
  optIn: true,
  description:
    "once established, the server ends the stream: the target's end() (an eviction, a sweep), or the stream's own end (a maximum lifetime); opt-in",
  async setup(ctx) {
    if (!ctx.target.end) {
      // No end() to call: does a stream end by itself? One, straight to the server.
      const waitMs = ctx.settings.connectionTimeoutMs;
      const probe = await openHttpStream(ctx.origin.url, { timeoutMs: waitMs, request: await ctx.openRequest() });
      const ended = await Promise.race([probe.ended, sleep(waitMs, 'open' as const)]);
      if (ended === 'open') {
        probe.disconnect('fin');
        throw new NotApplicableError(needsEnd(waitMs));
      }
    }
    return { close: async () => {} };
  },
  async connect(ctx, i) {
    const end = ctx.target.end;
    if (!end) {
      // The stream's own end (a maximum lifetime): waited for, as its client would.
      const stream = await openEstablished(ctx, i);
      const ended = await Promise.race([stream.ended, sleep(ctx.settings.connectionTimeoutMs, 'open' as const)]);
      if (ended === 'open') {
        stream.disconnect('fin');
        throw new ScenarioError(`the stream did not end by itself within ${ctx.settings.connectionTimeoutMs} ms`, 'measure', {
          code: 'SSE_SOAK_NOT_ENDED',
        });
      }
      ctx.count(ended === 'clean' ? 'endedByItself' : 'cutByServer');
      return;
    }
    establishing++;
    let stream: Awaited<ReturnType<typeof openEstablished>>;
    try {
      stream = await openEstablished(ctx, i);
    } finally {
      establishing--;
    }
    // A wave's connections start together; the first to get here once all are established
    // ends every stream, the others' calls find none left. Bounded: in a soak's continuous
    // churn another one may always be on its way.
    for (const until = performance.now() + 1_000; establishing > 0 && performance.now() < until; ) await sleep(1);
    await end();
    const ended = await Promise.race([stream.ended, sleep(ctx.settings.connectionTimeoutMs, 'open' as const)]);
    if (ended === 'open') {
      stream.disconnect('fin');
      throw new ScenarioError(`end() left the stream open for ${ctx.settings.connectionTimeoutMs} ms`, 'measure', {
        code: 'SSE_SOAK_NOT_ENDED',
      });
    }
    ctx.count(ended === 'clean' ? 'endedByServer' : 'cutByServer');
  },
});
