import { requestThenLeave } from '../src/clients/raw-request.ts';
import { defineScenario } from '../src/scenario/scenario.ts';

/**
 * The client leaves before the response starts: during the handler's awaits (auth, an
 * organisation lookup), where DOMAIN.md measured the worst leak. The window is as wide as
 * those awaits, so the disconnect is swept over the request's lifetime, from right after
 * the request was written to past any setup of up to 50 ms, with FIN and RST alike. One
 * connection in `inProcessEvery` is instead a request dispatched in-process with a signal
 * that is already aborted, whose body is never read.
 */
export default defineScenario({
  kind: 'connections',
  name: 'pre-aborted',
  description: 'the client leaves before the response starts (swept from 0 to 70 ms), plus in-process already-aborted requests',
  // A wave lasts as long as its longest delay: hold more at once.
  concurrency: 40,
  async connect(ctx, i) {
    const every = ctx.settings.inProcessEvery;
    if (every > 0 && i % every === every - 1) {
      try {
        // Dropped unread on purpose: nothing will ever read or cancel this body.
        await ctx.target.fetch(new Request(ctx.origin.url, { signal: AbortSignal.abort(), headers: { accept: 'text/event-stream' } }));
        ctx.count('inProcessAborted');
      } catch {
        ctx.count('inProcessRejected');
      }
      return;
    }
    const sweep = ctx.settings.sweepMs;
    const k = every > 0 ? i - Math.floor(i / every) : i;
    const delay = sweep[k % sweep.length]!;
    const how = Math.floor(k / sweep.length) % 2 === 0 ? 'fin' : 'rst';
    const { responseStarted } = await requestThenLeave(ctx.origin, delay, how);
    ctx.count(responseStarted ? 'leftAfterResponseStarted' : 'leftBeforeResponse');
  },
});
