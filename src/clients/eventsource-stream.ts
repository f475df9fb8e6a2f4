import { EventSource } from 'eventsource';
import type { ClientPool } from './client-pool.ts';

/**
 * A browser-shaped client: the eventsource package over the batch's undici pool. Resolves
 * with the open EventSource once `firstEvent` arrived (or, with no first event named, once
 * the stream opened); rejects on an error before it, and closes the source so that it does
 * not reconnect behind our back.
 */
export function openEventSource(
  url: string,
  pool: ClientPool,
  options: { firstEvent?: string; timeoutMs?: number } = {},
): Promise<EventSource> {
  const firstEvent = options.firstEvent;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise<EventSource>((resolve, reject) => {
    const source = new EventSource(url, { fetch: pool.fetch as never });
    const fail = (message: string) => {
      clearTimeout(timer);
      source.close();
      reject(new Error(message));
    };
    const timer = setTimeout(() => fail(`EventSource: no '${firstEvent ?? 'open'}' event within ${timeoutMs} ms`), timeoutMs);
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
