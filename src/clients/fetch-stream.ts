import { createParser } from 'eventsource-parser';
import type { ClientPool } from './client-pool.ts';

/**
 * undici's fetch reading the body until `firstEvent`, then aborting the request: what a
 * server-side consumer or a test client does when it has what it needs.
 */
export async function fetchUntilEventThenAbort(
  url: string,
  pool: ClientPool,
  options: { firstEvent?: string; timeoutMs?: number } = {},
): Promise<void> {
  const firstEvent = options.firstEvent;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`fetch: no '${firstEvent ?? 'first'}' event within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    const res = await pool.fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    if (res.status !== 200 || !res.body) throw new Error(`fetch: GET answered ${res.status}${res.body ? '' : ' with no body'}`);
    let seen = false;
    const parser = createParser({
      onEvent: (message) => {
        if (firstEvent === undefined || (message.event ?? 'message') === firstEvent) seen = true;
      },
    });
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    while (!seen) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`fetch: stream ended before the '${firstEvent ?? 'first'}' event`);
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    throw controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
