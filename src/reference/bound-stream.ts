import type { Context } from 'hono';
import type { RouteContext } from './route-context.ts';
import { type Session, type SessionOptions, sseHeaders, startSession } from './stream-session.ts';

/**
 * The helper of the production fix (DOMAIN.md): cleanup bound to the request's AbortSignal
 * and to the stream's `cancel()`, run through the session's latch, and nothing registered
 * when the signal is already aborted. Whether it leaks depends on when the route first read
 * `c.req.raw.signal`: node-server 1.19.x only aborts a signal that existed when the socket
 * closed.
 */
/**
 * Reads the request signal before the route's first await. On node-server 1.19.x a signal
 * aborts only if it existed when the socket closed (its AbortController is created lazily).
 */
export function readSignalEarly(c: Context): void {
  void c.req.raw.signal;
}

export function respondBound(c: Context, route: RouteContext, options: SessionOptions = {}): Response {
  const signal = c.req.raw.signal;
  if (signal.aborted) return c.body(null, 204);

  let onAbort: (() => void) | undefined;
  let session: Session | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      session = startSession(controller, route, {
        ...options,
        onCleanup: () => {
          if (onAbort) signal.removeEventListener('abort', onAbort);
          options.onCleanup?.();
        },
      });
      onAbort = session.cleanup;
      signal.addEventListener('abort', onAbort, { once: true });
    },
    pull() {
      session?.reading();
    },
    cancel() {
      session?.cleanup();
    },
  });
  return c.body(body, 200, sseHeaders);
}
