import { createRequire } from 'node:module';
import type { Agent } from 'undici';

/** undici takes about 100 ms to load: a run whose clients all live in the client thread never needs it here. */
const undici = () => createRequire(import.meta.url)('undici') as typeof import('undici');

/**
 * The undici dispatcher behind the fetch and EventSource clients of one batch.
 * DOMAIN.md: undici's headers/body timeouts leave cleared timers in the heap until a sweep
 * every ~0.5 s, so they are off and every request carries its own deadline instead; and an
 * aborted request leaves a spare keep-alive socket idling for 4 s, so the pool is closed
 * after each batch rather than waited for.
 */
export class ClientPool {
  #dispatcher: Agent | undefined;

  get dispatcher(): Agent {
    this.#dispatcher ??= new (undici().Agent)({
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 50,
      keepAliveMaxTimeout: 50,
    });
    return this.#dispatcher;
  }

  readonly fetch = (input: string | URL, init: RequestInit = {}) =>
    undici().fetch(input, { ...(init as object), dispatcher: this.dispatcher }) as unknown as Promise<Response>;

  async close(): Promise<void> {
    await this.#dispatcher?.destroy().catch(() => {});
  }
}
