import { encodeFrame, frames } from './frames.ts';
import type { InvalidationEvent } from './emitter.ts';
import type { RouteContext } from './route-context.ts';

export interface Session {
  /** Unsubscribes, clears the keepalive and forgets the stream. Idempotent (a latch). */
  cleanup: () => void;
  /**
   * Called from the stream's pull(): a client is reading, so shutdown must end this stream.
   * A body nobody ever reads is never registered, as in a server that tracks its clients
   * by what it streams to: close() cannot reach it, and its interval outlives SIGTERM.
   */
  reading: () => void;
}

export interface SessionOptions {
  /** Whether the server-side end (close()) runs cleanup. Only `end-without-cleanup` says no. */
  endRunsCleanup?: boolean;
  /** Extra release work for cleanup, run once. */
  onCleanup?: () => void;
  /**
   * The most chunks the stream may hold for a client that has stopped reading before the
   * server drops it (`fixed` gives MAX_QUEUED_CHUNKS). Without it nothing is bounded, as in
   * the other variants, whose leaks stay exactly what their mechanisms make: a leaked stream
   * nobody reads would otherwise be dropped, and cleaned up, by its 257th chunk.
   */
  maxQueuedChunks?: number;
}

/**
 * A client that reads takes every chunk as soon as it is written (the adapter reads the
 * stream as fast as the socket accepts), so its queue stays near zero; a burst (a replay of
 * the 100-event backlog) stays well below this. A client that stopped reading (a
 * backgrounded phone, a frozen tab, a full proxy buffer) fills the socket, the adapter stops
 * reading, and `enqueue`, which ignores backpressure, would hold every later event.
 */
export const MAX_QUEUED_CHUNKS = 256;

/**
 * The body of the production route's ReadableStream `start()` (DOMAIN.md): `connected`, a
 * listener on the organisation's emitter, a keepalive interval. Shared by every variant
 * built on a plain ReadableStream; variants differ only in what triggers `cleanup`.
 */
export function startSession(
  controller: ReadableStreamDefaultController<Uint8Array>,
  route: RouteContext,
  options: SessionOptions = {},
): Session {
  let ended = false;
  const maxQueued = options.maxQueuedChunks ?? Number.POSITIVE_INFINITY;
  // After the server ended the stream the controller is closed and enqueue throws; a leaked
  // keepalive must keep leaking quietly rather than crash the process.
  const send = (frame: string) => {
    if (ended) return;
    // desiredSize is the queue's room (high-water mark 1): -n when n + 1 chunks wait.
    if (controller.desiredSize !== null && controller.desiredSize < -maxQueued) {
      drop();
      return;
    }
    try {
      controller.enqueue(encodeFrame(frame));
    } catch {
      ended = true;
    }
  };

  // A client that came back keeps its own cursor: its connected event carries no id.
  send(route.lastEventId === undefined ? frames.connectedAt(route.emitter.lastId) : frames.connected);
  const forward = (event: InvalidationEvent, id: number) => {
    const forwarded = route.filter(event);
    if (forwarded) send(frames.invalidate(forwarded, id));
  };
  // A client that came back first gets what it missed, then the live events: both in the
  // same synchronous step, so that nothing published in between is lost or sent twice.
  if (route.lastEventId !== undefined) for (const { id, event } of route.emitter.since(route.org.id, route.lastEventId)) forward(event, id);
  const unsubscribe = route.emitter.subscribe(route.org.id, forward);
  const keepalive = setInterval(() => send(frames.keepalive), route.keepaliveMs);

  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    unsubscribe();
    clearInterval(keepalive);
    route.streams.delete(end);
    options.onCleanup?.();
  };

  const end = () => {
    send(frames.shutdown);
    ended = true;
    try {
      controller.close();
    } catch {
      // Already closed or errored by a cancel: nothing left to end.
    }
    if (options.endRunsCleanup === false) route.streams.delete(end);
    else cleanup();
  };
  // The client stopped reading: erroring the stream discards its queue, and the adapter
  // destroys the socket (its read rejects), so the client is dropped and everything is released.
  const drop = () => {
    ended = true;
    try {
      controller.error(new Error(`the client stopped reading: more than ${maxQueued} chunks waited for it`));
    } catch {
      // Already closed.
    }
    cleanup();
  };
  let registered = false;
  const reading = () => {
    if (registered || cleaned) return;
    registered = true;
    route.streams.add(end);
  };

  return { cleanup, reading };
}

export const sseHeaders = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
} as const;
