import { EventSource } from 'eventsource';
import type { ClientPool } from './client-pool.ts';
import { establishedAt, fetchInit, type StreamClientOptions } from './wire-request.ts';

/**
 * A browser-shaped client: the eventsource package over the batch's undici pool, sending
 * the target's request through its `fetch` option (method, headers and body; EventSource's
 * own `accept`, `cache-control` and `last-event-id` stay unless the target sets them).
 * Resolves with the open EventSource once it is established: `firstEvent` arrived, or with
 * no first event named, once the stream opened; rejects on an error before it, and closes
 * the source so that it does not reconnect behind our back.
 */
export function openEventSource(url: string, pool: ClientPool, options: StreamClientOptions = {}): Promise<EventSource> {
  const firstEvent = options.atResponse ? undefined : options.firstEvent;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const request = options.request && fetchInit(options.request);
  const fetch = request
    ? (input: string | URL, init: RequestInit = {}) =>
        pool.fetch(input, {
          ...init,
          method: request.method,
          headers: { ...(init.headers as Record<string, string>), ...request.headers },
          ...(request.body ? { body: request.body } : {}),
        })
    : pool.fetch;
  return new Promise<EventSource>((resolve, reject) => {
    const source = new EventSource(url, { fetch: fetch as never });
    const fail = (message: string) => {
      clearTimeout(timer);
      source.close();
      reject(new Error(message));
    };
    const timer = setTimeout(() => fail(`EventSource: no ${establishedAt(options)} within ${timeoutMs} ms`), timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve(source);
    };
    if (firstEvent) source.addEventListener(firstEvent, ready);
    else source.onopen = ready;
    source.onerror = (event) => {
      if (source.readyState !== EventSource.OPEN)
        fail(`EventSource error: ${(event as { message?: string }).message ?? 'connection failed'}`);
    };
  });
}
