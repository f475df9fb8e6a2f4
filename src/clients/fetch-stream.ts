import { createParser } from 'eventsource-parser';
import type { ClientPool } from './client-pool.ts';
import { establishedAt, fetchInit, GET_REQUEST, type StreamClientOptions } from './wire-request.ts';

/**
 * undici's fetch reading the body until the stream is established (its `firstEvent`, or its
 * response for a stream quiet at connect), then aborting the request: what a server-side
 * consumer or a test client does when it has what it needs.
 */
export async function fetchUntilEventThenAbort(url: string, pool: ClientPool, options: StreamClientOptions = {}): Promise<void> {
  const { firstEvent, atResponse } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const request = options.request ?? GET_REQUEST;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`fetch: no ${establishedAt(options)} within ${timeoutMs} ms`)), timeoutMs);
  try {
    const res = await pool.fetch(url, { ...fetchInit(request), signal: controller.signal });
    if (res.status !== 200 || !res.body)
      throw new Error(`fetch: ${request.method} answered ${res.status}${res.body ? '' : ' with no body'}`);
    if (atResponse) return;
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
      if (done) throw new Error(`fetch: stream ended before the ${establishedAt(options)}`);
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    throw controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
