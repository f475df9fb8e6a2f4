import type { Context } from 'hono';
import type { RouteContext } from './route-context.ts';
import { type SessionOptions, sseHeaders, startSession } from './stream-session.ts';

/**
 * The helper of the production fix (DOMAIN.md): cleanup bound to the request's AbortSignal
 * and to the stream's `cancel()`, run through the session's latch, and nothing registered
 * when the signal is already aborted. Whether it leaks depends on when the route first read
 * `c.req.raw.signal`: node-server 1.19.x only aborts a signal that existed when the socket
 * closed.
 */
export function respondBound(c: Context, route: RouteContext, options: SessionOptions = {}): Response {
  const signal = c.req.raw.signal;
  if (signal.aborted) return c.body(null, 204);

  let onAbort: (() => void) | undefined;
  let cleanup: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const session = startSession(controller, route, {
        ...options,
        onCleanup: () => {
          if (onAbort) signal.removeEventListener('abort', onAbort);
          options.onCleanup?.();
        },
      });
      cleanup = session.cleanup;
      onAbort = session.cleanup;
      signal.addEventListener('abort', onAbort, { once: true });
    },
    cancel() {
      cleanup?.();
    },
  });
  return c.body(body, 200, sseHeaders);
}
