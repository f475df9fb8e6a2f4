import { StreamOpenError } from '../src/clients/http-stream.ts';
import { ScenarioError } from '../src/errors/scenario-error.ts';
import { startFaultProxy } from '../src/harness/fault-proxy.ts';
import { defineScenario } from '../src/scenario/scenario.ts';
import { openEstablished } from '../src/scenario/establish.ts';

/**
 * A load balancer between client and server closes both sides of a stream that has been
 * silent for longer than its idle timeout (nginx proxy_read_timeout, an AWS ALB). The
 * target must be quieter than the timeout for this to happen: its keepalive has to be
 * longer than --idle-timeout, or nothing is ever killed and the scenario says so.
 */
export default defineScenario({
  kind: 'connections',
  name: 'idle-kill',
  description: 'a TCP proxy kills both sides of each stream once it has been silent for the idle timeout',
  // Every connection lives one idle timeout: hold more at once.
  concurrency: 50,
  async setup(ctx) {
    const proxy = await startFaultProxy({ upstreamPort: ctx.origin.port, idleTimeoutMs: ctx.settings.idleTimeoutMs });
    return {
      url: proxy.url,
      stats: () => ({ 'proxy.accepted': proxy.stats.accepted, 'proxy.idleKills': proxy.stats.idleKills }),
      close: () => proxy.close(),
    };
  },
  async connect(ctx) {
    let stream;
    try {
      stream = await openEstablished(ctx);
    } catch (error) {
      // proxy_read_timeout also runs while the proxy waits for the response headers: under
      // load (GC pauses, a slow setup) the proxy may kill a request before it is answered.
      // The preflight has shown that the target answers, so this is the proxy's doing.
      if (error instanceof StreamOpenError && /socket hang up|ECONNRESET/.test(error.message)) {
        ctx.count('killedBeforeResponse');
        return;
      }
      throw error;
    }
    const deadline = ctx.settings.idleTimeoutMs * 10 + 1_000;
    let timer: NodeJS.Timeout | undefined;
    const how = await Promise.race([
      stream.ended,
      new Promise<'never'>((resolve) => (timer = setTimeout(resolve, deadline, 'never'))),
    ]);
    clearTimeout(timer);
    if (how === 'never') {
      stream.disconnect('fin');
      throw new ScenarioError(
        `the stream was never idle for ${ctx.settings.idleTimeoutMs} ms within ${deadline} ms: the target writes more often than that; lower --idle-timeout below its keepalive period`,
        'measure',
        { code: 'SSE_SOAK_NEVER_IDLE' },
      );
    }
    ctx.count(how === 'cut' ? 'killedMidStream' : 'endedByServer');
  },
});
