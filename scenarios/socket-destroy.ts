import { inNewTargetChain } from '../src/meters/async-owner.ts';
import { defineScenario } from '../src/scenario/scenario.ts';
import { openEstablished } from '../src/scenario/establish.ts';

/**
 * The rude client: its socket goes away under an established stream, with a FIN
 * (destroy()) or an RST (resetAndDestroy()); one connection in four first waits for a
 * published event, so that the listener has fired before the client leaves. A target with
 * no `publish` goes without, and the scenario's note says so.
 */
export default defineScenario({
  kind: 'connections',
  name: 'socket-destroy',
  description: 'once established (some after a published event) the socket is destroyed: FIN or RST',
  async setup() {
    return {
      notes: ({ stats }) =>
        stats.noPublish
          ? [`the target has no publish: ${stats.noPublish} connections that would have left after a published event left without one`]
          : [],
      close: async () => {},
    };
  },
  async connect(ctx, i) {
    const stream = await openEstablished(ctx, i);
    if (i % 4 === 3 && ctx.target.publish) {
      const publish = ctx.target.publish;
      await inNewTargetChain('publish', () => publish());
      await stream.events.next(undefined, ctx.settings.connectionTimeoutMs);
      ctx.count('afterPublish');
    } else if (i % 4 === 3) {
      // Says in the stats that this part of the scenario was done without: no publish.
      ctx.count('noPublish');
    }
    const how = i % 2 === 0 ? 'fin' : 'rst';
    stream.disconnect(how);
    ctx.count(how === 'fin' ? 'destroyFin' : 'resetRst');
  },
});
