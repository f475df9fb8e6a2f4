import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

/** Per-organisation events: `bus.emit(org, payload)` reaches every stream of that org. */
export const bus = new EventEmitter();
bus.setMaxListeners(0);

const open = new Set<() => void>();

export const app = new Hono();

app.get('/api/:org/events', async (c) => {
  const signal = c.req.raw.signal; // before any await: node-server 1.19.x aborts only a signal that exists
  const org = c.req.param('org');
  await sleep(2); // stands for the auth and organisation lookup
  if (signal.aborted) return c.body(null, 204);

  return streamSSE(c, async (stream) => {
    const onEvent = (payload: unknown) => void stream.writeSSE({ event: 'update', data: JSON.stringify(payload) });
    const keepalive = setInterval(() => void stream.write(': keepalive\n\n'), 15_000);
    bus.on(org, onEvent);
    await new Promise<void>((done) => {
      const cleanup = () => {
        bus.off(org, onEvent);
        clearInterval(keepalive);
        signal.removeEventListener('abort', cleanup);
        open.delete(cleanup);
        done();
      };
      open.add(cleanup);
      signal.addEventListener('abort', cleanup, { once: true });
      stream.onAbort(cleanup);
      void stream.writeSSE({ event: 'ready', data: '{}' });
    });
  });
});

/** Ends every open stream (on shutdown). */
export function closeStreams(): void {
  for (const cleanup of [...open]) cleanup();
}
