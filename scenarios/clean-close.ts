import { openEventSource } from '../src/clients/eventsource-stream.ts';
import { fetchUntilEventThenAbort } from '../src/clients/fetch-stream.ts';
import { defineScenario } from '../src/scenario/scenario.ts';
import { clientOptions } from '../src/scenario/establish.ts';

/** The polite client: it takes the first event and closes, the way its library closes. */
export default defineScenario({
  kind: 'connections',
  name: 'clean-close',
  description:
    'once established (its first event, or its response for a quiet stream) the client closes normally: EventSource.close() or an undici abort',
  // Its heap series bends the most (the server's paths keep warming for a few hundred
  // connections): wider waves give the eight samples a slope needs a wider span.
  concurrency: 40,
  async connect(ctx, i) {
    const options = clientOptions(ctx, i);
    if (i % 2 === 0) {
      const source = await openEventSource(ctx.url, ctx.pool, options);
      source.close();
      ctx.count('eventsourceClose');
    } else {
      await fetchUntilEventThenAbort(ctx.url, ctx.pool, options);
      ctx.count('undiciAbort');
    }
  },
});
