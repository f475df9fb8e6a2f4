import { requestThenLeave } from '../src/clients/raw-request.ts';
import { defineScenario } from '../src/scenario/scenario.ts';

/**
 * The client leaves before the response starts: during the handler's awaits (auth, an
 * organisation lookup), where DOMAIN.md measured the worst leak. The window is as wide as
 * those awaits, so the disconnect is swept over the request's lifetime, from right after
 * the request was written to past any setup of up to 50 ms, with FIN and RST alike. Over
 * the wire only: the in-process already-aborted request is `aborted-request`.
 */
export default defineScenario({
  kind: 'connections',
  name: 'pre-aborted',
  description: 'over the wire, the client leaves before the response starts (swept from 0 to 70 ms after the request, FIN and RST)',
  // A wave lasts as long as its longest delay: hold more at once.
  concurrency: 40,
  async connect(ctx, i) {
    const sweep = ctx.settings.sweepMs;
    const delay = sweep[i % sweep.length]!;
    const how = Math.floor(i / sweep.length) % 2 === 0 ? 'fin' : 'rst';
    const { responseStarted } = await requestThenLeave(ctx.origin, delay, how, ctx.request(i));
    ctx.count(responseStarted ? 'leftAfterResponseStarted' : 'leftBeforeResponse');
  },
});
