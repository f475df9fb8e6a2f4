import { type HttpStream, openHttpStream, StreamOpenError } from '../src/clients/http-stream.ts';
import { ScenarioError } from '../src/errors/scenario-error.ts';
import { startFaultProxy } from '../src/harness/fault-proxy.ts';
import { defineScenario } from '../src/scenario/scenario.ts';
import { assertSse } from '../src/scenario/establish.ts';
import { idleKillCheck } from '../src/verdict/idle-kill-check.ts';

/**
 * A load balancer between client and server closes both sides of a stream that has been
 * silent for longer than its idle timeout (nginx proxy_read_timeout, an AWS ALB). Each kill
 * is counted by where it landed: before the response, after it started but before the first
 * event, or mid-stream. A run in which no kill landed after a response started has not
 * exercised the target's cleanup at all, and says so as an error.
 */
export default defineScenario({
  kind: 'connections',
  name: 'idle-kill',
  description: 'a TCP proxy kills both sides of each stream once it has been silent for the idle timeout',
  // Every connection lives one idle timeout: hold more at once, but not so many that the
  // cap leaves too few heap samples. At 50 a wave, 400 connections gave 9 samples, and one
  // run (a fresh-clone CI run) left a 2.2 KiB leak undecided at the cap (interval 190 to
  // 3,074 B); at 25 the cap gives 17, and a clear answer still comes at 175 (7 waves).
  concurrency: 25,
  // The proxy is harness: it relays beside the clients, out of the measured heap and thread.
  setupWith: 'clients',
  async setup(ctx) {
    const proxy = await startFaultProxy({ upstreamPort: ctx.origin.port, idleTimeoutMs: ctx.settings.idleTimeoutMs });
    return {
      url: proxy.url,
      stats: () => ({ 'proxy.accepted': proxy.stats.accepted, 'proxy.idleKills': proxy.stats.idleKills }),
      checks: ({ stats }) => [idleKillCheck(stats, ctx.settings.idleTimeoutMs)],
      close: () => proxy.close(),
    };
  },
  async connect(ctx, i) {
    let stream: HttpStream;
    const request = ctx.request(i);
    try {
      stream = await openHttpStream(ctx.url, { timeoutMs: ctx.settings.connectionTimeoutMs, request });
    } catch (error) {
      // proxy_read_timeout also runs while the proxy waits for the response headers: a slow
      // setup is killed before it answers. The preflight has shown that the target answers.
      if (error instanceof StreamOpenError && /socket hang up|ECONNRESET/.test(error.message)) {
        ctx.count('killedBeforeResponse');
        return;
      }
      throw error;
    }
    assertSse(ctx, stream.status, stream.contentType, () => stream.disconnect('fin'), request.method);
    // A stream established at its response (quiet at connect) is not waited on for an event:
    // where the kill landed is told by whether any event had come.
    const first = ctx.establish.atResponse
      ? undefined
      : await stream.events.next(ctx.establish.firstEvent, ctx.settings.connectionTimeoutMs).then(
          () => undefined,
          (error: Error) => error,
        );
    if (first) {
      const how = await Promise.race([stream.ended, Promise.resolve('open' as const)]);
      if (how === 'cut') {
        // A stream quiet for the idle timeout before its first event: killed all the same.
        ctx.count('killedBeforeFirstEvent');
        return;
      }
      stream.disconnect('fin');
      throw new ScenarioError(`${request.method} ${ctx.origin.path}: ${first.message}`, 'measure', {
        code: 'SSE_SOAK_NO_EVENT',
        cause: first,
      });
    }
    const deadline = ctx.settings.idleTimeoutMs * 10 + 1_000;
    let timer: NodeJS.Timeout | undefined;
    const how = await Promise.race([stream.ended, new Promise<'never'>((resolve) => (timer = setTimeout(resolve, deadline, 'never')))]);
    clearTimeout(timer);
    if (how === 'never') {
      stream.disconnect('fin');
      throw new ScenarioError(
        `the stream was never idle for ${ctx.settings.idleTimeoutMs} ms within ${deadline} ms: the target writes more often than that; lower --idle-timeout below its keepalive period`,
        'measure',
        { code: 'SSE_SOAK_NEVER_IDLE' },
      );
    }
    ctx.count(how !== 'cut' ? 'endedByServer' : stream.events.count > 0 ? 'killedMidStream' : 'killedBeforeFirstEvent');
  },
});
