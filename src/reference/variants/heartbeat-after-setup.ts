import { setTimeout as sleep } from 'node:timers/promises';
import { streamSSE } from 'hono/streaming';
import { readSignalEarly } from '../bound-stream.ts';
import { frames } from '../frames.ts';
import type { ReferenceVariant } from '../variant.ts';

/**
 * A route on Hono's `streamSSE` (DOMAIN.md follow-up fixes): an entry in a connection
 * manager, an awaited presence write, then a heartbeat interval and a
 * `while (!stream.aborted) await stream.sleep()` loop. Cleanup is latched and bound to both
 * the request signal and `onAbort`, but the heartbeat is created after the await: a client
 * that leaves during the await runs cleanup first, and nothing ever clears the heartbeat.
 * The connection gauge reads 0; only the timer count shows it.
 */
export const heartbeatAfterSetup: ReferenceVariant = {
  name: 'heartbeat-after-setup',
  mechanism: 'streamSSE route whose heartbeat interval is created after an awaited step that cleanup may already have latched',
  leaks: 'one interval per client that leaves after the headers and before the first event, on every adapter; no listener',
  onRequest: readSignalEarly,
  respond(c, route) {
    const signal = c.req.raw.signal;
    if (signal.aborted) return c.body(null, 204);
    return streamSSE(c, async (stream) => {
      let heartbeat: NodeJS.Timeout | undefined;
      let cleaned = false;
      const cleanup = () => {
        if (cleaned) return;
        cleaned = true;
        unsubscribe();
        clearInterval(heartbeat);
        route.streams.delete(end);
        signal.removeEventListener('abort', abort);
      };
      const abort = () => stream.abort();
      const end = () => {
        void stream.write(frames.shutdown).then(() => stream.close());
        cleanup();
      };
      // onAbort callbacks registered after the abort never run (hono 4.13): register first.
      stream.onAbort(cleanup);
      signal.addEventListener('abort', abort, { once: true });
      route.streams.add(end);
      const unsubscribe = route.emitter.subscribe(route.org.id, (event) => {
        const forwarded = route.filter(event);
        if (forwarded) void stream.write(frames.invalidate(forwarded));
      });

      await sleep(route.settleMs); // the presence write: the window of this leak
      heartbeat = setInterval(() => void stream.write(frames.keepalive), route.keepaliveMs);

      await stream.write(frames.connected);
      while (!stream.aborted && !stream.closed) await stream.sleep(route.keepaliveMs);
    });
  },
};
