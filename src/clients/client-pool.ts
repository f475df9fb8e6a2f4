import { Agent, fetch as undiciFetch } from 'undici';

/**
 * The undici dispatcher behind the fetch and EventSource clients of one batch.
 * DOMAIN.md: undici's headers/body timeouts leave cleared timers in the heap until a sweep
 * every ~0.5 s, so they are off and every request carries its own deadline instead; and an
 * aborted request leaves a spare keep-alive socket idling for 4 s, so the pool is closed
 * after each batch rather than waited for.
 */
export class ClientPool {
  readonly dispatcher = new Agent({
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 50,
    keepAliveMaxTimeout: 50,
  });

  readonly fetch = (input: string | URL, init: RequestInit = {}) =>
    undiciFetch(input, { ...(init as object), dispatcher: this.dispatcher }) as unknown as Promise<Response>;

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => {});
  }
}
